package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/aksbox/aksbox/internal/nsexec"
)

// nsRunner runs run-command scripts inside a VM's namespace by
// re-executing this binary (see package nsexec).
type nsRunner struct{ self string }

func newRunner() (nsRunner, error) {
	self, err := os.Executable()
	if err != nil {
		return nsRunner{}, fmt.Errorf("finding the aksbox binary: %w", err)
	}
	return nsRunner{self: self}, nil
}

// Run runs script with /bin/bash inside netns and returns its output.
func (n nsRunner) Run(ctx context.Context, netns, script string) (string, string, int, error) {
	return n.RunEnv(ctx, netns, script, []string{"HOME=/root"})
}

// RunEnv is Run with env added to the server's environment.
func (n nsRunner) RunEnv(ctx context.Context, netns, script string, env []string) (string, string, int, error) {
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
