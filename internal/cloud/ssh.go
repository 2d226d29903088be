package cloud

import (
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"strings"

	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/sandbox"
	"github.com/aksbox/aksbox/internal/sshgw"
	"golang.org/x/crypto/ssh"
)

// sshGateway adapts the SSH gateway to the compute provider: sessions run
// in the VM's sandbox as its admin user.
type sshGateway struct {
	gw  *sshgw.Gateway
	vms *sandbox.Manager
}

func openSSH(dir instance.Dir, vms *sandbox.Manager, log *slog.Logger) compute.Gateway {
	gw, err := sshgw.New(dir.Path("ssh", "host_ed25519_key"), log)
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
	return &sshGateway{gw: gw, vms: vms}
}

func (s *sshGateway) Set(addr netip.AddrPort, t *compute.SSHTarget) error {
	if t == nil {
		return s.gw.Set(addr, nil)
	}
	id, user := t.VMID, t.User
	return s.gw.Set(addr, &sshgw.VM{Name: t.VMName, User: user, Keys: t.Keys,
		Enter: func(argv []string) (*exec.Cmd, error) { return s.vms.Command(id, user, argv...) },
		Root:  func() (string, error) { return s.vms.Root(id) }})
}

func (s *sshGateway) Close() error { return s.gw.Close() }
