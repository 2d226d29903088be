package fabric

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestValidPrefix(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		ok     bool
	}{
		{"abx1", true},
		{"a", true},
		{"abcdef", true},
		{"", false},
		{"abcdefg", false},
		{"1abc", false},
		{"Abc", false},
		{"ab-c", false},
	} {
		if err := validPrefix(tc.prefix); (err == nil) != tc.ok {
			t.Errorf("validPrefix(%q) = %v, want ok=%v", tc.prefix, err, tc.ok)
		}
	}
}

func TestNames(t *testing.T) {
	n := namer{prefix: "abcdef"}
	id := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1"
	if shortHash(id) != shortHash(strings.ToUpper(id)) {
		t.Error("hash is not case-insensitive")
	}
	if shortHash(id) == shortHash(id+"2") {
		t.Error("different ids share a hash")
	}
	for _, link := range []string{n.bridge("default"), n.nicLink(id), n.peerLink(id), n.peLink(id), n.plsLink(id)} {
		if len(link) > 15 || !strings.HasPrefix(link, "abcdef") {
			t.Errorf("link name %q is longer than 15 or lacks the prefix", link)
		}
	}
	ns, ok := n.routerOfPeerLink(n.peerLink(id))
	if !ok || ns != n.routerNS(id) {
		t.Errorf("routerOfPeerLink = %q, %v; want %q", ns, ok, n.routerNS(id))
	}
	if names := []string{n.peLink(id), n.plsLink(id), n.nicLink(id), peLabel(id), natLabel(id)}; len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Errorf("private link's links share names: %v", names)
	}
	if l := peLabel(id); len(l) > 15 || !strings.HasPrefix(l, "lo:") {
		t.Errorf("address label %q is longer than 15 or not lo's", l)
	}
	if !n.ours(n.hostNS("vm")) || !n.isRouter(n.routerNS(id)) || n.isRouter(n.hostNS("vm")) {
		t.Error("namespace kinds are not told apart")
	}
	if (namer{prefix: "abcde"}).ours(n.hostNS("vm")) {
		t.Error("a shorter prefix claims another prefix's namespace")
	}
}

// Private link's table names are taken apart where they are made.
func TestPrivateLinkTableNames(t *testing.T) {
	n := namer{prefix: "abcdef"}
	ep, fe, other := "/x/privateEndpoints/e", "/x/privateLinkServices/f", "/x/privateLinkServices/g"
	eh := shortHash(ep)
	if got, ok := endpointOfPLSTable(fe, plsTable(fe, ep)); !ok || got != eh {
		t.Errorf("endpointOfPLSTable = %q, %v; want %q", got, ok, eh)
	}
	if got, ok := endpointOfPETable(fe, peTable(ep, fe)); !ok || got != eh {
		t.Errorf("endpointOfPETable = %q, %v; want %q", got, ok, eh)
	}
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{plsTable(other, ep), false}, {peTable(ep, other), false}, {peTable(ep, fe), false},
	} {
		if _, ok := endpointOfPLSTable(fe, tc.name); ok != tc.ok {
			t.Errorf("endpointOfPLSTable(%s) took another frontend's or an endpoint's table", tc.name)
		}
	}
	if _, ok := endpointOfPETable(fe, plsTable(fe, ep)); ok {
		t.Error("endpointOfPETable took a frontend's table")
	}
	if !strings.HasPrefix(peTable(ep, fe), peTables(ep)) || !strings.HasPrefix(plsTable(fe, ep), plsTables(fe)) {
		t.Error("a table does not start with its prefix")
	}
	if peLabelOf(eh) != peLabel(ep) || n.plsLinkOf(eh) != n.plsLink(ep) {
		t.Error("names made from a hash differ from those made from the id")
	}
}

func TestGatewayAndLast(t *testing.T) {
	p := netip.MustParsePrefix("10.1.2.0/24")
	if g := Gateway(p); g != netip.MustParseAddr("10.1.2.1") {
		t.Errorf("Gateway = %s", g)
	}
	if l := lastAddr(netip.MustParsePrefix("10.1.2.0/29")); l != netip.MustParseAddr("10.1.2.7") {
		t.Errorf("lastAddr = %s", l)
	}
	if p := partner(netip.MustParseAddr("169.254.192.3")); p != netip.MustParseAddr("169.254.192.2") {
		t.Errorf("partner = %s", p)
	}
}
