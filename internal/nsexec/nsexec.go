// Package nsexec runs a command in a bare network namespace of the
// service's own (a control plane's, say): in that namespace, with its
// /etc/netns/<ns> files (its resolv.conf) over /etc and a sysfs of that
// namespace on /sys — what `ip netns exec` does, without the ip binary.
// VMs are not entered this way: they are sandboxes (package sandbox).
//
// Entering a namespace and replacing mounts cannot be undone safely in a
// multi-threaded Go process, so the work happens in a fresh process: the
// aksbox binary re-executed as `aksbox __nsexec --netns NAME -- CMD ARGS...`,
// whose hidden command calls Exec (or Run), which replaces the process with
// CMD. Command builds that re-execution for callers.
//
// Tests that need it re-execute their own test binary: TestMain calls Run
// when os.Args[1] is Subcommand, before m.Run parses any test flags.
package nsexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
)

// Subcommand is the hidden command of the aksbox binary that calls Exec.
const Subcommand = "__nsexec"

// ErrUnsupported is returned where namespaces do not exist.
var ErrUnsupported = errors.New("nsexec: network namespaces are only supported on linux")

// Command returns the command that runs argv inside the network namespace
// netns: the binary self (the aksbox executable, or a test binary that
// dispatches Subcommand) re-executed as `self __nsexec --netns NAME -- argv...`.
// The process becomes argv[0] (looked up in the PATH of cmd.Env) once inside,
// so its pid, exit status and signals are argv's own. Callers set Env, Dir,
// stdio and SysProcAttr on the result as for any exec.Cmd.
func Command(self, netns string, argv ...string) *exec.Cmd {
	args := append([]string{Subcommand, "--netns", netns, "--"}, argv...)
	return exec.Command(self, args...)
}

// Run parses the arguments after Subcommand, `--netns NAME -- CMD ARGS...`,
// and calls Exec with the environment of this process. It returns only on
// error.
func Run(args []string, env []string) error {
	netns, argv, err := parseArgs(args)
	if err != nil {
		return err
	}
	return Exec(netns, argv, env)
}

func parseArgs(args []string) (netns string, argv []string, err error) {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--":
			argv = args[i+1:]
			i = len(args)
		case a == "--netns" && i+1 < len(args):
			netns = args[i+1]
			i++
		case strings.HasPrefix(a, "--netns="):
			netns = strings.TrimPrefix(a, "--netns=")
		default:
			return "", nil, fmt.Errorf("usage: %s --netns NAME -- CMD [ARGS...]: unexpected %q", Subcommand, a)
		}
	}
	if netns == "" || len(argv) == 0 {
		return "", nil, fmt.Errorf("usage: %s --netns NAME -- CMD [ARGS...]", Subcommand)
	}
	return netns, argv, nil
}

// validName refuses namespace names that would reach outside
// /var/run/netns or /etc/netns.
func validName(netns string) error {
	if netns == "" || netns == "." || netns == ".." || strings.ContainsAny(netns, "/\x00") {
		return fmt.Errorf("invalid network namespace name %q", netns)
	}
	return nil
}

// Quote quotes s as one word for a POSIX shell.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Output runs cmd (a command of this package or of a VM) to its end and
// returns its output and exit status. The command leads a process group of
// its own; when ctx ends first, the group is killed and the error says so.
func Output(ctx context.Context, cmd *exec.Cmd) (stdout, stderr string, code int, err error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return "", "", 0, fmt.Errorf("running the script: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return out.String(), errb.String(), -1, fmt.Errorf("the script did not finish: %w", ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode(), nil
	}
	return out.String(), errb.String(), 0, err
}
