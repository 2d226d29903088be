package nsexec

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
)

// TestMain lets the test binary stand in for the aksbox binary: Command
// re-executes it as `<test binary> __nsexec --netns NAME -- CMD...`, and here
// it does what aksbox's hidden command does. Test flags are not parsed yet.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == Subcommand {
		err := Run(os.Args[2:], os.Environ())
		fmt.Fprintf(os.Stderr, "%s: %v\n", Subcommand, err)
		os.Exit(127)
	}
	os.Exit(m.Run())
}

// testNS creates a named network namespace with its own resolv.conf, as the
// fabric makes a VM's, and removes both when the test ends.
func testNS(t *testing.T) (name, resolvConf string) {
	t.Helper()
	testenv.Root(t)
	testenv.Tool(t, "ip", "install iproute2")
	b := make([]byte, 4)
	rand.Read(b)
	name = "nsexec-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	etc := filepath.Join(nsEtcDir, name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
		os.RemoveAll(etc)
	})
	resolvConf = "# resolv.conf of " + name + "\nnameserver 168.63.129.16\n"
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "resolv.conf"), []byte(resolvConf), 0o644); err != nil {
		t.Fatal(err)
	}
	return name, resolvConf
}

func self(t *testing.T) string {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExecSeesTheNamespace(t *testing.T) {
	ns, resolvConf := testNS(t)
	hosts := "10.0.0.4 vm1.internal # hosts of " + ns + "\n"
	if err := os.WriteFile(filepath.Join(nsEtcDir, ns, "hosts"), []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	hostResolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	hostHosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	hostMounts := mountCount(t)

	cmd := Command(self(t), ns, "sh", "-c",
		`cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; ls /sys/class/net; echo ---; ip -br addr; echo ---; echo "$AKSBOX_TEST"`)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "AKSBOX_TEST=passed"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v; stderr: %s", cmd.Args, err, stderr.Bytes())
	}
	parts := strings.Split(string(out), "---\n")
	if len(parts) != 5 {
		t.Fatalf("output = %q", out)
	}
	if parts[0] != resolvConf {
		t.Errorf("resolv.conf inside = %q, want %q", parts[0], resolvConf)
	}
	if parts[1] != hosts {
		t.Errorf("/etc/hosts inside = %q, want %q", parts[1], hosts)
	}
	if parts[2] != "lo\n" {
		t.Errorf("/sys/class/net inside = %q, want only lo", parts[2])
	}
	if fs := strings.Fields(parts[3]); len(fs) < 1 || fs[0] != "lo" || strings.Count(parts[3], "\n") != 1 {
		t.Errorf("ip -br addr inside = %q, want only lo", parts[3])
	}
	if parts[4] != "passed\n" {
		t.Errorf("environment inside = %q, want the one given", parts[4])
	}

	// Nothing leaked to the host.
	if after, _ := os.ReadFile("/etc/resolv.conf"); !bytes.Equal(after, hostResolv) {
		t.Errorf("host /etc/resolv.conf changed: %q, was %q", after, hostResolv)
	}
	if after, _ := os.ReadFile("/etc/hosts"); !bytes.Equal(after, hostHosts) {
		t.Errorf("host /etc/hosts changed: %q, was %q", after, hostHosts)
	}
	if n := mountCount(t); n != hostMounts {
		t.Errorf("host mounts: %d, were %d", n, hostMounts)
	}
	if hostNet, _ := os.ReadDir("/sys/class/net"); len(hostNet) == 0 {
		t.Error("host /sys/class/net is empty")
	}
}

func TestExecExitStatusAndErrors(t *testing.T) {
	ns, _ := testNS(t)
	tests := []struct {
		name     string
		netns    string
		argv     []string
		wantCode int
		wantErr  string
	}{
		{"exit status is the command's", ns, []string{"sh", "-c", "exit 3"}, 3, ""},
		{"absolute path", ns, []string{"/bin/sh", "-c", "true"}, 0, ""},
		{"command not found", ns, []string{"no-such-command-aksbox"}, 127, "command not found"},
		{"missing namespace", "nsexec-missing", []string{"true"}, 127, "opening network namespace"},
		{"bad namespace name", "../x", []string{"true"}, 127, "invalid network namespace name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := Command(self(t), tt.netns, tt.argv...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode || !strings.Contains(string(out), tt.wantErr) {
				t.Errorf("exit %d, output %q; want exit %d, output with %q", code, out, tt.wantCode, tt.wantErr)
			}
		})
	}
}

// mountCount counts the host's mounts where Exec mounts in its own
// namespace (/etc and /sys): others come and go with tests of other
// packages running beside this one (a namespace made is a mount in
// /run/netns).
func mountCount(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && (f[4] == "/sys" || strings.HasPrefix(f[4], "/sys/") || strings.HasPrefix(f[4], "/etc/")) {
			n++
		}
	}
	return n
}
