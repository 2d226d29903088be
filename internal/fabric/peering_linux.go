package fabric

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// peerRange holds the /31 point-to-point links of peerings; each router
// namespace uses a /31 at most once.
var peerRange = netip.MustParsePrefix("169.254.192.0/18")

// peerEnd is one router's side of a peering link.
type peerEnd struct {
	found bool
	addr  netip.Prefix // invalid when the link has no address yet
}

// EnsurePeering connects the routers of two virtual networks with a veth
// and gives each routes for the other's address spaces only, so peering is
// not transitive. The caller peers only when both directions exist and the
// address spaces do not overlap.
func (f *Fabric) EnsurePeering(a, b string) error {
	if err := errors.Join(requireID("virtual network", a), requireID("virtual network", b)); err != nil {
		return fmt.Errorf("ensuring peering: %w", err)
	}
	if strings.EqualFold(a, b) {
		return errors.New("ensuring peering: a virtual network cannot peer with itself")
	}
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	if err := f.ensurePeering(a, b); err != nil {
		return fmt.Errorf("ensuring peering of %s and %s: %w", a, b, err)
	}
	f.log.Debug("peering ensured", "a", a, "b", b)
	return nil
}

func (f *Fabric) ensurePeering(a, b string) error {
	nsA, nsB := f.names.routerNS(a), f.names.routerNS(b)
	linkA, linkB := f.names.peerLink(b), f.names.peerLink(a)
	for _, ns := range []string{nsA, nsB} {
		if !nsExists(ns) {
			return fmt.Errorf("router namespace %s does not exist", ns)
		}
	}
	endA, err := readPeerEnd(nsA, linkA)
	if err != nil {
		return err
	}
	endB, err := readPeerEnd(nsB, linkB)
	if err != nil {
		return err
	}
	paired := endA.addr.IsValid() && endB.addr.IsValid() && endB.addr.Addr() == partner(endA.addr.Addr())
	if !endA.found || !endB.found || !paired {
		if endA, endB, err = createLinkPair(peerRange, nsA, linkA, nsB, linkB); err != nil {
			return err
		}
	}
	var spaceA, spaceB []netip.Prefix
	if err := doNS(nsA, func() (err error) { spaceA, err = ownSpace(); return err }); err != nil {
		return err
	}
	if err := doNS(nsB, func() (err error) { spaceB, err = ownSpace(); return err }); err != nil {
		return err
	}
	if err := routePeer(nsA, linkA, endB.addr.Addr(), spaceB); err != nil {
		return err
	}
	return routePeer(nsB, linkB, endA.addr.Addr(), spaceA)
}

// RemovePeering deletes the link between two routers, and with it the
// routes through it.
func (f *Fabric) RemovePeering(a, b string) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	nsA, nsB := f.names.routerNS(a), f.names.routerNS(b)
	for _, end := range [][2]string{{nsA, f.names.peerLink(b)}, {nsB, f.names.peerLink(a)}} {
		if err := deleteLinkIn(end[0], end[1]); err != nil {
			return fmt.Errorf("removing peering of %s and %s: %w", a, b, err)
		}
	}
	f.log.Debug("peering removed", "a", a, "b", b)
	return nil
}

// createLinkPair (re)creates a veth between two namespaces on a /31 of
// within that is free in both; A gets the even address.
func createLinkPair(within netip.Prefix, nsA, linkA, nsB, linkB string) (peerEnd, peerEnd, error) {
	var a, b peerEnd
	if err := deleteLinkIn(nsA, linkA); err != nil {
		return a, b, err
	}
	if err := deleteLinkIn(nsB, linkB); err != nil {
		return a, b, err
	}
	used := map[netip.Addr]bool{}
	for _, ns := range []string{nsA, nsB} {
		if err := doNS(ns, func() error { return usedAddrs(within, used) }); err != nil {
			return a, b, err
		}
	}
	base, ok := netip.Addr{}, false
	for ip := within.Addr(); within.Contains(ip) && !ok; ip = ip.Next().Next() {
		base, ok = ip, !used[ip] && !used[ip.Next()]
	}
	if !ok {
		return a, b, fmt.Errorf("no free link addresses in %s", within)
	}
	a = peerEnd{found: true, addr: netip.PrefixFrom(base, 31)}
	b = peerEnd{found: true, addr: netip.PrefixFrom(base.Next(), 31)}
	hB, err := netns.GetFromPath(nsPath(nsB))
	if err != nil {
		return a, b, fmt.Errorf("opening namespace %s: %w", nsB, err)
	}
	defer hB.Close()
	err = doNS(nsA, func() error {
		veth := &netlink.Veth{LinkAttrs: netlink.NewLinkAttrs(), PeerName: linkB, PeerNamespace: netlink.NsFd(hB)}
		veth.Name = linkA
		if err := netlink.LinkAdd(veth); err != nil {
			return fmt.Errorf("adding link %s: %w", linkA, err)
		}
		return upWithAddr(linkA, a.addr)
	})
	if err != nil {
		return a, b, err
	}
	return a, b, doNS(nsB, func() error { return upWithAddr(linkB, b.addr) })
}

func upWithAddr(name string, addr netip.Prefix) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("finding %s: %w", name, err)
	}
	if err := syncAddr(l, addr); err != nil {
		return err
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	return enableBigTCP(l)
}

func readPeerEnd(ns, link string) (peerEnd, error) {
	var end peerEnd
	err := doNS(ns, func() error {
		l, err := findLink(link)
		if err != nil || l == nil {
			return err
		}
		end.found = true
		if p, err := firstAddr(l); err == nil && p.Bits() == 31 {
			end.addr = p
		}
		return nil
	})
	return end, err
}

func routePeer(ns, link string, gw netip.Addr, space []netip.Prefix) error {
	return doNS(ns, func() error {
		if err := waitOperUp(link); err != nil {
			return err
		}
		l, err := netlink.LinkByName(link)
		if err != nil {
			return fmt.Errorf("finding %s: %w", link, err)
		}
		if err := enableBigTCP(l); err != nil {
			return err
		}
		if err := syncRoutes(l.Attrs().Index, gw.AsSlice(), space); err != nil {
			return fmt.Errorf("routing peer address space: %w", err)
		}
		return nil
	})
}

// refreshPeerRoutes gives the router at the far end of a peering link
// routes for v's (possibly changed) address space.
func (f *Fabric) refreshPeerRoutes(link string, v VNet) error {
	remote, ok := f.names.routerOfPeerLink(link)
	if !ok || !nsExists(remote) {
		return nil
	}
	end, err := readPeerEnd(remote, f.names.peerLink(v.ID))
	if err != nil || !end.addr.IsValid() {
		return err
	}
	return routePeer(remote, f.names.peerLink(v.ID), partner(end.addr.Addr()), v.AddressSpace)
}

// peerLinks lists the peering links of the current namespace.
func (f *Fabric) peerLinks() ([]string, error) {
	links, err := linkList()
	if err != nil {
		return nil, fmt.Errorf("listing links: %w", err)
	}
	var out []string
	for _, l := range links {
		if l.Type() == "veth" && strings.HasPrefix(l.Attrs().Name, f.names.prefix+linkPeering) {
			out = append(out, l.Attrs().Name)
		}
	}
	return out, nil
}

// usedAddrs adds the current namespace's addresses in within to used.
func usedAddrs(within netip.Prefix, used map[netip.Addr]bool) error {
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return netlink.AddrList(nil, netlink.FAMILY_V4) })
	if err != nil {
		return fmt.Errorf("listing addresses: %w", err)
	}
	for _, a := range addrs {
		if p, ok := netPrefix(a.IPNet); ok && within.Contains(p.Addr()) {
			used[p.Addr()] = true
		}
	}
	return nil
}

// deleteLinkIn deletes a link of a namespace if both exist.
func deleteLinkIn(ns, link string) error {
	if !nsExists(ns) {
		return nil
	}
	return doNS(ns, func() error { return deleteLinkHere(link) })
}

// deleteLinkHere deletes a link of the current namespace if it exists.
func deleteLinkHere(link string) error {
	l, err := findLink(link)
	if err != nil || l == nil {
		return err
	}
	if err := netlink.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("deleting %s: %w", link, err)
	}
	return nil
}
