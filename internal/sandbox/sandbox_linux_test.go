package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
)

// The test binary links the C half, so it boots and enters VMs itself:
// `<test binary> __vminit ...` never reaches the Go runtime.

// testVM boots a VM in a fresh network namespace and halts and removes it
// (and the namespace) at the end.
func testVM(t *testing.T, s Spec) (*Manager, Spec) {
	t.Helper()
	testenv.Root(t)
	testenv.Tool(t, "ip", "makes the VM's network namespace")
	ns := fmt.Sprintf("sbxtest-%d-%d", os.Getpid(), time.Now().UnixNano()%100000)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	etc := filepath.Join("/etc/netns", ns)
	os.MkdirAll(etc, 0o755)
	os.WriteFile(filepath.Join(etc, "resolv.conf"), []byte("nameserver 168.63.129.16\n"), 0o644)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m := New(t.TempDir(), self, slog.New(slog.DiscardHandler))
	s.Netns = ns
	if s.ID == "" {
		s.ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/" + s.Hostname
	}
	t.Cleanup(func() {
		if err := m.Remove(s.ID); err != nil {
			t.Errorf("removing the VM: %v", err)
		}
		exec.Command("ip", "netns", "del", ns).Run()
		os.RemoveAll(etc)
	})
	if err := m.Boot(context.Background(), s); err != nil {
		t.Fatalf("booting: %v", err)
	}
	return m, s
}

// in runs a shell command in the VM as user and returns its combined
// output; it fails the test unless the exit status is want.
func in(t *testing.T, m *Manager, id, user, script string, want int) string {
	t.Helper()
	cmd, err := m.Command(id, user, "/bin/sh", "-c", script)
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	if code != want {
		t.Fatalf("%s: exit status %d, want %d; output:\n%s", script, code, want, out)
	}
	return strings.TrimSpace(string(out))
}

func TestVMIsAMachineOfItsOwn(t *testing.T) {
	m, s := testVM(t, Spec{Hostname: "jumpbox", User: "azureuser", Keys: []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtest azureuser"}})

	if got := in(t, m, s.ID, "azureuser", "whoami; id -u; hostname; cat /etc/hostname; echo $HOME; pwd", 0); got !=
		"azureuser\n1000\njumpbox\njumpbox\n/home/azureuser\n/home/azureuser" {
		t.Errorf("who and where:\n%s", got)
	}
	if got := in(t, m, s.ID, "azureuser", "id -Gn", 0); !strings.Contains(got, "sudo") || !strings.Contains(got, "adm") {
		t.Errorf("groups %q, want adm and sudo", got)
	}
	if got := in(t, m, s.ID, "azureuser", "cat ~/.ssh/authorized_keys; stat -c %U:%a ~/.ssh/authorized_keys", 0); !strings.Contains(got, "AAAAIGtest") || !strings.HasSuffix(got, "azureuser:600") {
		t.Errorf("authorized keys:\n%s", got)
	}

	// sudo: passwordless for the admin, root inside only.
	if got := in(t, m, s.ID, "azureuser", "sudo whoami; sudo -n id -u; sudo sh -c 'echo $SUDO_USER:$HOME:$PWD'", 0); got != "root\n0\nazureuser:/root:/home/azureuser" {
		t.Errorf("sudo:\n%s", got)
	}
	if got := in(t, m, s.ID, "azureuser", "sudo -u nobody id -un; sudo -i pwd", 0); got != "nobody\n/root" {
		t.Errorf("sudo -u, -i:\n%s", got)
	}
	in(t, m, s.ID, "azureuser", "sudo sh -c 'exit 7'", 7)
	if got := in(t, m, s.ID, "nobody", "sudo true", 1); !strings.Contains(got, "nobody is not in the sudoers file") {
		t.Errorf("sudo by a user not in sudo: %s", got)
	}

	// The host is out of sight and out of reach.
	if got := in(t, m, s.ID, "root", "ls /proc | grep -c '^[0-9]'", 0); len(got) != 1 { // init, sh, ls and grep
		t.Errorf("%s processes seen in the VM; want its own few", got)
	}
	if got := in(t, m, s.ID, "root", "cat /proc/1/cmdline | tr '\\0' ' '", 0); !strings.Contains(got, "__vminit") {
		t.Errorf("PID 1 of the VM is %q, want its init", got)
	}
	state := filepath.Dir(m.Dir(s.ID))
	in(t, m, s.ID, "root", "test ! -e "+state+" && test ! -e /var/run/netns/"+s.Netns, 0)
	if got := in(t, m, s.ID, "azureuser", "sudo nsenter --net=/proc/1/ns/net true 2>&1; echo done", 0); !strings.Contains(got, "Permission denied") && !strings.Contains(got, "Operation not permitted") {
		t.Errorf("root in the VM entered a network namespace:\n%s", got)
	}
	in(t, m, s.ID, "root", "touch /usr/aksbox-test", 1)
	in(t, m, s.ID, "root", "command -v sh ls", 0)

	// Files are the VM's and outlive a halt.
	in(t, m, s.ID, "azureuser", "echo kept > ~/note && sudo sh -c 'echo etc > /etc/aksbox-note && echo var > /var/note && echo tmp > /tmp/note'", 0)
	if err := m.Halt(s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Command(s.ID, "root", "true"); err != ErrNotRunning {
		t.Fatalf("command in a halted VM: %v, want ErrNotRunning", err)
	}
	if err := m.Boot(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if got := in(t, m, s.ID, "azureuser", "cat ~/note /etc/aksbox-note /var/note /tmp/note", 0); got != "kept\netc\nvar\ntmp" {
		t.Errorf("after a restart:\n%s", got)
	}
	if _, err := os.Stat("/etc/aksbox-note"); err == nil {
		t.Errorf("the VM wrote the host's /etc")
	}
}

func TestCustomDataRunsOnceAtFirstBoot(t *testing.T) {
	data := "#cloud-config\npackages: [sh, surely-not-a-package]\nwrite_files:\n- path: /etc/motd.d/hello\n  content: hello from cloud-init\n  permissions: '0600'\nruncmd:\n- echo ran >> /var/lib/runs\n- [sh, -c, 'hostname > /tmp/who']\n"
	m, s := testVM(t, Spec{Hostname: "cfg", User: "azureuser", CustomData: []byte(data)})
	wait := func() {
		for i := 0; i < 500; i++ {
			if _, err := os.Stat(filepath.Join(m.Dir(s.ID), "var/lib/cloud/instance/boot-finished")); err == nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("the first boot did not finish within 5s")
	}
	wait()
	if got := in(t, m, s.ID, "root", "cat /etc/motd.d/hello; echo; stat -c %a /etc/motd.d/hello; cat /var/lib/runs /tmp/who", 0); got != "hello from cloud-init\n600\nran\ncfg" {
		t.Errorf("what the custom data did:\n%s", got)
	}
	log := in(t, m, s.ID, "root", "cat /var/log/cloud-init-output.log", 0)
	for _, want := range []string{"package sh: present", "package surely-not-a-package: not installed", "Cloud-init finished"} {
		if !strings.Contains(log, want) {
			t.Errorf("cloud-init-output.log lacks %q:\n%s", want, log)
		}
	}
	m.Halt(s.ID)
	if err := m.Boot(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := in(t, m, s.ID, "root", "cat /var/lib/runs", 0); got != "ran" {
		t.Errorf("custom data ran again on the second boot: %q", got)
	}
}

func TestVMKilledFromOutsideBootsAgain(t *testing.T) {
	m, s := testVM(t, Spec{Hostname: "healed", User: "azureuser"})
	in(t, m, s.ID, "azureuser", "echo kept > ~/note", 0)
	old := m.pid(s.ID)
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500 && alive(old); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if got := in(t, m, s.ID, "azureuser", "cat ~/note; hostname", 0); got != "kept\nhealed" {
		t.Errorf("after its init was killed, the VM says %q", got)
	}
	if m.pid(s.ID) == old || m.pid(s.ID) == 0 {
		t.Errorf("the VM's init is %d (was %d), want a new one", m.pid(s.ID), old)
	}
}

// TestVMWhoseNetworkWasLostBootsAgain: the VM's namespace deleted and made
// anew (as after a host reboot and a server restart): the next boot
// replaces the init that runs in the lost network.
func TestVMWhoseNetworkWasLostBootsAgain(t *testing.T) {
	m, s := testVM(t, Spec{Hostname: "renet", User: "azureuser"})
	old := m.pid(s.ID)
	for _, args := range [][]string{{"netns", "del", s.Netns}, {"netns", "add", s.Netns}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v %s", args, err, out)
		}
	}
	if m.Running(s.ID) {
		t.Fatal("an init in a lost network namespace counts as running")
	}
	if err := m.Boot(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if alive(old) {
		t.Errorf("the old init (pid %d) still runs", old)
	}
	in(t, m, s.ID, "root", "hostname", 0)
}
