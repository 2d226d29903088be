package fabric

import (
	"fmt"
	"net/netip"
)

// isolatedLabel labels the addresses an isolated host holds on its lo.
const isolatedLabel = "lo:isolated"

// EnsureIsolatedHost makes the namespace of a host that has no NIC and
// never gets one: lo up, holding addrs. A process there reaches nothing but
// itself (a warm control plane waiting for its cluster, say). It is removed
// with RemoveHost.
func (f *Fabric) EnsureIsolatedHost(id string, addrs ...netip.Addr) (string, error) {
	if err := requireID("host", id); err != nil {
		return "", fmt.Errorf("ensuring isolated host: %w", err)
	}
	if err := f.lock(); err != nil {
		return "", err
	}
	defer f.mu.Unlock()
	ns, err := f.ensureHost(id, nil)
	if err != nil {
		return "", err
	}
	if err := doNS(ns, func() error { return syncLabelled(isolatedLabel, addrs...) }); err != nil {
		return "", fmt.Errorf("ensuring isolated host %s: %w", id, err)
	}
	return ns, nil
}
