package containerservice

import (
	"net/netip"
	"path/filepath"

	"github.com/aksbox/aksbox/internal/controlplane"
)

// Warm control planes are started for clusters with the defaults: the API
// server's address in its hidden network (the first a subnet hands out)
// and the default service CIDR and DNS service IP.
var (
	warmAddress      = apiserverSpace.Addr().Next().Next().Next().Next()
	warmServiceCIDR  = netip.MustParsePrefix(defaultServiceCIDR)
	warmDNSServiceIP = netip.MustParseAddr(defaultDNSServiceIP)
)

// AKS's defaults of a cluster's service network.
const (
	defaultServiceCIDR  = "10.0.0.0/16"
	defaultDNSServiceIP = "10.0.0.10"
)

// warmHost is the fabric's host id of a warm control plane's namespace.
func warmHost(name string) string { return "warm-control-plane/" + name }

// enableWarmPool starts the warm pool of Options.WarmControlPlanes; with
// none, it still removes what an earlier run's pool left.
func (p *Provider) enableWarmPool() error {
	if p.opts.Supervisor == nil {
		return nil
	}
	return p.opts.Supervisor.EnablePool(controlplane.PoolOptions{
		Size: p.opts.WarmControlPlanes,
		Dir:  filepath.Join(p.opts.Dir, "warm"),
		Template: controlplane.Spec{Address: warmAddress, ServiceCIDR: warmServiceCIDR, DNSServiceIP: warmDNSServiceIP,
			EtcdSocket: p.opts.EtcdSocket},
		Host: func(name string, addr netip.Addr) (string, error) {
			return p.fab.EnsureIsolatedHost(warmHost(name), addr)
		},
		RemoveHost: func(name string) error { return p.fab.RemoveHost(warmHost(name)) },
		Discard:    p.deleteKubeState,
		Enter:      p.fab.Do,
	})
}
