package fabric

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// routeProto marks the routes the fabric adds, so it can tell them apart.
const routeProto netlink.RouteProtocol = 0xab

// spaceMetric puts the unreachable routes of an address space behind the
// subnets' connected routes, even for a subnet as large as the space.
const spaceMetric = 4000

// dumpTries bounds retries of netlink dumps interrupted by concurrent changes.
const dumpTries = 5

// bigGSO is the largest IPv4 packet (BIG TCP, Linux 6.3 and later) every
// link of the fabric passes on whole. Each hop (bridge, veth, routing, NAT)
// costs about the same per packet whatever its size, so fewer, larger
// packets make a path of several hops nearly as fast as a direct one. A
// packet this large meeting a link with a lower limit is cut up in software,
// so every link a packet may cross needs it.
const bigGSO = 256 << 10

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func netPrefix(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(n.IP)
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones), ok
}

// retryDump repeats a netlink dump that a concurrent change interrupted.
func retryDump[T any](dump func() (T, error)) (T, error) {
	var v T
	var err error
	for range dumpTries {
		v, err = dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return v, err
		}
	}
	return v, err
}

func linkList() ([]netlink.Link, error) { return retryDump(netlink.LinkList) }

func addrList(l netlink.Link) ([]netlink.Addr, error) {
	return retryDump(func() ([]netlink.Addr, error) { return netlink.AddrList(l, netlink.FAMILY_V4) })
}

func routeList(filter *netlink.Route, mask uint64) ([]netlink.Route, error) {
	if filter == nil {
		filter = &netlink.Route{}
	}
	return retryDump(func() ([]netlink.Route, error) {
		return netlink.RouteListFiltered(netlink.FAMILY_V4, filter, mask)
	})
}

// firstAddr is the first IPv4 address of a link with its prefix length.
func firstAddr(l netlink.Link) (netip.Prefix, error) {
	addrs, err := addrList(l)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("listing addresses of %s: %w", l.Attrs().Name, err)
	}
	for _, a := range addrs {
		if p, ok := netPrefix(a.IPNet); ok {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("%s has no address", l.Attrs().Name)
}

// syncAddr makes want the only IPv4 address of a link, besides the host
// addresses (/32) of keep.
func syncAddr(l netlink.Link, want netip.Prefix, keep ...netip.Addr) error {
	addrs, err := addrList(l)
	if err != nil {
		return fmt.Errorf("listing addresses of %s: %w", l.Attrs().Name, err)
	}
	for _, a := range addrs {
		if p, ok := netPrefix(a.IPNet); ok && p != want && !(p.IsSingleIP() && slices.Contains(keep, p.Addr())) {
			if err := netlink.AddrDel(l, &a); err != nil {
				return fmt.Errorf("deleting address %s: %w", p, err)
			}
		}
	}
	if err := netlink.AddrReplace(l, &netlink.Addr{IPNet: prefixNet(want)}); err != nil {
		return fmt.Errorf("adding address %s: %w", want, err)
	}
	return nil
}

// syncRoutes makes the fabric's routes on one link exactly one per prefix,
// via gw. Link 0 means the unreachable routes of the own address space.
func syncRoutes(linkIndex int, gw net.IP, prefixes []netip.Prefix) error {
	want := map[netip.Prefix]bool{}
	for _, p := range prefixes {
		if p.Addr().Is4() {
			want[p.Masked()] = true
		}
	}
	routes, err := routeList(&netlink.Route{Protocol: routeProto}, netlink.RT_FILTER_PROTOCOL)
	if err != nil {
		return fmt.Errorf("listing routes: %w", err)
	}
	for _, r := range routes {
		mine := r.Type == unix.RTN_UNREACHABLE && linkIndex == 0 ||
			r.Type == unix.RTN_UNICAST && linkIndex != 0 && r.LinkIndex == linkIndex
		p, _ := netPrefix(r.Dst)
		if mine && (!want[p] || linkIndex != 0 && !r.Gw.Equal(gw)) {
			if err := netlink.RouteDel(&r); err != nil {
				return fmt.Errorf("deleting route %s: %w", p, err)
			}
		}
	}
	for p := range want {
		r := &netlink.Route{Dst: prefixNet(p), Protocol: routeProto}
		if linkIndex == 0 {
			r.Type, r.Priority = unix.RTN_UNREACHABLE, spaceMetric
		} else {
			r.LinkIndex, r.Gw = linkIndex, gw
		}
		if err := netlink.RouteReplace(r); err != nil {
			return fmt.Errorf("adding route %s: %w", p, err)
		}
	}
	return nil
}

// ownSpace reads the address space of the router the thread is in back
// from its unreachable routes.
func ownSpace() ([]netip.Prefix, error) {
	routes, err := routeList(&netlink.Route{Protocol: routeProto, Type: unix.RTN_UNREACHABLE},
		netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TYPE)
	if err != nil {
		return nil, fmt.Errorf("listing routes: %w", err)
	}
	var out []netip.Prefix
	for _, r := range routes {
		if p, ok := netPrefix(r.Dst); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// enableBigTCP raises a link's IPv4 GSO and GRO limits to bigGSO, or to the
// most the link takes. Kernels without the limits ignore them.
func enableBigTCP(l netlink.Link) error {
	a := l.Attrs()
	size := min(bigGSO, a.TSOMaxSize)
	if size <= 1<<16 || a.GSOIPv4MaxSize == size && a.GROIPv4MaxSize == size {
		return nil
	}
	if err := netlink.LinkSetGSOIPv4MaxSize(l, int(size)); err != nil {
		return fmt.Errorf("setting gso size of %s: %w", a.Name, err)
	}
	if err := netlink.LinkSetGROIPv4MaxSize(l, int(size)); err != nil {
		return fmt.Errorf("setting gro size of %s: %w", a.Name, err)
	}
	return nil
}

// findLink returns the named link of the current namespace, or nil when
// there is none.
func findLink(name string) (netlink.Link, error) {
	l, err := netlink.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("finding %s: %w", name, err)
	}
	return l, nil
}

// syncLabelled makes the addresses of the current namespace's lo that carry
// label exactly addrs, each a /32. A router holds addresses there that
// answer on its bridges (private link's), each owner with a label of its own.
func syncLabelled(label string, addrs ...netip.Addr) error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("finding lo: %w", err)
	}
	cur, err := addrList(lo)
	if err != nil {
		return fmt.Errorf("listing addresses of lo: %w", err)
	}
	want := map[netip.Addr]bool{}
	for _, a := range addrs {
		want[a] = true
	}
	for _, a := range cur {
		p, ok := netPrefix(a.IPNet)
		if a.Label != label || !ok {
			continue
		}
		if p.IsSingleIP() && want[p.Addr()] {
			delete(want, p.Addr())
			continue
		}
		if err := netlink.AddrDel(lo, &a); err != nil {
			return fmt.Errorf("deleting address %s from lo: %w", p, err)
		}
	}
	for a := range want {
		if err := netlink.AddrReplace(lo, &netlink.Addr{IPNet: prefixNet(netip.PrefixFrom(a, 32)), Label: label}); err != nil {
			return fmt.Errorf("adding address %s to lo: %w", a, err)
		}
	}
	return nil
}

// labelled lists the addresses of the current namespace's lo that carry
// label.
func labelled(label string) ([]netip.Addr, error) {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return nil, fmt.Errorf("finding lo: %w", err)
	}
	cur, err := addrList(lo)
	if err != nil {
		return nil, fmt.Errorf("listing addresses of lo: %w", err)
	}
	var out []netip.Addr
	for _, a := range cur {
		if p, ok := netPrefix(a.IPNet); ok && a.Label == label {
			out = append(out, p.Addr())
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out, nil
}
