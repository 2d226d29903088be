package network

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
)

const registry = groupID + "/providers/Microsoft.ContainerRegistry/registries/Reg1"

// memberFixture has a customer and a provider VNet, a private link
// service, and a resolver of registries with ACR's two members.
func memberFixture(t *testing.T) *fixture {
	f := newFixture(t)
	vnet := func(space string) string {
		return `{"location":"westus2","properties":{"addressSpace":{"addressPrefixes":["` + space + `.0.0/16"]},` +
			`"subnets":[{"name":"s","properties":{"addressPrefix":"` + space + `.1.0/24"}}]}}`
	}
	f.put(netIDs+"/virtualNetworks/customer", vnet("10.70"))
	f.put(netIDs+"/virtualNetworks/provider", vnet("10.80"))
	pls := netIDs + "/privateLinkServices/registry"
	f.put(pls, `{"location":"westus2","properties":{"destinationIPAddress":"10.80.1.4","ipConfigurations":[{"name":"nat","properties":{"subnet":{"id":"`+
		netIDs+`/virtualNetworks/provider/subnets/s"}}}]}}`)
	f.p.AddPrivateLinkResourceType("Microsoft.ContainerRegistry/registries", func(ctx context.Context, rid arm.ResourceID, group string) (PrivateLinkTarget, error) {
		return PrivateLinkTarget{ID: registry, Service: pls, Members: []Member{
			{Name: "registry", FQDNs: []string{"reg1.azurecr.io"}},
			{Name: "registry_data_westus2", FQDNs: []string{"reg1.westus2.data.azurecr.io"}}}}, nil
	})
	return f
}

// A private endpoint to a target with two members gets an address per
// member: two IP configurations on its NIC (with the member each serves),
// customDnsConfigs pairing each member's name with its own address, and
// both addresses forwarded by the fabric.
func TestEndpointHasAnAddressPerMember(t *testing.T) {
	f := memberFixture(t)
	pe := netIDs + "/privateEndpoints/to-reg1"
	got := f.put(pe, peBody(registry, "registry"))
	dns, _ := props(got)["customDnsConfigs"].([]any)
	want := map[string]string{"reg1.azurecr.io": "10.70.1.4", "reg1.westus2.data.azurecr.io": "10.70.1.5"}
	if len(dns) != 2 {
		t.Fatalf("customDnsConfigs: %v", dns)
	}
	for _, d := range dns {
		m := d.(map[string]any)
		if ips := m["ipAddresses"].([]any); len(ips) != 1 || want[m["fqdn"].(string)] != ips[0] {
			t.Errorf("customDnsConfig %v, want the addresses %v", m, want)
		}
	}
	nicID := props(got)["networkInterfaces"].([]any)[0].(map[string]any)["id"].(string)
	_, nic := f.do("GET", nicID, "")
	cfgs := props(nic)["ipConfigurations"].([]any)
	if len(cfgs) != 2 {
		t.Fatalf("the endpoint's NIC has %d IP configurations, want 2: %v", len(cfgs), nic)
	}
	for i, member := range []string{"registry", "registry_data_westus2"} {
		c := cfgs[i].(map[string]any)
		plc, _ := props(c)["privateLinkConnectionProperties"].(map[string]any)
		if plc["requiredMemberName"] != member || plc["groupId"] != "registry" || props(c)["privateIPAddress"] != []string{"10.70.1.4", "10.70.1.5"}[i] {
			t.Errorf("IP configuration %d: %v", i, c)
		}
	}
	if n := f.fab.nicOf(pe); n.IP != netip.MustParseAddr("10.70.1.4") || !slices.Equal(n.More, []netip.Addr{netip.MustParseAddr("10.70.1.5")}) {
		t.Fatalf("the fabric's endpoint NIC: %+v", n)
	}

	// A NIC with two dynamic IP configurations gets two addresses too.
	nic2 := f.put(netIDs+"/networkInterfaces/two", `{"location":"westus2","properties":{"ipConfigurations":[`+
		`{"name":"a","properties":{"subnet":{"id":"`+netIDs+`/virtualNetworks/customer/subnets/s"}}},`+
		`{"name":"b","properties":{"subnet":{"id":"`+netIDs+`/virtualNetworks/customer/subnets/s"}}}]}}`)
	two := props(nic2)["ipConfigurations"].([]any)
	a, b := props(two[0].(map[string]any))["privateIPAddress"], props(two[1].(map[string]any))["privateIPAddress"]
	if a != "10.70.1.6" || b != "10.70.1.7" {
		t.Fatalf("a NIC's two dynamic IP configurations got %v and %v, want 10.70.1.6 and 10.70.1.7", a, b)
	}
}

// Static addresses are given per member, by memberName; an unknown or
// repeated member, or more configurations than members, is refused.
func TestEndpointStaticAddressPerMember(t *testing.T) {
	f := memberFixture(t)
	body := func(cfgs string) string {
		b := peBody(registry, "registry")
		return strings.Replace(b, `"privateLinkServiceConnections"`, `"ipConfigurations":[`+cfgs+`],"privateLinkServiceConnections"`, 1)
	}
	cfg := func(name, member, ip string) string {
		return `{"name":"` + name + `","properties":{"groupId":"registry","memberName":"` + member + `","privateIPAddress":"` + ip + `"}}`
	}
	pe := netIDs + "/privateEndpoints/static"
	for _, c := range []struct{ cfgs, msg string }{
		{cfg("a", "registry", "10.70.1.20") + "," + cfg("b", "nope", "10.70.1.21"), "names member 'nope'; each must name a different one of (registry, registry_data_westus2)"},
		{cfg("a", "registry", "10.70.1.20") + "," + cfg("b", "REGISTRY", "10.70.1.21"), "names member 'REGISTRY'"},
		{cfg("a", "registry", "10.70.1.20") + "," + cfg("b", "registry_data_westus2", "10.70.1.21") + "," + cfg("c", "registry", "10.70.1.22"), "has 3 ipConfigurations; what it connects to has 2 member(s)"},
	} {
		code, m := f.do("PUT", pe, body(c.cfgs))
		if got, msg := errOf(m); code != http.StatusBadRequest || got != "InvalidParameter" || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %d %s %q, want InvalidParameter %q", c.cfgs, code, got, msg, c.msg)
		}
	}
	got := f.put(pe, body(cfg("data", "registry_data_westus2", "10.70.1.21")+","+cfg("login", "Registry", "10.70.1.20")))
	for _, d := range props(got)["customDnsConfigs"].([]any) {
		m := d.(map[string]any)
		want := map[string]string{"reg1.azurecr.io": "10.70.1.20", "reg1.westus2.data.azurecr.io": "10.70.1.21"}[m["fqdn"].(string)]
		if m["ipAddresses"].([]any)[0] != want {
			t.Errorf("customDnsConfig %v, want %s", m, want)
		}
	}
	// The addresses stay the endpoint's: another may not take them.
	code, m := f.do("PUT", netIDs+"/privateEndpoints/other", body(cfg("a", "registry", "10.70.1.21")))
	if got, _ := errOf(m); code != http.StatusBadRequest || got != "PrivateIPAddressInUse" {
		t.Fatalf("taking another endpoint's member address: %d %v", code, m)
	}
}
