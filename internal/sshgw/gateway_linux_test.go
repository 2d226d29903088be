package sshgw

import (
	"context"
	"errors"
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestRealSSH drives the gateway with the real OpenSSH client.
func TestRealSSH(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		user     string
		key      string
		stdin    string
		opts     []string
		remote   string
		wantCode int
		check    func(t *testing.T, r sshResult)
	}{{
		name:   "the command runs in the VM",
		remote: `cat /etc/resolv.conf; echo ---; ls /sys/class/net; echo ---; pwd; echo "$HOME"; id -un; test -f .bashrc && echo skel`,
		check: func(t *testing.T, r sshResult) {
			want := f.resolv + "---\nlo\nvmnic0\nvmnic1\n---\n/home/azureuser\n/home/azureuser\nazureuser\nskel\n"
			if r.stdout != want {
				t.Errorf("stdout = %q, want %q", r.stdout, want)
			}
		},
	}, {
		name:     "exit status",
		remote:   "exit 3",
		wantCode: 3,
	}, {
		name:   "stdin, stdout and stderr",
		stdin:  "hello\n",
		remote: "cat; echo to-stderr >&2",
		check: func(t *testing.T, r sshResult) {
			if r.stdout != "hello\n" || r.stderr != "to-stderr\n" {
				t.Errorf("stdout, stderr = %q, %q", r.stdout, r.stderr)
			}
		},
	}, {
		name:     "login shell without a terminal",
		opts:     []string{"-T"},
		stdin:    "echo in-shell $SHELL; exit 4\n",
		wantCode: 4,
		check: func(t *testing.T, r sshResult) {
			if !strings.Contains(r.stdout, "in-shell /bin/") {
				t.Errorf("stdout = %q", r.stdout)
			}
		},
	}, {
		name:   "terminal",
		opts:   []string{"-tt"},
		remote: `tty; test "$SSH_TTY" = "$(tty)" && echo ssh-tty-ok`,
		check: func(t *testing.T, r sshResult) {
			out := strings.ReplaceAll(r.stdout, "\r\n", "\n")
			if !regexp.MustCompile(`(?m)^/dev/pts/\d+$`).MatchString(out) || !strings.Contains(out, "ssh-tty-ok") {
				t.Errorf("stdout = %q, want a /dev/pts/N terminal in SSH_TTY", r.stdout)
			}
		},
	}, {
		name:     "terminal exit status",
		opts:     []string{"-tt"},
		remote:   "exit 5",
		wantCode: 5,
	}, {
		name:     "wrong user",
		user:     "root",
		remote:   "true",
		wantCode: 255,
		check:    permissionDenied,
	}, {
		name:     "wrong key",
		key:      f.otherKey,
		remote:   "true",
		wantCode: 255,
		check:    permissionDenied,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, key := "azureuser", f.key
			if tt.user != "" {
				user = tt.user
			}
			if tt.key != "" {
				key = tt.key
			}
			r := f.ssh(t, user, key, tt.stdin, tt.opts, tt.remote)
			if r.code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stdout %q, stderr %q", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	waitFor(t, "no process left in the VM", func() bool { return len(nsPids(t, f.ns)) == 0 })
}

func permissionDenied(t *testing.T, r sshResult) {
	if !strings.Contains(r.stderr, "Permission denied (publickey)") || r.stdout != "" {
		t.Errorf("stdout, stderr = %q, %q; want the standard refusal only", r.stdout, r.stderr)
	}
}

// TestClientGoesAway kills the client in the middle of a command: the
// session's processes are hung up and reaped.
func TestClientGoesAway(t *testing.T) {
	f := newFixture(t)
	for _, opts := range [][]string{nil, {"-tt"}} {
		t.Run(strings.Join(append([]string{"ssh"}, opts...), " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := f.sshCommand(ctx, "azureuser", f.key, opts, "sleep 300 & sleep 301")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the command in the VM", func() bool { return len(nsPids(t, f.ns)) >= 2 })
			cmd.Process.Kill()
			cmd.Wait()
			waitFor(t, "no process left in the VM", func() bool { return len(nsPids(t, f.ns)) == 0 })
		})
	}
}

// TestSetUpdatesAndStops changes the VM's user and keys on a serving
// address, then stops serving it in the middle of a session.
func TestSetUpdatesAndStops(t *testing.T) {
	f := newFixture(t)
	other := readSigner(t, f.otherKey)
	if err := f.g.Set(f.addr, &VM{Name: "vm1", User: "admin2", Keys: []ssh.PublicKey{other.PublicKey()}, Enter: f.enter("root"), Root: f.root}); err != nil {
		t.Fatal(err)
	}
	if r := f.ssh(t, "azureuser", f.key, "", nil, "true"); r.code != 255 {
		t.Errorf("old user and key after update: exit %d, %q", r.code, r.stderr)
	}
	if r := f.ssh(t, "admin2", f.otherKey, "", nil, `echo "$HOME"`); r.code != 0 || r.stdout != "/root\n" {
		t.Errorf("new user and key: exit %d, %q, %q; want HOME /root", r.code, r.stdout, r.stderr)
	}

	f.g.Set(f.addr, f.vm())
	s, err := f.dial(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("sleep 300"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the command in the VM", func() bool { return len(nsPids(t, f.ns)) >= 1 })
	if err := f.g.Set(f.addr, nil); err != nil {
		t.Fatal(err)
	}
	if !refused(f.addr) {
		t.Error("address still accepts connections after Set(addr, nil)")
	}
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("session ended well after its VM went away")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("session goes on after Set(addr, nil)")
	}
	if pids := nsPids(t, f.ns); len(pids) != 0 {
		t.Errorf("processes left in the VM: %v", pids)
	}
	// Serving it again works.
	if err := f.g.Set(f.addr, f.vm()); err != nil {
		t.Fatal(err)
	}
	if r := f.ssh(t, "azureuser", f.key, "", nil, "echo back"); r.stdout != "back\n" {
		t.Errorf("served again: %+v", r)
	}
}

// TestClose ends everything: listeners, sessions and their processes.
func TestClose(t *testing.T) {
	f := newFixture(t)
	second := freeLoopback(t)
	if err := f.g.Set(second, f.vm()); err != nil {
		t.Fatal(err)
	}
	s, err := f.dial(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the shell in the VM", func() bool { return len(nsPids(t, f.ns)) >= 1 })

	if err := f.g.Close(); err != nil {
		t.Fatal(err)
	}
	for _, a := range []netip.AddrPort{f.addr, second} {
		if !refused(a) {
			t.Errorf("%s still accepts connections after Close", a)
		}
	}
	if pids := nsPids(t, f.ns); len(pids) != 0 {
		t.Errorf("processes left in the VM: %v", pids)
	}
	if kids := children(t); len(kids) != 0 {
		t.Errorf("child processes left: %v", kids)
	}
	if err := f.g.Set(f.addr, f.vm()); !errors.Is(err, ErrClosed) {
		t.Errorf("Set after Close = %v, want ErrClosed", err)
	}
}

// TestSetRefuses checks what Set will not serve; no root needed.
func TestSetRefuses(t *testing.T) {
	g, err := New(t.TempDir()+"/hostkey", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	enter := func([]string) (*exec.Cmd, error) { return nil, errors.New("not here") }
	vm := &VM{User: "azureuser", Keys: []ssh.PublicKey{testPublicKey(t)}, Enter: enter, Root: func() (string, error) { return "/", nil }}
	for _, a := range []string{"10.0.0.4:22", "0.0.0.0:22", "172.16.0.4:22", "[fd00::4]:22"} {
		if err := g.Set(netip.MustParseAddrPort(a), vm); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
			t.Errorf("Set(%s) = %v, want a not-loopback error", a, err)
		}
	}
	if err := g.Set(netip.MustParseAddrPort("127.224.0.4:2222"), &VM{Enter: enter, Root: func() (string, error) { return "/", nil }}); err == nil {
		t.Error("Set with a VM without user and keys accepted")
	}
	if err := g.Set(netip.MustParseAddrPort("127.224.0.4:2222"), &VM{User: "azureuser", Keys: vm.Keys}); err == nil {
		t.Error("Set with a VM without a way in accepted")
	}
}
