package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
)

// A VM is a machine, not a root shell on the host: over real SSH its user,
// host name, sudo, processes and files are its own; the host's namespaces
// are out of reach; its disk outlives stop/start, a server restart and its
// init being killed; its custom data runs once.
func TestVMIsAMachine(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "ssh", "install openssh-client")
	in := start(t, "--provider-registration-delay", "0s")
	in.cliGroup("box")
	keyPath, authorized := writeKey(t)
	dir := t.TempDir()
	pub := filepath.Join(dir, "key.pub")
	os.WriteFile(pub, []byte(authorized+"\n"), 0o644)
	userData := filepath.Join(dir, "cloud-init.yaml")
	os.WriteFile(userData, []byte("#cloud-config\nwrite_files:\n- path: /etc/motd.d/aksbox\n  content: |\n    written by cloud-init\nruncmd:\n- echo ran >> /var/lib/runs\n"), 0o644)
	var vm struct{ PublicIPAddress string }
	out := in.mustAksbox("vm", "create", "-g", "box", "-n", "jump", "--computer-name", "jumpbox", "--ssh-key-values", pub,
		"--custom-data", userData, "--vnet-name", "v", "--subnet", "s", "--vnet-address-prefix", "10.70.0.0/16", "--subnet-address-prefix", "10.70.1.0/24")
	if err := json.Unmarshal([]byte(out), &vm); err != nil || vm.PublicIPAddress == "" {
		t.Fatalf("vm create: %v\n%s", err, out)
	}
	sh := func(cmd string) string {
		t.Helper()
		out, err := exec.Command("ssh", "-i", keyPath, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "azureuser@"+vm.PublicIPAddress, cmd).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh %q: %v\n%s", cmd, err, out)
		}
		return strings.TrimSpace(string(out))
	}

	if got := sh("whoami; id -u; hostname; echo $HOME; sudo -n whoami; id -Gn"); !strings.HasPrefix(got, "azureuser\n1000\njumpbox\n/home/azureuser\nroot\n") ||
		!strings.Contains(got, "sudo") {
		t.Errorf("who, where, sudo:\n%s", got)
	}
	if got := sh("ls /proc | grep -c '^[0-9]'"); len(got) > 1 {
		t.Errorf("the VM sees %s processes; the host's must be out of sight", got)
	}
	if got := sh("test -e " + string(in.dir) + " && echo visible; sudo cat /etc/shadow | grep -c .; echo netns=$(sudo ls -A /var/run/netns 2>/dev/null | wc -l)"); strings.Contains(got, "visible") ||
		!strings.HasSuffix(got, "netns=0") {
		t.Errorf("the state directory or the host's namespaces are visible:\n%s", got)
	}
	if got := sh("sudo nsenter --net=/proc/1/ns/net true 2>&1; echo status=$?"); strings.HasSuffix(got, "status=0") {
		t.Errorf("root in the VM entered a network namespace:\n%s", got)
	}
	if got := sh("sudo touch /usr/bin/aksbox-was-here 2>&1; echo status=$?"); strings.HasSuffix(got, "status=0") {
		t.Errorf("root in the VM wrote the host's /usr:\n%s", got)
	}

	// Custom data ran once, at first boot, with its log where cloud-init's is.
	waitFor(t, func() bool { // the first boot

		return sh("test -f /var/lib/cloud/instance/boot-finished && echo yes || echo no") == "yes"
	})
	if got := sh("cat /etc/motd.d/aksbox /var/lib/runs; grep -c 'Cloud-init finished' /var/log/cloud-init-output.log"); got != "written by cloud-init\nran\n1" {
		t.Errorf("what the custom data did:\n%s", got)
	}
	sh("echo kept > ~/note && sudo sh -c 'echo etc > /etc/aksbox-note; echo var > /var/note'")
	check := func(when string) {
		t.Helper()
		if got := sh("cat ~/note /etc/aksbox-note /var/note /var/lib/runs; hostname"); got != "kept\netc\nvar\nran\njumpbox" {
			t.Errorf("%s, the VM's files are:\n%s", when, got)
		}
	}

	run := in.mustAksbox("vm", "run-command", "invoke", "-g", "box", "-n", "jump", "--command-id", "RunShellScript", "--scripts", "whoami; hostname; cat /home/azureuser/note")
	if !strings.Contains(run, `root\njumpbox\nkept`) {
		t.Errorf("run-command does not run as root in the VM:\n%s", run)
	}

	in.mustAksbox("vm", "stop", "-g", "box", "-n", "jump")
	in.mustAksbox("vm", "start", "-g", "box", "-n", "jump")
	check("after stop and start")
	in.stop()
	in.restart()
	check("after a server restart")

	// The VM's init killed from outside: the VM comes back with its disk.
	init := processWith(t, "jumpbox")
	if err := syscall.Kill(atoi(init), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !running(init) })
	check("after its init was killed")

	in.mustAksbox("group", "delete", "-n", "box", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
	if init := processesWith("jumpbox"); len(init) != 0 {
		t.Fatalf("the VM's init outlived it: %v", init)
	}
	if _, err := os.Stat(in.dir.Path("vms")); err == nil {
		if left, _ := os.ReadDir(in.dir.Path("vms")); len(left) != 0 {
			t.Fatalf("VM disks left: %v", left)
		}
	}
}
