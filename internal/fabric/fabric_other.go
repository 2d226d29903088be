//go:build !linux

package fabric

import (
	"log/slog"
	"net/netip"
)

// Fabric is unsupported off Linux: every method returns ErrUnsupported.
type Fabric struct{}

// New reports that the fabric is unsupported on this platform.
func New(prefix string, log *slog.Logger) (*Fabric, error) { return nil, ErrUnsupported }

// EnsureVNet is unsupported off Linux.
func (f *Fabric) EnsureVNet(v VNet) error { return ErrUnsupported }

// RemoveVNet is unsupported off Linux.
func (f *Fabric) RemoveVNet(id string) error { return ErrUnsupported }

// EnsureHost is unsupported off Linux.
func (f *Fabric) EnsureHost(id string, resolvConf []byte) (string, error) {
	return "", ErrUnsupported
}

// SetResolvConf is unsupported off Linux.
func (f *Fabric) SetResolvConf(id string, resolvConf []byte) error { return ErrUnsupported }

// ResolvConfPath names no file off Linux.
func (f *Fabric) ResolvConfPath(id string) string { return "" }

// RemoveHost is unsupported off Linux.
func (f *Fabric) RemoveHost(id string) error { return ErrUnsupported }

// EnsureNIC is unsupported off Linux.
func (f *Fabric) EnsureNIC(n NIC) error { return ErrUnsupported }

// RemoveNIC is unsupported off Linux.
func (f *Fabric) RemoveNIC(id string) error { return ErrUnsupported }

// EnsurePeering is unsupported off Linux.
func (f *Fabric) EnsurePeering(a, b string) error { return ErrUnsupported }

// RemovePeering is unsupported off Linux.
func (f *Fabric) RemovePeering(a, b string) error { return ErrUnsupported }

// HostNamespace names no namespace off Linux.
func (f *Fabric) HostNamespace(id string) string { return "" }

// RouterNamespace names no namespace off Linux.
func (f *Fabric) RouterNamespace(vnetID string) string { return "" }

// Do is unsupported off Linux.
func (f *Fabric) Do(ns string, fn func() error) error { return ErrUnsupported }

// SetResolver does nothing off Linux.
func (f *Fabric) SetResolver(r Resolver) {}

// Close has nothing to stop off Linux.
func (f *Fabric) Close() error { return nil }

// List is unsupported off Linux.
func (f *Fabric) List() ([]string, error) { return nil, ErrUnsupported }

// EnsureFrontend is unsupported off Linux.
func (f *Fabric) EnsureFrontend(fe Frontend) error { return ErrUnsupported }

// RemoveFrontend is unsupported off Linux.
func (f *Fabric) RemoveFrontend(id string) error { return ErrUnsupported }

// EnsureEndpoint is unsupported off Linux.
func (f *Fabric) EnsureEndpoint(e Endpoint) error { return ErrUnsupported }

// RemoveEndpoint is unsupported off Linux.
func (f *Fabric) RemoveEndpoint(id string) error { return ErrUnsupported }

// EnsureDNSListener is unsupported off Linux.
func (f *Fabric) EnsureDNSListener(vnetID, subnet string, addr netip.Addr) error {
	return ErrUnsupported
}

// RemoveDNSListener is unsupported off Linux.
func (f *Fabric) RemoveDNSListener(vnetID string, addr netip.Addr) error { return ErrUnsupported }

// EnsureIsolatedHost is unsupported off Linux.
func (f *Fabric) EnsureIsolatedHost(id string, addrs ...netip.Addr) (string, error) {
	return "", ErrUnsupported
}
