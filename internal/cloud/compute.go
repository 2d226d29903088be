package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aksbox/aksbox/internal/nsexec"
	"github.com/aksbox/aksbox/internal/sandbox"
)

// runner runs scripts for the providers: in a VM through its sandbox, or
// in a bare namespace of the service's own by re-executing this binary
// (see package nsexec).
type runner struct {
	self string
	vms  *sandbox.Manager
}

// RunEnv runs script with /bin/bash inside netns, with env added to the
// server's environment, and returns its output.
func (n runner) RunEnv(ctx context.Context, netns, script string, env []string) (string, string, int, error) {
	cmd := nsexec.Command(n.self, netns, "/bin/bash", "-c", script)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return "", "", 0, fmt.Errorf("running the script: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		return out.String(), errb.String(), -1, fmt.Errorf("the script did not finish: %w", ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode(), nil
	}
	return out.String(), errb.String(), 0, err
}

// RunInVM runs script as root in the VM, in dir (a new folder under the
// VM's /tmp, filled by stage from the host and removed afterwards).
func (n runner) RunInVM(ctx context.Context, vmID, dir string, stage func(hostDir string) error, script string, env []string) (string, string, int, error) {
	rel, ok := strings.CutPrefix(dir, "/tmp/")
	if !ok || rel == "" || strings.Contains(rel, "/") || rel == ".." {
		return "", "", 0, fmt.Errorf("running in VM: %q is not a folder directly under /tmp", dir)
	}
	host := filepath.Join(n.vms.Dir(vmID), "tmp", rel)
	if err := os.Mkdir(host, 0o700); err != nil {
		return "", "", 0, err
	}
	defer os.RemoveAll(host)
	if err := stage(host); err != nil {
		return "", "", 0, err
	}
	if err := sandbox.Give(host, 0); err != nil {
		return "", "", 0, err
	}
	return n.vms.Run(ctx, vmID, script, env)
}
