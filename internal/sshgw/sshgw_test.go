package sshgw

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		in      string
		want    string // canonical form; "" means refused
		wantErr string
	}{
		{"127.224.0.4:22", "127.224.0.4:22", ""},
		{"127.0.0.1:2222", "127.0.0.1:2222", ""},
		{"[::1]:22", "[::1]:22", ""},
		{"[::ffff:127.224.0.9]:22", "127.224.0.9:22", ""},
		{"10.0.0.4:22", "", "not a loopback address"},
		{"192.168.1.10:22", "", "not a loopback address"},
		{"0.0.0.0:22", "", "not a loopback address"},
		{"[::]:22", "", "not a loopback address"},
		{"20.50.1.2:22", "", "not a loopback address"},
		{"[::ffff:10.0.0.1]:22", "", "not a loopback address"},
		{"127.224.0.4:0", "", "port 0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := checkAddr(netip.MustParseAddrPort(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("checkAddr(%s) = %v, %v; want error with %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Errorf("checkAddr(%s) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
	if _, err := checkAddr(netip.AddrPort{}); err == nil {
		t.Error("checkAddr(zero) = nil error")
	}
}

func TestCheckVM(t *testing.T) {
	key := testPublicKey(t)
	enter := func([]string) (*exec.Cmd, error) { return nil, nil }
	tests := []struct {
		name string
		vm   VM
		want []string // every problem reported at once
	}{
		{"ok", VM{User: "azureuser", Keys: []ssh.PublicKey{key}, Enter: enter, Root: func() (string, error) { return "/", nil }}, nil},
		{"empty", VM{}, []string{"no user", "no ssh public keys", "no way into the VM"}},
		{"nil key", VM{User: "u", Keys: []ssh.PublicKey{nil}, Enter: enter, Root: func() (string, error) { return "/", nil }}, []string{"key 0 is nil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkVM(&tt.vm)
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("checkVM = %v, want problems %q", err, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("checkVM = %v, want it to say %q", err, w)
				}
			}
		})
	}
}

func TestHostKeyPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "ssh_host_ed25519_key")
	first, err := loadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if first.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Errorf("host key type = %s, want ed25519", first.PublicKey().Type())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode = %v, want 0600", fi.Mode().Perm())
	}
	again, err := loadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(again.PublicKey().Marshal()) != string(first.PublicKey().Marshal()) {
		t.Error("host key changed on second load")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("key directory holds %d files, want only the key", len(entries))
	}
}

func TestHostKeyConcurrentCreators(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hostkey")
	keys := make([]string, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			s, err := loadOrCreateHostKey(path)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = string(s.PublicKey().Marshal())
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k != keys[0] {
			t.Fatal("concurrent creators got different host keys")
		}
	}
}

func TestHostKeyGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hostkey")
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, err := loadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "parsing ssh host key") {
		t.Errorf("garbage host key: err = %v", err)
	}
}

func testPublicKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
