package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// userDataTimeout bounds a first boot's custom data.
const userDataTimeout = 30 * time.Minute

// done tells whether the VM's first boot has run (or had nothing to run):
// the mark is in the VM's folder, outside the VM's reach.
func done(vm string) bool {
	_, err := os.Stat(filepath.Join(vm, "first-boot"))
	return err == nil
}

// firstBoot runs the custom data once, in the background as cloud-init's
// final stage runs after the VM is provisioned, with its output in the VM's
// /var/log/cloud-init-output.log, then writes cloud-init's
// /var/lib/cloud/instance/boot-finished.
func (m *Manager) firstBoot(ctx context.Context, s Spec) error {
	vm := m.Dir(s.ID)
	if err := os.WriteFile(filepath.Join(vm, "first-boot"), nil, 0o600); err != nil {
		return err
	}
	if len(s.CustomData) == 0 {
		return m.finishBoot(vm, "")
	}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				m.log.Error("running a VM's custom data panicked", "vm", s.ID, "panic", r)
			}
		}()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), userDataTimeout)
		defer cancel()
		var log string
		script, err := UserDataScript(s.CustomData)
		if err == nil {
			if err = ownedFile(filepath.Join(vm, "var/lib/cloud/instance/user-data.txt"), s.CustomData, 0o600, 0, 0); err == nil {
				var out, errOut string
				var code int
				out, errOut, code, err = m.Run(ctx, s.ID, script, nil)
				log = out + errOut
				if err == nil && code != 0 {
					log += fmt.Sprintf("cloud-init: the user data script exited with status %d\n", code)
				}
			}
		}
		if err != nil {
			log += "cloud-init: " + err.Error() + "\n"
		}
		if err := m.finishBoot(vm, log); err != nil {
			m.log.Warn("finishing a VM's first boot", "vm", s.ID, "err", err)
		}
	}()
	return nil
}

func (m *Manager) finishBoot(vm, log string) error {
	stamp := time.Now().UTC().Format(time.RFC1123)
	log += "Cloud-init finished at " + stamp + ". Datasource DataSourceAzure.\n"
	if err := ownedFile(filepath.Join(vm, "var/log/cloud-init-output.log"), []byte(log), 0o644, 0, 4); err != nil {
		return err
	}
	return ownedFile(filepath.Join(vm, "var/lib/cloud/instance/boot-finished"), []byte(stamp+"\n"), 0o644, 0, 0)
}
