package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
	"golang.org/x/crypto/ssh"
)

// writeKey writes a new private key for the real ssh client and returns
// its path and the authorized-key line.
func writeKey(t testing.TB) (string, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	return path, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

// The real OpenSSH client lands in a shell inside the VM: its address, its
// resolver; the wrong key is refused; a deleted VM's address refuses.
func TestRealSSHIntoVM(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "ssh", "install openssh-client")
	in := start(t, "--provider-registration-delay", "0s")
	l := newNetLab(t, in, "ssh")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("v", "10.50.0.0/16", "10.50.1.0/24")
	ip := l.publicVM("jump", "v")
	sshTo := func(key, user, cmd string) (string, error) {
		out, err := exec.Command("ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", user+"@"+ip, cmd).CombinedOutput()
		return string(out), err
	}
	out, err := sshTo(keyPath, "azureuser", "ip -4 -o addr show dev eth0; cat /etc/resolv.conf; echo HOME=$HOME")
	if err != nil || !strings.Contains(out, "10.50.1.4/24") || !strings.Contains(out, "168.63.129.16") {
		t.Fatalf("ssh azureuser@%s: %v\n%s", ip, err, out)
	}
	otherKey, _ := writeKey(t)
	if out, err := sshTo(otherKey, "azureuser", "true"); err == nil {
		t.Fatalf("a wrong key was accepted: %s", out)
	}
	if out, err := sshTo(keyPath, "root", "true"); err == nil {
		t.Fatalf("a wrong user was accepted: %s", out)
	}
	in.mustAksbox("group", "delete", "-n", "ssh", "--yes")
	if out, err := sshTo(keyPath, "azureuser", "true"); err == nil {
		t.Fatalf("ssh still works after the VM was deleted: %s", out)
	}
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("left: %v", ns)
	}
}
