package fabric

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// listener is an extra DNS server of a virtual network: an address of a
// subnet, held by the router on the subnet's bridge, that answers as
// 168.63.129.16 does (a DNS resolver's inbound endpoint).
type listener struct {
	vnet, subnet string
	srv          *dnsServer
}

// EnsureDNSListener makes addr, a usable address of the subnet, answer DNS
// for its virtual network exactly as 168.63.129.16 does there. The router
// owns the address (on the subnet's bridge), so VMs of the subnet reach it
// directly and peered networks through their peering routes.
func (f *Fabric) EnsureDNSListener(vnetID, subnet string, addr netip.Addr) error {
	if err := requireID("virtual network", vnetID); err != nil {
		return fmt.Errorf("ensuring dns listener: %w", err)
	}
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	ns := f.names.routerNS(vnetID)
	if !nsExists(ns) {
		return fmt.Errorf("ensuring dns listener %s: virtual network %s is not realized", addr, vnetID)
	}
	if err := f.ensureListener(vnetID, ns, subnet, addr); err != nil {
		return fmt.Errorf("ensuring dns listener %s in %s: %w", addr, vnetID, err)
	}
	return nil
}

// ensureListener puts addr on the subnet's bridge and serves DNS on it,
// unless it already does in this very namespace. The caller holds f.mu.
func (f *Fabric) ensureListener(vnetID, ns, subnet string, addr netip.Addr) error {
	ino, err := nsInode(ns)
	if err != nil {
		return err
	}
	br := f.names.bridge(subnet)
	err = doNS(ns, func() error {
		if err := checkHostAddrs(br, subnet, addr); err != nil {
			return err
		}
		l, err := netlink.LinkByName(br)
		if err != nil {
			return fmt.Errorf("finding the bridge of subnet %s: %w", subnet, err)
		}
		if err := netlink.AddrReplace(l, &netlink.Addr{IPNet: prefixNet(netip.PrefixFrom(addr, 32))}); err != nil {
			return fmt.Errorf("adding %s to the bridge of subnet %s: %w", addr, subnet, err)
		}
		return announce(br, addr)
	})
	if err != nil {
		return err
	}
	byAddr := f.listeners[ns]
	if cur, ok := byAddr[addr]; ok {
		if cur.srv.ino == ino && cur.subnet == subnet {
			return nil
		}
		delete(byAddr, addr)
		if err := cur.srv.stop(); err != nil {
			return err
		}
	}
	srv, err := f.serveDNS(vnetID, ns, ino, addr)
	if err != nil {
		return err
	}
	if byAddr == nil {
		byAddr = map[netip.Addr]*listener{}
		f.listeners[ns] = byAddr
	}
	byAddr[addr] = &listener{vnet: vnetID, subnet: subnet, srv: srv}
	return nil
}

// RemoveDNSListener stops answering DNS at addr in a virtual network and
// takes the address off its bridge; an absent listener is no error.
func (f *Fabric) RemoveDNSListener(vnetID string, addr netip.Addr) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	ns := f.names.routerNS(vnetID)
	if l, ok := f.listeners[ns][addr]; ok {
		delete(f.listeners[ns], addr)
		if err := l.srv.stop(); err != nil {
			return fmt.Errorf("removing dns listener %s: %w", addr, err)
		}
	}
	if !nsExists(ns) {
		return nil
	}
	err := doNS(ns, func() error {
		links, err := linkList()
		if err != nil {
			return fmt.Errorf("listing links: %w", err)
		}
		host := &netlink.Addr{IPNet: prefixNet(netip.PrefixFrom(addr, 32))}
		for _, l := range links {
			if l.Type() != "bridge" {
				continue
			}
			if err := netlink.AddrDel(l, host); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
				return fmt.Errorf("deleting %s from %s: %w", addr, l.Attrs().Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("removing dns listener %s: %w", addr, err)
	}
	return nil
}

// listenerAddrs are the listener addresses of a subnet of a router
// namespace. The caller holds f.mu.
func (f *Fabric) listenerAddrs(ns, subnet string) []netip.Addr {
	var out []netip.Addr
	for a, l := range f.listeners[ns] {
		if l.subnet == subnet {
			out = append(out, a)
		}
	}
	return out
}

// restoreListeners brings back the listeners of a router namespace that
// was replaced behind the fabric's back. The caller holds f.mu.
func (f *Fabric) restoreListeners(ns string) error {
	var errs []error
	for a, l := range f.listeners[ns] {
		errs = append(errs, f.ensureListener(l.vnet, ns, l.subnet, a))
	}
	return errors.Join(errs...)
}

// stopListeners stops every listener of a router namespace. The caller
// holds f.mu.
func (f *Fabric) stopListeners(ns string) error {
	var errs []error
	for a, l := range f.listeners[ns] {
		errs = append(errs, l.srv.stop())
		delete(f.listeners[ns], a)
	}
	delete(f.listeners, ns)
	return errors.Join(errs...)
}
