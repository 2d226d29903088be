package fabric

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"syscall"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
)

var ip = netip.MustParseAddr

// plWorld is a provider VNet with a server (the frontend's target) and a
// second VM, a private link service to the server, and customer VNets.
type plWorld struct {
	fe            Frontend
	server, other func() []netip.Addr // the sources each has seen
}

const provider = "provider"

func newPLWorld(t *testing.T, f *Fabric) plWorld {
	t.Helper()
	must(t, f.EnsureVNet(VNet{ID: provider, AddressSpace: []netip.Prefix{pfx("10.82.0.0/16")},
		Subnets: []Subnet{{"backend", pfx("10.82.1.0/24")}}}))
	w := plWorld{fe: Frontend{ID: "pls", Target: ip("10.82.1.4"),
		NAT: NIC{ID: "pls-nic", VNet: provider, Subnet: "backend", IP: ip("10.82.1.5")}}}
	server := vm(t, f, "server", provider, "backend", "10.82.1.4")
	w.server = echoServer(t, f, server, "10.82.1.4:443")
	echoServer(t, f, server, "10.82.1.4:8443")
	w.other = echoServer(t, f, vm(t, f, "other", provider, "backend", "10.82.1.6"), "10.82.1.6:443")
	must(t, f.EnsureFrontend(w.fe))
	return w
}

// customer makes a customer VNet with a client VM at .4 of its subnet and
// returns the client's namespace.
func customer(t *testing.T, f *Fabric, id, space, client string) string {
	t.Helper()
	p := pfx(space)
	must(t, f.EnsureVNet(VNet{ID: id, AddressSpace: []netip.Prefix{p}, Subnets: []Subnet{{"s1", p}}}))
	return vm(t, f, id+"-client", id, "s1", client)
}

func endpoint(id, vnet, addr string) Endpoint {
	return Endpoint{ID: id, Frontend: "pls", NIC: NIC{ID: id + "-nic", VNet: vnet, Subnet: "s1", IP: ip(addr)}}
}

// TestPrivateEndpoint: the endpoint's address reaches the target, on every
// port and from the NAT address; nothing else of the provider is reachable,
// and removing the endpoint or the frontend cuts the path.
func TestPrivateEndpoint(t *testing.T) {
	f := newTestFabric(t)
	before, err := f.List()
	must(t, err)
	w := newPLWorld(t, f)
	must(t, f.EnsureFrontend(w.fe)) // idempotent
	// Customer B's address space is the provider's: private link needs no
	// unique addresses, and B's client has the server's address.
	clientA := customer(t, f, "cust-a", "10.81.1.0/24", "10.81.1.4")
	clientB := customer(t, f, "cust-b", "10.82.1.0/24", "10.82.1.4")
	peA, peB := endpoint("pe-a", "cust-a", "10.81.1.5"), endpoint("pe-b", "cust-b", "10.82.1.7")
	must(t, f.EnsureEndpoint(peA))
	pls, nsA := f.RouterNamespace(provider), f.RouterNamespace("cust-a")
	state := func() []string {
		return slices.Concat(snapshot(t, f, pls), nftDump(t, f, pls), snapshot(t, f, nsA), nftDump(t, f, nsA))
	}
	if all, err := f.List(); err != nil || len(all) != len(before)+7 { // 3 routers, 4 VMs
		t.Errorf("namespaces after the endpoint: %v (%v), want the routers and VMs alone", all, err)
	}
	first := state()
	must(t, f.EnsureFrontend(w.fe))
	must(t, f.EnsureEndpoint(peA))
	if again := state(); !slices.Equal(first, again) {
		t.Errorf("private link changed on a second ensure:\n%v\n%v", first, again)
	}

	assertReach(t, f, clientA, "pe-a", "10.81.1.5:443", true)
	assertReach(t, f, clientA, "pe-a", "10.81.1.5:8443", true)
	if got := w.server(); !slices.Equal(got, []netip.Addr{w.fe.NAT.IP}) {
		t.Errorf("server saw sources %v, want only the NAT address %s", got, w.fe.NAT.IP)
	}
	assertReach(t, f, clientA, "server", "10.82.1.4:443", false)
	assertReach(t, f, clientA, "other", "10.82.1.6:443", false)

	// Even a client that routes the provider's space via the endpoint
	// reaches nothing through it.
	route := &netlink.Route{Dst: prefixNet(pfx("10.82.0.0/16")), Gw: ip("10.81.1.5").AsSlice()}
	must(t, f.Do(clientA, func() error { return netlink.RouteAdd(route) }))
	assertReach(t, f, clientA, "server", "10.82.1.4:443", false)
	assertReach(t, f, clientA, "other", "10.82.1.6:443", false)
	must(t, f.Do(clientA, func() error { return netlink.RouteDel(route) }))

	must(t, f.RemoveEndpoint("pe-a"))
	assertReach(t, f, clientA, "pe-a (removed)", "10.81.1.5:443", false)
	must(t, f.RemoveEndpoint("pe-a")) // absent: not an error
	must(t, f.EnsureEndpoint(peA))
	assertReach(t, f, clientA, "pe-a (re-created)", "10.81.1.5:443", true)

	must(t, f.EnsureEndpoint(peB))
	assertReach(t, f, clientB, "pe-b", "10.82.1.7:443", true)
	assertReach(t, f, clientA, "pe-a", "10.81.1.5:443", true)

	// An endpoint with an address per member forwards each; ensured again
	// with one, only that one answers.
	peB.NIC.More = []netip.Addr{ip("10.82.1.8")}
	must(t, f.EnsureEndpoint(peB))
	assertReach(t, f, clientB, "pe-b's second address", "10.82.1.8:443", true)
	assertReach(t, f, clientB, "pe-b", "10.82.1.7:443", true)
	peB.NIC.More = nil
	must(t, f.EnsureEndpoint(peB))
	assertReach(t, f, clientB, "pe-b's dropped second address", "10.82.1.8:443", false)
	assertReach(t, f, clientB, "pe-b", "10.82.1.7:443", true)

	// A new target takes over; the endpoints stay linked.
	moved := w.fe
	moved.Target = ip("10.82.1.6")
	must(t, f.EnsureFrontend(moved))
	assertReach(t, f, clientB, "pe-b → other", "10.82.1.7:443", true)
	if got := w.other(); !slices.Equal(got, []netip.Addr{w.fe.NAT.IP}) {
		t.Errorf("new target saw sources %v, want only the NAT address %s", got, w.fe.NAT.IP)
	}
	must(t, f.EnsureFrontend(w.fe))

	// An endpoint in the frontend's own network: its router translates
	// once, and nothing else of the network is reachable through it.
	local := vm(t, f, "local-client", provider, "backend", "10.82.1.9")
	peL := endpoint("pe-l", provider, "10.82.1.10")
	peL.NIC.Subnet = "backend"
	must(t, f.EnsureEndpoint(peL))
	assertReach(t, f, local, "pe-l", "10.82.1.10:443", true)
	assertReach(t, f, local, "pe-l", "10.82.1.10:8443", true)
	if got := w.server(); !slices.Equal(got, []netip.Addr{w.fe.NAT.IP}) {
		t.Errorf("server saw sources %v, want only the NAT address %s", got, w.fe.NAT.IP)
	}
	if err := dial(f, local, "10.82.1.10:22"); err == nil {
		t.Error("pe-l reached a port the target does not listen on")
	}

	// The frontend moves to another network; its endpoints follow.
	relocated := newRelocatedFrontend(t, f, w)
	assertReach(t, f, clientA, "pe-a → moved frontend", "10.81.1.5:443", true)
	assertReach(t, f, local, "pe-l → moved frontend", "10.82.1.10:443", true)
	assertNoTables(t, f, pls, "pls-"+shortHash("pls"))
	must(t, f.EnsureFrontend(w.fe))
	assertReach(t, f, clientA, "pe-a → frontend back", "10.81.1.5:443", true)
	assertReach(t, f, local, "pe-l → frontend back", "10.82.1.10:443", true)
	assertNoTables(t, f, f.RouterNamespace(relocated), "pls-")

	must(t, f.RemoveFrontend("pls"))
	// Refused at once by the router (ICMP about a translated connection,
	// translated back), not after a timeout.
	if err := dial(f, clientA, "10.81.1.5:443"); !errors.Is(err, syscall.EHOSTUNREACH) && !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("pe-a without its frontend: %v, want host or network unreachable", err)
	}
	assertReach(t, f, clientA, "pe-a (no frontend)", "10.81.1.5:443", false)
	assertReach(t, f, clientB, "pe-b (no frontend)", "10.82.1.7:443", false)
	if err := dial(f, local, "10.82.1.10:443"); err == nil {
		t.Error("pe-l connected without its frontend")
	}
	must(t, f.RemoveFrontend("pls"))
	if err := f.EnsureEndpoint(peA); err == nil {
		t.Error("an endpoint was ensured without its frontend")
	}
	assertNoTables(t, f, pls, "pls-")

	must(t, f.RemoveEndpoint("pe-a"))
	must(t, f.RemoveEndpoint("pe-b"))
	must(t, f.RemoveEndpoint("pe-l"))
	for _, ns := range []string{pls, nsA} {
		assertNoTables(t, f, ns, "")
		must(t, f.Do(ns, func() error {
			if addrs, err := labelled(peLabel("pe-a")); err != nil || len(addrs) > 0 {
				t.Errorf("%s keeps pe-a's addresses %v (%v)", ns, addrs, err)
			}
			return nil
		}))
	}
	must(t, f.RemoveVNet(relocated))
	for _, id := range []string{"server", "other", "cust-a-client", "cust-b-client", "local-client"} {
		must(t, f.RemoveHost(id))
	}
	for _, id := range []string{provider, "cust-a", "cust-b"} {
		must(t, f.RemoveVNet(id))
	}
	after, err := f.List()
	must(t, err)
	if !slices.Equal(before, after) {
		t.Errorf("namespaces before %v, after %v", before, after)
	}
}

// TestPrivateLinkRestart: a new fabric over the namespaces of an old one
// finds the private link as it is, and repairs a broken one.
func TestPrivateLinkRestart(t *testing.T) {
	f := newTestFabric(t)
	w := newPLWorld(t, f)
	client := customer(t, f, "cust", "10.83.1.0/24", "10.83.1.4")
	pe := endpoint("pe", "cust", "10.83.1.5")
	must(t, f.EnsureEndpoint(pe))
	pls, ns := f.RouterNamespace(provider), f.RouterNamespace("cust")
	state := func(g *Fabric) []string {
		return slices.Concat(snapshot(t, g, pls), nftDump(t, g, pls), snapshot(t, g, ns), nftDump(t, g, ns))
	}
	first := state(f)
	must(t, f.Close())

	g, err := New(f.names.prefix, nil)
	must(t, err)
	t.Cleanup(func() { must(t, g.Close()) })
	must(t, g.EnsureFrontend(w.fe))
	must(t, g.EnsureEndpoint(pe))
	if again := state(g); !slices.Equal(first, again) {
		t.Errorf("private link changed on restart:\n%v\n%v", first, again)
	}
	assertReach(t, g, client, "pe", "10.83.1.5:443", true)

	// Lose the link and the frontend's rules; ensuring again repairs both.
	must(t, deleteLinkIn(pls, g.names.plsLink("pe")))
	must(t, g.Do(pls, func() error { return deleteTables(plsTable("pls", "pe")) }))
	assertReach(t, g, client, "pe (broken)", "10.83.1.5:443", false)
	must(t, g.EnsureFrontend(w.fe))
	must(t, g.EnsureEndpoint(pe))
	assertReach(t, g, client, "pe (repaired)", "10.83.1.5:443", true)

	// An endpoint moved to another frontend leaves the old one.
	other := Frontend{ID: "pls2", Target: ip("10.82.1.6"),
		NAT: NIC{ID: "pls2-nic", VNet: provider, Subnet: "backend", IP: ip("10.82.1.7")}}
	must(t, g.EnsureFrontend(other))
	pe.Frontend = "pls2"
	must(t, g.EnsureEndpoint(pe))
	assertReach(t, g, client, "pe → pls2", "10.83.1.5:443", true)
	if got := w.other(); !slices.Equal(got, []netip.Addr{other.NAT.IP}) {
		t.Errorf("pls2's target saw sources %v, want %s", got, other.NAT.IP)
	}
	assertNoTables(t, g, pls, "pls-"+shortHash("pls"))
	assertNoTables(t, g, ns, peTable("pe", "pls"))

	// Namespaces of an earlier layout, which gave each endpoint and each
	// frontend one, go when they are ensured.
	for _, id := range []string{"pls2", "pe"} {
		_, err := g.EnsureHost(id, nil)
		must(t, err)
	}
	must(t, g.EnsureFrontend(other))
	must(t, g.EnsureEndpoint(pe))
	for _, id := range []string{"pls2", "pe"} {
		if nsExists(g.HostNamespace(id)) {
			t.Errorf("the namespace of %s's earlier layout is still there", id)
		}
	}
	assertReach(t, g, client, "pe → pls2 (after the earlier layout)", "10.83.1.5:443", true)

	// Removed by a fabric that never ensured it (a restart, then a delete
	// before the endpoint was ensured again), it leaves nothing.
	must(t, g.Close())
	h, err := New(f.names.prefix, nil)
	must(t, err)
	t.Cleanup(func() { must(t, h.Close()) })
	must(t, h.RemoveEndpoint("pe"))
	assertReach(t, h, client, "pe (removed after a restart)", "10.83.1.5:443", false)
	assertNoTables(t, h, ns, peTables("pe"))
	must(t, h.Do(pls, func() error {
		if left, err := tables("pls-"); err != nil || slices.ContainsFunc(left, func(t string) bool { return isPLSTableOf("pe", t) }) {
			t.Errorf("provider router keeps tables of the removed endpoint: %v (%v)", left, err)
		}
		return nil
	}))
	for router, link := range map[string]string{ns: h.names.peLink("pe"), pls: h.names.plsLink("pe")} {
		must(t, h.Do(router, func() error {
			l, err := findLink(link)
			if err != nil || l != nil {
				t.Errorf("%s keeps link %s (%v)", router, link, err)
			}
			return nil
		}))
	}
	must(t, h.Do(ns, func() error {
		if addrs, err := labelled(peLabel("pe")); err != nil || len(addrs) != 0 {
			t.Errorf("customer router keeps the endpoint's addresses %v (%v)", addrs, err)
		}
		return nil
	}))
}

// newRelocatedFrontend moves w's frontend into a network of its own, with a
// route to the target by peering, and returns that network's ID.
func newRelocatedFrontend(t *testing.T, f *Fabric, w plWorld) string {
	t.Helper()
	id := "pls-home"
	must(t, f.EnsureVNet(VNet{ID: id, AddressSpace: []netip.Prefix{pfx("10.87.0.0/16")},
		Subnets: []Subnet{{"nat", pfx("10.87.1.0/24")}}}))
	must(t, f.EnsurePeering(id, provider))
	fe := w.fe
	fe.NAT = NIC{ID: "pls-nic", VNet: id, Subnet: "nat", IP: ip("10.87.1.5")}
	must(t, f.EnsureFrontend(fe))
	return id
}

// assertNoTables fails if a namespace has nftables tables starting with
// prefix.
func assertNoTables(tb testing.TB, f *Fabric, ns, prefix string) {
	tb.Helper()
	must(tb, f.Do(ns, func() error {
		if left, err := tables(prefix); err != nil || len(left) > 0 {
			tb.Errorf("%s has tables %v (%v), want none starting with %q", ns, left, err, prefix)
		}
		return nil
	}))
}

// nftDump lists the chains and rules of a namespace, without handles.
func nftDump(tb testing.TB, f *Fabric, ns string) []string {
	tb.Helper()
	var out []string
	must(tb, f.Do(ns, func() error {
		c, err := nftables.New()
		if err != nil {
			return err
		}
		chains, err := c.ListChains()
		if err != nil {
			return err
		}
		for _, ch := range chains {
			line := fmt.Sprintf("chain %s %s %s", ch.Table.Name, ch.Name, ch.Type)
			if ch.Policy != nil {
				line += fmt.Sprintf(" policy=%d", *ch.Policy)
			}
			out = append(out, line)
			rules, err := c.GetRules(ch.Table, ch)
			if err != nil {
				return err
			}
			for _, r := range rules {
				line := "rule " + ch.Name
				for _, e := range r.Exprs {
					line += fmt.Sprintf(" %T%+v", e, e)
				}
				out = append(out, line)
			}
		}
		return nil
	}))
	slices.Sort(out)
	return out
}

func TestValidatePrivateLink(t *testing.T) {
	nic := NIC{ID: "n", VNet: "v", Subnet: "s", IP: ip("10.0.0.4"), Host: "x"}
	for _, tc := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"frontend", validateFrontend(Frontend{ID: "x", NAT: nic, Target: ip("10.0.0.5")}), true},
		{"endpoint", validateEndpoint(Endpoint{ID: "x", NIC: nic, Frontend: "pls"}), true},
		{"frontend without target", validateFrontend(Frontend{ID: "x", NAT: nic}), false},
		{"frontend with a link-local target", validateFrontend(Frontend{ID: "x", NAT: nic, Target: ip("169.254.128.1")}), false},
		{"frontend on another host", validateFrontend(Frontend{ID: "y", NAT: nic, Target: ip("10.0.0.5")}), false},
		{"frontend with a bad nic", validateFrontend(Frontend{ID: "x", NAT: NIC{Host: "x"}, Target: ip("10.0.0.5")}), false},
		{"endpoint without frontend", validateEndpoint(Endpoint{ID: "x", NIC: nic}), false},
		{"endpoint on another host", validateEndpoint(Endpoint{ID: "y", NIC: nic, Frontend: "pls"}), false},
	} {
		if (tc.err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, tc.err, tc.ok)
		}
	}
}

// TestLinksTakeBigPackets: every link of the fabric passes packets of
// bigGSO whole, or none would (one link with a lower limit would make the
// kernel cut them up in software).
func TestLinksTakeBigPackets(t *testing.T) {
	f := newTestFabric(t)
	newPLWorld(t, f)
	customer(t, f, "cust", "10.86.1.0/24", "10.86.1.4")
	must(t, f.EnsureEndpoint(endpoint("pe", "cust", "10.86.1.5")))
	must(t, f.EnsurePeering("cust", provider))
	all, err := f.List()
	must(t, err)
	for _, ns := range all {
		must(t, f.Do(ns, func() error {
			links, err := linkList()
			for _, l := range links {
				a := l.Attrs()
				if want := min(bigGSO, a.TSOMaxSize); a.Name != "lo" && want > 1<<16 &&
					(a.GSOIPv4MaxSize != want || a.GROIPv4MaxSize != want) {
					t.Errorf("%s in %s: gso %d, gro %d, want %d", a.Name, ns, a.GSOIPv4MaxSize, a.GROIPv4MaxSize, want)
				}
			}
			return err
		}))
	}
}
