package fabric

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
)

// snapshot describes a namespace: links with kind, master, state and
// addresses, and routes.
func snapshot(tb testing.TB, f *Fabric, ns string) []string {
	tb.Helper()
	var out []string
	must(tb, f.Do(ns, func() error {
		links, err := linkList()
		if err != nil {
			return err
		}
		for _, l := range links {
			a := l.Attrs()
			addrs, err := addrList(l)
			if err != nil {
				return err
			}
			var ips []string
			for _, ad := range addrs {
				ips = append(ips, ad.IPNet.String())
			}
			out = append(out, fmt.Sprintf("link %s %s master=%d up=%v alias=%s %v",
				a.Name, l.Type(), a.MasterIndex, a.Flags&1 != 0, a.Alias, ips))
		}
		routes, err := routeList(nil, 0)
		for _, r := range routes {
			out = append(out, "route "+r.String())
		}
		return err
	}))
	slices.Sort(out)
	return out
}

func TestEnsureIsIdempotent(t *testing.T) {
	f := newTestFabric(t)
	v := VNet{ID: "idem", AddressSpace: []netip.Prefix{pfx("10.91.0.0/16")},
		Subnets: []Subnet{{"s1", pfx("10.91.1.0/24")}, {"s2", pfx("10.91.2.0/24")}}}
	must(t, f.EnsureVNet(v))
	ns := vm(t, f, "vm1", "idem", "s1", "10.91.1.4")
	router, host := snapshot(t, f, f.RouterNamespace("idem")), snapshot(t, f, ns)
	must(t, f.EnsureVNet(v))
	vm(t, f, "vm1", "idem", "s1", "10.91.1.4")
	if again := snapshot(t, f, f.RouterNamespace("idem")); !slices.Equal(router, again) {
		t.Errorf("router changed on a second ensure:\n%v\n%v", router, again)
	}
	if again := snapshot(t, f, ns); !slices.Equal(host, again) {
		t.Errorf("host changed on a second ensure:\n%v\n%v", host, again)
	}
	if len(f.dns) != 1 {
		t.Errorf("%d dns servers for one VNet", len(f.dns))
	}
	echoServer(t, f, ns, "10.91.1.4:7000")
	other := vm(t, f, "vm2", "idem", "s2", "10.91.2.4")
	assertReach(t, f, other, "vm1", "10.91.1.4:7000", true)
}

func TestSubnetChanges(t *testing.T) {
	f := newTestFabric(t)
	router := f.RouterNamespace("sub")
	bridges := func() map[string]string {
		got := map[string]string{}
		must(t, f.Do(router, func() error {
			links, err := linkList()
			for _, l := range links {
				if l.Type() == "bridge" {
					p, err := firstAddr(l)
					if err != nil {
						return err
					}
					got[l.Attrs().Name] = p.String()
				}
			}
			return err
		}))
		return got
	}
	space := []netip.Prefix{pfx("10.92.0.0/16")}
	must(t, f.EnsureVNet(VNet{ID: "sub", AddressSpace: space,
		Subnets: []Subnet{{"keep", pfx("10.92.1.0/24")}, {"drop", pfx("10.92.2.0/24")}}}))
	want := map[string]string{f.names.bridge("keep"): "10.92.1.1/24", f.names.bridge("drop"): "10.92.2.1/24"}
	if got := bridges(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bridges = %v, want %v", got, want)
	}
	must(t, f.EnsureVNet(VNet{ID: "sub", AddressSpace: space, Subnets: []Subnet{{"KEEP", pfx("10.92.8.0/22")}}}))
	want = map[string]string{f.names.bridge("keep"): "10.92.8.1/22"}
	if got := bridges(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after removing a subnet, bridges = %v, want %v", got, want)
	}
	if err := f.EnsureNIC(NIC{ID: "n", VNet: "sub", Subnet: "drop", IP: netip.MustParseAddr("10.92.2.4"), Host: "h"}); err == nil {
		t.Error("a NIC joined a removed subnet")
	}
}

// TestSecondNIC: NICs of one host share its namespace as eth0, eth1; the
// default route follows the first one that remains.
func TestSecondNIC(t *testing.T) {
	f := newTestFabric(t)
	must(t, f.EnsureVNet(VNet{ID: "multi", AddressSpace: []netip.Prefix{pfx("10.93.0.0/16")},
		Subnets: []Subnet{{"front", pfx("10.93.1.0/24")}, {"back", pfx("10.93.2.0/24")}}}))
	ns, err := f.EnsureHost("vm", []byte("nameserver 168.63.129.16\nsearch corp.internal\n"))
	must(t, err)
	mac := []byte{0x02, 0, 0, 0, 0, 0x42}
	must(t, f.EnsureNIC(NIC{ID: "nic0", VNet: "multi", Subnet: "front", IP: netip.MustParseAddr("10.93.1.4"), Host: "vm", MAC: mac}))
	must(t, f.EnsureNIC(NIC{ID: "nic1", VNet: "multi", Subnet: "back", IP: netip.MustParseAddr("10.93.2.4"), Host: "vm"}))
	gateway := func() (via string, dev string) {
		must(t, f.Do(ns, func() error {
			def, err := defaultRoute()
			if def != nil {
				l, _ := netlink.LinkByIndex(def.LinkIndex)
				via, dev = def.Gw.String(), l.Attrs().Name
			}
			return err
		}))
		return via, dev
	}
	if via, dev := gateway(); via != "10.93.1.1" || dev != "eth0" {
		t.Errorf("default route via %s dev %s, want 10.93.1.1 dev eth0", via, dev)
	}
	must(t, f.Do(ns, func() error {
		l, err := netlink.LinkByName("eth0")
		if err == nil && l.Attrs().HardwareAddr.String() != "02:00:00:00:00:42" {
			t.Errorf("eth0 mac = %s", l.Attrs().HardwareAddr)
		}
		return err
	}))
	must(t, f.RemoveNIC("nic0"))
	if via, dev := gateway(); via != "10.93.2.1" || dev != "eth1" {
		t.Errorf("after removing eth0, default route via %s dev %s, want 10.93.2.1 dev eth1", via, dev)
	}
	must(t, f.RemoveNIC("nic0"))
	conf, err := os.ReadFile("/etc/netns/" + ns + "/resolv.conf")
	if err != nil || string(conf) != "nameserver 168.63.129.16\nsearch corp.internal\n" {
		t.Errorf("resolv.conf = %q, %v", conf, err)
	}
}

// TestRemoveLeavesNothing: RemoveVNet takes the router and, at once, the
// NICs and peering links into it; removing what is absent is no error.
func TestRemoveLeavesNothing(t *testing.T) {
	f := newTestFabric(t)
	before, err := f.List()
	must(t, err)
	for i, id := range []string{"gone", "stays"} {
		must(t, f.EnsureVNet(VNet{ID: id, AddressSpace: []netip.Prefix{pfx(fmt.Sprintf("10.9%d.0.0/16", 4+i))},
			Subnets: []Subnet{{"default", pfx(fmt.Sprintf("10.9%d.0.0/24", 4+i))}}}))
	}
	must(t, f.EnsurePeering("gone", "stays"))
	ns := vm(t, f, "vm", "gone", "default", "10.94.0.4")
	must(t, f.RemoveVNet("gone"))
	for _, s := range snapshot(t, f, ns) {
		if strings.HasPrefix(s, "link eth0 ") {
			t.Errorf("host kept %s after its VNet went", s)
		}
	}
	for _, s := range snapshot(t, f, f.RouterNamespace("stays")) {
		if strings.Contains(s, f.names.peerLink("gone")) || strings.Contains(s, "169.254.") {
			t.Errorf("peer router kept %s", s)
		}
	}
	must(t, f.RemoveVNet("gone"))
	must(t, f.RemoveNIC("never"))
	must(t, f.RemoveHost("never"))
	must(t, f.RemovePeering("gone", "stays"))
	must(t, f.RemoveHost("vm"))
	must(t, f.RemoveVNet("stays"))
	after, err := f.List()
	must(t, err)
	if len(after) != len(before) {
		t.Errorf("namespaces before %v, after %v", before, after)
	}
}

// TestRestartConverges: a new fabric over the namespaces an old one left
// (and over a half-made one) re-ensures them and serves DNS again.
func TestRestartConverges(t *testing.T) {
	f := newTestFabric(t)
	v := VNet{ID: "r", AddressSpace: []netip.Prefix{pfx("10.96.0.0/16")}, Subnets: []Subnet{{"default", pfx("10.96.0.0/24")}}}
	must(t, f.EnsureVNet(v))
	ns1 := vm(t, f, "vm1", "r", "default", "10.96.0.4")
	must(t, f.Close())
	// A crash between creating a namespace file and mounting it.
	half := f.HostNamespace("vm2")
	must(t, os.WriteFile(nsPath(half), nil, 0o444))

	g, err := New(f.names.prefix, slog.New(slog.NewTextHandler(t.Output(), nil)))
	must(t, err)
	t.Cleanup(func() { must(t, g.Close()) })
	g.SetResolver(zoneResolver{vnet: "r", zone: "z.", records: map[string]netip.Addr{"a.z.": netip.MustParseAddr("10.96.0.5")}})
	must(t, g.EnsureVNet(v))
	vm(t, g, "vm1", "r", "default", "10.96.0.4")
	ns2 := vm(t, g, "vm2", "r", "default", "10.96.0.5")
	if in, err := query(g, ns1, "udp", "a.z."); err != nil || len(in.Answer) != 1 {
		t.Errorf("dns after restart: %v, %v", in, err)
	}
	echoServer(t, g, ns2, "10.96.0.5:7000")
	assertReach(t, g, ns1, "vm2", "10.96.0.5:7000", true)
	must(t, g.RemoveVNet("r"))
	must(t, g.RemoveHost("vm1"))
	must(t, g.RemoveHost("vm2"))
}
