package cloud

import (
	"context"
	"fmt"
	"os"
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
	return nsexec.Output(ctx, cmd)
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
