package sshgw

import (
	"bufio"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestSessionRequests covers what the OpenSSH client does not easily show:
// env filtering, window-change and signals.
func TestSessionRequests(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)

	t.Run("env", func(t *testing.T) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Setenv("LC_ALL", "C"); err != nil {
			t.Errorf("Setenv(LC_ALL) = %v", err)
		}
		if err := s.Setenv("LD_PRELOAD", "/tmp/x.so"); err == nil {
			t.Error("Setenv(LD_PRELOAD) accepted")
		}
		out, err := s.Output(`echo "$LC_ALL|$LD_PRELOAD"`)
		if err != nil || string(out) != "C|\n" {
			t.Errorf("output = %q, %v", out, err)
		}
	})

	t.Run("window-change", func(t *testing.T) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		stdout, _ := s.StdoutPipe()
		if err := s.Start(`echo "$TERM"; stty size; trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.05; done`); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		expect := func(want string) {
			t.Helper()
			if !lines.Scan() || strings.TrimSpace(lines.Text()) != want {
				t.Fatalf("read %q (%v), want %q", lines.Text(), lines.Err(), want)
			}
		}
		expect("xterm")
		expect("24 80")
		expect("ready")
		if err := s.WindowChange(50, 132); err != nil {
			t.Fatal(err)
		}
		expect("50 132")
		if err := s.Wait(); err != nil {
			t.Errorf("Wait = %v", err)
		}
	})

	t.Run("signal", func(t *testing.T) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stdout, _ := s.StdoutPipe()
		if err := s.Start("echo ready; exec sleep 60"); err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
			t.Fatalf("read %q", line)
		}
		if err := s.Signal(ssh.SIGTERM); err != nil {
			t.Fatal(err)
		}
		err = s.Wait()
		var ee *ssh.ExitError
		if !errors.As(err, &ee) || ee.Signal() != "TERM" {
			t.Errorf("Wait = %v, want exit by signal TERM", err)
		}
	})

	t.Run("one command per session", func(t *testing.T) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Start("sleep 0.2"); err != nil {
			t.Fatal(err)
		}
		ok, err := s.SendRequest("exec", true, ssh.Marshal(struct{ Command string }{"true"}))
		if ok || err != nil {
			t.Errorf("second exec = %v, %v; want refused", ok, err)
		}
		s.Wait()
	})

	t.Run("no port forwarding", func(t *testing.T) {
		if _, err := c.Dial("tcp", "127.0.0.1:22"); err == nil {
			t.Error("direct-tcpip channel accepted")
		}
	})
	c.Close()
	waitFor(t, "no process left in the VM", func() bool { return len(nsPids(t, f.ns)) == 0 })
}
