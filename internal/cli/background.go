package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aksbox/aksbox/internal/instance"
)

// stopGrace is how long a server that 'aksbox up' gives up on has to stop
// after SIGTERM before it gets SIGKILL.
const stopGrace = 5 * time.Second

// startBackground runs 'aksbox serve' detached, logging to the state dir,
// and waits until it has published its endpoint. When it is not ready in
// time, or ctx ends first, it stops the server it started.
func startBackground(ctx context.Context, dir instance.Dir, serveArgs []string, timeout time.Duration) (instance.Server, error) {
	var none instance.Server
	if err := os.MkdirAll(string(dir), 0o700); err != nil {
		return none, fmt.Errorf("creating state dir: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return none, err
	}
	logf, err := os.OpenFile(dir.LogFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return none, fmt.Errorf("opening log file: %w", err)
	}
	defer logf.Close()
	c := exec.Command(self, append([]string{"serve", "--state-dir", string(dir)}, serveArgs...)...)
	c.Stdout, c.Stderr = logf, logf
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		return none, fmt.Errorf("starting the server: %w", err)
	}
	pid := c.Process.Pid
	_ = os.WriteFile(dir.PIDFile(), []byte(strconv.Itoa(pid)+"\n"), 0o644)
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	deadline := time.After(timeout)
	for {
		if srv, err := dir.ReadServer(); err == nil && srv.PID == pid {
			return srv, nil
		}
		select {
		case err := <-exited:
			_ = os.Remove(dir.PIDFile())
			return none, fmt.Errorf("the server exited during start (%v); see %s:\n%s", err, dir.LogFile(), tail(dir.LogFile(), 10))
		case <-deadline:
			how := stopChild(c.Process, exited, dir)
			return none, fmt.Errorf("the server did not become ready within %s; %s; see %s", timeout, how, dir.LogFile())
		case <-ctx.Done():
			how := stopChild(c.Process, exited, dir)
			return none, fmt.Errorf("interrupted; %s", how)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stopChild ends a server 'aksbox up' started: SIGTERM, then SIGKILL after
// stopGrace. It says what it did.
func stopChild(p *os.Process, exited <-chan error, dir instance.Dir) string {
	defer os.Remove(dir.PIDFile())
	if err := p.Signal(syscall.SIGTERM); errors.Is(err, os.ErrProcessDone) {
		<-exited
		return fmt.Sprintf("the server it started (pid %d) has exited", p.Pid)
	}
	select {
	case <-exited:
		return fmt.Sprintf("stopped the server it started (pid %d)", p.Pid)
	case <-time.After(stopGrace):
	}
	_ = p.Kill()
	<-exited
	return fmt.Sprintf("killed the server it started (pid %d), which did not stop within %s of SIGTERM", p.Pid, stopGrace)
}

func tail(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
