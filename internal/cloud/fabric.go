package cloud

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"

	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/aksbox/aksbox/internal/instance"
)

// Fabric is the network fabric as the instance uses it.
type Fabric interface {
	EnsureVNet(v fabric.VNet) error
	RemoveVNet(id string) error
	EnsurePeering(a, b string) error
	RemovePeering(a, b string) error
	EnsureHost(id string, resolvConf []byte) (string, error)
	EnsureIsolatedHost(id string, addrs ...netip.Addr) (string, error)
	SetResolvConf(id string, resolvConf []byte) error
	ResolvConfPath(id string) string
	RemoveHost(id string) error
	EnsureNIC(n fabric.NIC) error
	RemoveNIC(id string) error
	HostNamespace(id string) string
	Do(ns string, fn func() error) error
	SetResolver(r fabric.Resolver)
	EnsureFrontend(fe fabric.Frontend) error
	RemoveFrontend(id string) error
	EnsureEndpoint(e fabric.Endpoint) error
	RemoveEndpoint(id string) error
	EnsureDNSListener(vnetID, subnet string, addr netip.Addr) error
	RemoveDNSListener(vnetID string, addr netip.Addr) error
	Close() error
}

// FabricPrefix names an instance's namespaces and links: "ab" and four hex
// digits of its state dir, so instances side by side never collide.
func FabricPrefix(dir instance.Dir) string {
	abs, err := filepath.Abs(string(dir))
	if err != nil {
		abs = string(dir)
	}
	sum := sha256.Sum256([]byte(abs))
	return "ab" + hex.EncodeToString(sum[:2])
}

// openFabric opens the instance's fabric. Where namespaces cannot be made
// (not root, not Linux) the server still serves; realizing a network
// resource then fails with the reason, and the resource shows Failed.
func openFabric(dir instance.Dir, log *slog.Logger) Fabric {
	f, err := fabric.New(FabricPrefix(dir), log)
	if err != nil {
		log.Warn("network fabric unavailable; network resources will fail to provision", "err", err)
		return unavailable{fmt.Errorf("the network fabric is unavailable on this host (%w); run aksbox as root on Linux", err)}
	}
	return f
}

type unavailable struct{ err error }

func (u unavailable) EnsureVNet(fabric.VNet) error              { return u.err }
func (u unavailable) RemoveVNet(string) error                   { return nil }
func (u unavailable) EnsurePeering(a, b string) error           { return u.err }
func (u unavailable) RemovePeering(a, b string) error           { return nil }
func (u unavailable) Close() error                              { return nil }
func (u unavailable) EnsureHost(string, []byte) (string, error) { return "", u.err }
func (u unavailable) RemoveHost(string) error                   { return nil }
func (u unavailable) EnsureIsolatedHost(string, ...netip.Addr) (string, error) {
	return "", u.err
}
func (u unavailable) SetResolvConf(string, []byte) error                 { return u.err }
func (u unavailable) ResolvConfPath(string) string                       { return "" }
func (u unavailable) EnsureNIC(fabric.NIC) error                         { return u.err }
func (u unavailable) RemoveNIC(string) error                             { return nil }
func (u unavailable) HostNamespace(string) string                        { return "" }
func (u unavailable) Do(string, func() error) error                      { return u.err }
func (u unavailable) SetResolver(fabric.Resolver)                        {}
func (u unavailable) EnsureFrontend(fabric.Frontend) error               { return u.err }
func (u unavailable) RemoveFrontend(string) error                        { return nil }
func (u unavailable) EnsureEndpoint(fabric.Endpoint) error               { return u.err }
func (u unavailable) RemoveEndpoint(string) error                        { return nil }
func (u unavailable) EnsureDNSListener(string, string, netip.Addr) error { return u.err }
func (u unavailable) RemoveDNSListener(string, netip.Addr) error         { return nil }

// PublicIPPool is the instance's loopback range for public IPs: a /20 in
// 127.224.0.0/11 (4,094 addresses) chosen by its state dir, so instances
// side by side differ. It holds the /24 earlier instances used, so their
// addresses stay in the pool.
func PublicIPPool(dir instance.Dir) netip.Prefix {
	abs, err := filepath.Abs(string(dir))
	if err != nil {
		abs = string(dir)
	}
	sum := sha256.Sum256([]byte("pool:" + abs))
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{127, 224 + sum[0]%32, sum[1] &^ 0x0f, 0}), 20)
}
