package fabric

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// EnsureVNet makes the router namespace of a virtual network: forwarding on,
// lo up with 168.63.129.16 on it, one bridge per subnet holding the subnet's
// gateway address, an unreachable route per address space (so unknown
// addresses fail fast, and the kernel remembers the address spaces for
// peering), and the DNS server. Bridges of removed subnets are deleted and
// peered routers learn a changed address space. There is no default route.
func (f *Fabric) EnsureVNet(v VNet) error {
	if err := validateVNet(v); err != nil {
		return fmt.Errorf("ensuring virtual network: %w", err)
	}
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	ns := f.names.routerNS(v.ID)
	if err := createNS(ns); err != nil {
		return fmt.Errorf("creating router namespace: %w", err)
	}
	var peers []string
	err := doNS(ns, func() error {
		if err := setupRouter(); err != nil {
			return err
		}
		if err := f.syncBridges(v); err != nil {
			return err
		}
		if err := syncRoutes(0, nil, v.AddressSpace); err != nil {
			return fmt.Errorf("routing address space: %w", err)
		}
		var err error
		peers, err = f.peerLinks()
		return err
	})
	if err != nil {
		return fmt.Errorf("ensuring virtual network %s: %w", v.ID, err)
	}
	for _, link := range peers {
		if err := f.refreshPeerRoutes(link, v); err != nil {
			return fmt.Errorf("ensuring virtual network %s: %w", v.ID, err)
		}
	}
	if err := f.startDNS(v.ID, ns); err != nil {
		return fmt.Errorf("ensuring virtual network %s: %w", v.ID, err)
	}
	if err := f.restoreListeners(ns); err != nil {
		return fmt.Errorf("ensuring virtual network %s: %w", v.ID, err)
	}
	f.log.Debug("virtual network ensured", "vnet", v.ID, "ns", ns, "subnets", len(v.Subnets))
	return nil
}

// RemoveVNet deletes the router namespace, its DNS servers, and at once the
// NICs and peerings that lead into it.
func (f *Fabric) RemoveVNet(id string) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	ns := f.names.routerNS(id)
	if err := errors.Join(f.stopDNS(ns), f.stopListeners(ns), f.forgetRouter(ns)); err != nil {
		return fmt.Errorf("removing virtual network %s: %w", id, err)
	}
	if nsExists(ns) {
		if err := doNS(ns, deleteVeths); err != nil {
			return fmt.Errorf("removing virtual network %s: %w", id, err)
		}
	}
	if err := deleteNS(ns); err != nil {
		return fmt.Errorf("removing virtual network %s: %w", id, err)
	}
	for nic, p := range f.nics {
		if p.router == ns {
			delete(f.nics, nic)
		}
	}
	f.log.Debug("virtual network removed", "vnet", id, "ns", ns)
	return nil
}

func validateVNet(v VNet) error {
	errs := []error{requireID("virtual network", v.ID)}
	if len(v.AddressSpace) == 0 {
		errs = append(errs, errors.New("address space is empty"))
	}
	for _, p := range v.AddressSpace {
		if !p.IsValid() || p != p.Masked() {
			errs = append(errs, fmt.Errorf("address space %s is not a network prefix", p))
		}
	}
	seen := map[string]bool{}
	for _, s := range v.Subnets {
		key := strings.ToLower(s.Name)
		switch {
		case s.Name == "":
			errs = append(errs, errors.New("subnet name is empty"))
		case seen[key]:
			errs = append(errs, fmt.Errorf("subnet %s appears twice", s.Name))
		case !s.Prefix.IsValid() || s.Prefix != s.Prefix.Masked() || s.Prefix.Addr().Is6():
			errs = append(errs, fmt.Errorf("subnet %s prefix %s is not an IPv4 network prefix", s.Name, s.Prefix))
		case s.Prefix.Bits() > 30:
			errs = append(errs, fmt.Errorf("subnet %s prefix %s is too small", s.Name, s.Prefix))
		}
		seen[key] = true
	}
	return errors.Join(errs...)
}

// routerSysctls make a namespace forward, and tell a sender at once (not
// after a timeout, and not rate-limited) that a destination is unreachable.
var routerSysctls = map[string]string{"ipv4/ip_forward": "1", "ipv4/icmp_ratelimit": "0"}

// bridgeSysctls keep a router's bridges out of the IP netfilter hooks, where
// br_netfilter exists: they only switch, and the hooks cost every frame.
var bridgeSysctls = map[string]string{
	"bridge/bridge-nf-call-iptables":  "0",
	"bridge/bridge-nf-call-ip6tables": "0",
	"bridge/bridge-nf-call-arptables": "0",
}

// setupRouter turns the current namespace into a router.
func setupRouter() error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("finding lo: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return fmt.Errorf("setting lo up: %w", err)
	}
	dnsAddr := &netlink.Addr{IPNet: prefixNet(netip.PrefixFrom(AzureDNS, 32))}
	if err := netlink.AddrReplace(lo, dnsAddr); err != nil {
		return fmt.Errorf("adding %s to lo: %w", AzureDNS, err)
	}
	if err := setSysctls(routerSysctls, false); err != nil {
		return err
	}
	return setSysctls(bridgeSysctls, true)
}

// deleteVeths deletes every veth of the current namespace, which takes
// their peers in other namespaces with them at once.
func deleteVeths() error {
	links, err := linkList()
	if err != nil {
		return fmt.Errorf("listing links: %w", err)
	}
	for _, l := range links {
		if l.Type() == "veth" { // a peer deleted with its other side is gone already
			if err := netlink.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
				return fmt.Errorf("deleting %s: %w", l.Attrs().Name, err)
			}
		}
	}
	return nil
}
