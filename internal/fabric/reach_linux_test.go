package fabric

import (
	"net"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
)

// TestReachability is the matrix of who reaches whom with real TCP traffic;
// every client and server is a namespace of ours, never the host.
func TestReachability(t *testing.T) {
	f := newTestFabric(t)
	const a, b, c = "vnet-a", "vnet-b", "vnet-c"
	must(t, f.EnsureVNet(VNet{ID: a, AddressSpace: []netip.Prefix{pfx("10.61.0.0/16")},
		Subnets: []Subnet{{"s1", pfx("10.61.1.0/24")}, {"s2", pfx("10.61.2.0/24")}}}))
	must(t, f.EnsureVNet(VNet{ID: b, AddressSpace: []netip.Prefix{pfx("10.62.0.0/16")},
		Subnets: []Subnet{{"s1", pfx("10.62.1.0/24")}}}))
	must(t, f.EnsureVNet(VNet{ID: c, AddressSpace: []netip.Prefix{pfx("10.63.0.0/16"), pfx("10.64.0.0/16")},
		Subnets: []Subnet{{"s1", pfx("10.64.1.0/24")}}}))
	hosts := map[string]struct{ ns, addr string }{}
	for _, h := range []struct{ id, vnet, subnet, ip string }{
		{"a1", a, "s1", "10.61.1.4"}, {"a2", a, "s1", "10.61.1.5"}, {"a3", a, "s2", "10.61.2.4"},
		{"b1", b, "s1", "10.62.1.4"}, {"c1", c, "s1", "10.64.1.4"},
	} {
		ns := vm(t, f, h.id, h.vnet, h.subnet, h.ip)
		addr := net.JoinHostPort(h.ip, "7000")
		echoServer(t, f, ns, addr)
		hosts[h.id] = struct{ ns, addr string }{ns, addr}
	}
	check := func(from, to string, want bool) {
		t.Helper()
		assertReach(t, f, hosts[from].ns, to, hosts[to].addr, want)
	}

	// Inside one VNet: same subnet over the bridge, other subnet via the router.
	check("a1", "a2", true)
	check("a1", "a3", true)
	check("a3", "a1", true)
	// VNets are islands until peered.
	check("a1", "b1", false)
	check("b1", "a1", false)
	check("b1", "c1", false)

	must(t, f.EnsurePeering(a, b))
	must(t, f.EnsurePeering(a, b)) // idempotent
	check("a1", "b1", true)
	check("a3", "b1", true)
	check("b1", "a2", true)

	// A–B and B–C peered: A and C still do not reach each other.
	must(t, f.EnsurePeering(c, b))
	check("b1", "c1", true)
	check("c1", "b1", true)
	check("a1", "c1", false)
	check("c1", "a1", false)

	must(t, f.RemovePeering(b, a))
	check("a1", "b1", false)
	check("b1", "a1", false)
	check("b1", "c1", true)
	must(t, f.RemovePeering(a, b)) // absent: not an error

	// A changed address space reaches the peer's routes.
	must(t, f.EnsureVNet(VNet{ID: c, AddressSpace: []netip.Prefix{pfx("10.64.0.0/16")},
		Subnets: []Subnet{{"s1", pfx("10.64.1.0/24")}}}))
	must(t, f.Do(f.RouterNamespace(b), func() error {
		routes, err := routeList(&netlink.Route{Protocol: routeProto}, netlink.RT_FILTER_PROTOCOL)
		for _, r := range routes {
			if p, _ := netPrefix(r.Dst); p == pfx("10.63.0.0/16") {
				t.Errorf("router of %s still routes the removed space %s", b, p)
			}
		}
		return err
	}))
	check("b1", "c1", true)

	for _, id := range []string{a, b, c} {
		must(t, f.RemoveVNet(id))
	}
	for id := range hosts {
		must(t, f.RemoveHost(id))
	}
}

// TestHostHasNoRoute checks the host's own namespace, by reading its tables
// only (never by sending a packet): no route into a VNet, no link of ours.
func TestHostHasNoRoute(t *testing.T) {
	f := newTestFabric(t)
	space := pfx("10.71.0.0/16")
	must(t, f.EnsureVNet(VNet{ID: "island", AddressSpace: []netip.Prefix{space},
		Subnets: []Subnet{{"default", pfx("10.71.0.0/24")}}}))
	vm(t, f, "vm1", "island", "default", "10.71.0.4")
	routes, err := netlink.RouteList(nil, netlink.FAMILY_ALL)
	must(t, err)
	for _, r := range routes {
		p, ok := netPrefix(r.Dst)
		if ok && p.Bits() > 0 && (p.Overlaps(space) || p.Contains(AzureDNS)) {
			t.Errorf("host routes %s into the VNet: %v", p, r)
		}
		if r.Protocol == routeProto {
			t.Errorf("host has a fabric route: %v", r)
		}
	}
	links, err := netlink.LinkList()
	must(t, err)
	for _, l := range links {
		if n := l.Attrs().Name; len(n) >= len(f.names.prefix) && n[:len(f.names.prefix)] == f.names.prefix {
			t.Errorf("host has fabric link %s", n)
		}
	}
	// Nor does the router route anywhere but into its VNet and peers.
	must(t, f.Do(f.RouterNamespace("island"), func() error {
		def, err := defaultRoute()
		if def != nil {
			t.Errorf("router has a default route: %v", def)
		}
		return err
	}))
}
