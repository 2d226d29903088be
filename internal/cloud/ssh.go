package cloud

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"os"
	"strings"

	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/sshgw"
	"golang.org/x/crypto/ssh"
)

// sshGateway adapts the SSH gateway to the compute provider: each VM gets
// a home directory of its own under the state dir, so a user's files (such
// as ~/.kube/config) stay with the VM.
type sshGateway struct {
	gw  *sshgw.Gateway
	dir instance.Dir
}

func openSSH(dir instance.Dir, log *slog.Logger) compute.Gateway {
	self, err := os.Executable()
	if err != nil {
		log.Warn("SSH gateway unavailable", "err", err)
		return nil
	}
	gw, err := sshgw.New(dir.Path("ssh", "host_ed25519_key"), self, log)
	if err != nil {
		log.Warn("SSH gateway unavailable", "err", err)
		return nil
	}
	// A known_hosts file for every public IP of this instance (a loopback
	// address), which 'aksbox ssh vm' gives the ssh client.
	line := "127.* " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(gw.PublicKey()))) + "\n"
	if err := os.WriteFile(dir.KnownHostsFile(), []byte(line), 0o644); err != nil {
		log.Warn("writing the SSH known_hosts file", "err", err)
	}
	return &sshGateway{gw: gw, dir: dir}
}

func (s *sshGateway) Set(addr netip.AddrPort, t *compute.SSHTarget) error {
	if t == nil {
		return s.gw.Set(addr, nil)
	}
	sum := sha256.Sum256([]byte(strings.ToLower(t.VMID)))
	home := s.dir.Path("vms", hex.EncodeToString(sum[:8]), "home", t.User)
	return s.gw.Set(addr, &sshgw.VM{User: t.User, Keys: t.Keys, Netns: t.Netns, Home: home})
}

func (s *sshGateway) Close() error { return s.gw.Close() }
