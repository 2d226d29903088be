package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// getJSON reads a resource with a raw call and fails the test unless 200.
func getJSON(t *testing.T, in *instanceT, path string) map[string]any {
	t.Helper()
	code, m, _ := in.call("GET", path, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %v", path, code, m)
	}
	return m
}

// at follows dotted keys (and numeric indexes) in a decoded body.
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			v = t[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// A private endpoint with a static address and a manual connection: the
// address is the one asked for (checked at PUT time), the connection stays
// Pending and carries nothing until the service's owner approves it, then
// carries traffic until rejected; a rejected one is never approved again.
// A subnet keeps several address ranges, each checked.
func TestManualEndpointStaticAddressAndSubnetRanges(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	l := newNetLab(t, in, "rt")
	l.customerAndProvider()
	if err := l.pls("svc", "provider", "10.80.1.4"); err != nil {
		t.Fatal(err)
	}
	base := "/subscriptions/" + in.Sub + "/resourceGroups/rt/providers/Microsoft.Network/"
	const v = "?api-version=2024-07-01"
	pe := func(ip string) string {
		b, _ := json.Marshal(map[string]any{"location": "westus2", "properties": map[string]any{
			"subnet": map[string]string{"id": l.subnetID("customer")},
			"manualPrivateLinkServiceConnections": []any{map[string]any{"name": "ask", "properties": map[string]any{
				"privateLinkServiceId": base + "privateLinkServices/svc", "requestMessage": "please"}}},
			"ipConfigurations": []any{map[string]any{"name": "static", "properties": map[string]string{"privateIPAddress": ip}}}}})
		return string(b)
	}
	for _, c := range []struct{ ip, code string }{{"10.70.1.3", "PrivateIPAddressNotInSubnet"}, {"10.70.1.4", "PrivateIPAddressInUse"}, {"nope", "InvalidParameter"}} {
		if code, m, _ := in.call("PUT", base+"privateEndpoints/bad"+v, pe(c.ip)); code != 400 || errCode(m) != c.code {
			t.Errorf("static address %s: %d %v, want %s", c.ip, code, m, c.code)
		}
	}
	if code, m, _ := in.call("GET", base+"privateEndpoints/bad"+v, ""); code != 404 {
		t.Fatalf("a refused endpoint was made: %d %v", code, m)
	}
	if code, m, _ := in.call("PUT", base+"privateEndpoints/ep"+v, pe("10.70.1.20")); code != 201 {
		t.Fatalf("creating the endpoint: %d %v", code, m)
	}
	waitFor(t, func() bool { return stateOf(getJSON(t, in, base+"privateEndpoints/ep"+v)) == "Succeeded" })
	got := getJSON(t, in, base+"privateEndpoints/ep"+v)
	if s := at(got, "properties.manualPrivateLinkServiceConnections.0.properties.privateLinkServiceConnectionState.status"); s != "Pending" {
		t.Fatalf("manual connection: %v, want Pending\n%v", s, got)
	}
	if n := at(got, "properties.privateLinkServiceConnections"); n == nil || len(n.([]any)) != 0 {
		t.Fatalf("a manual connection shows as an automatic one: %v", n)
	}
	if ip := at(got, "properties.customDnsConfigs.0.ipAddresses.0"); ip != "10.70.1.20" {
		t.Fatalf("endpoint address %v, want the static 10.70.1.20", ip)
	}
	if at(got, "properties.ipConfigurations.0.properties.privateIPAddress") != "10.70.1.20" {
		t.Fatalf("ipConfigurations not returned as sent: %v", at(got, "properties.ipConfigurations"))
	}
	if l.reaches("client", "10.70.1.20") {
		t.Fatal("a Pending connection carries traffic")
	}
	list := getJSON(t, in, base+"privateLinkServices/svc/privateEndpointConnections"+v)
	conns, _ := list["value"].([]any)
	if len(conns) != 1 || at(conns[0], "properties.privateLinkServiceConnectionState.status") != "Pending" {
		t.Fatalf("the service's connections: %v", list)
	}
	name, _ := at(conns[0], "name").(string)
	decide := func(status string) (int, map[string]any) {
		code, m, _ := in.call("PUT", base+"privateLinkServices/svc/privateEndpointConnections/"+name+v,
			`{"properties":{"privateLinkServiceConnectionState":{"status":"`+status+`"}}}`)
		return code, m
	}
	if code, m := decide("Approved"); code != 200 || at(m, "properties.privateLinkServiceConnectionState.status") != "Approved" {
		t.Fatalf("approving: %d %v", code, m)
	}
	if !l.reaches("client", "10.70.1.20") {
		t.Fatal("the approved endpoint does not reach the service")
	}
	if s := at(getJSON(t, in, base+"privateEndpoints/ep"+v), "properties.manualPrivateLinkServiceConnections.0.properties.privateLinkServiceConnectionState.status"); s != "Approved" {
		t.Fatalf("endpoint after approval: %v", s)
	}
	if code, m := decide("Rejected"); code != 200 || l.reaches("client", "10.70.1.20") {
		t.Fatalf("rejecting: %d %v (or the path still works)", code, m)
	}
	if code, m := decide("Approved"); code != 400 || errCode(m) != "InvalidParameter" {
		t.Fatalf("approving a rejected connection: %d %v", code, m)
	}

	// A subnet with two ranges keeps both; each is checked.
	sub := base + "virtualNetworks/customer/subnets/"
	if code, m, _ := in.call("PUT", sub+"two"+v, `{"properties":{"addressPrefixes":["10.70.2.0/24","10.70.3.0/24"]}}`); code/100 != 2 {
		t.Fatalf("a subnet with two ranges: %d %v", code, m)
	}
	waitFor(t, func() bool { return stateOf(getJSON(t, in, sub+"two"+v)) == "Succeeded" })
	if p := at(getJSON(t, in, sub+"two"+v), "properties.addressPrefixes"); len(p.([]any)) != 2 || p.([]any)[1] != "10.70.3.0/24" {
		t.Fatalf("the second range was lost: %v", p)
	}
	if code, m, _ := in.call("PUT", sub+"clash"+v, `{"properties":{"addressPrefixes":["10.70.4.0/24","10.70.3.128/25"]}}`); code != 400 || errCode(m) != "NetcfgSubnetRangesOverlap" {
		t.Fatalf("a second range overlapping another subnet's: %d %v", code, m)
	}
	in.mustAksbox("group", "delete", "-n", "rt", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("left: %v", ns)
	}
}

// Values Azure refuses are refused at PUT time with its code, naming the
// property, and nothing is made.
func TestNetworkBadValuesRefusedAtPUT(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	l := newNetLab(t, in, "badv")
	l.vnet("v", "10.71.0.0/16", "10.71.1.0/24")
	base := "/subscriptions/" + in.Sub + "/resourceGroups/badv/providers/Microsoft.Network/"
	const v = "?api-version=2024-07-01"
	subnet := `{"id":"` + l.subnetID("v") + `"}`
	cases := []struct{ name, path, body, code, inMessage string }{
		{"allocation method outside the enum", "networkInterfaces/n1",
			`{"location":"westus2","properties":{"ipConfigurations":[{"name":"c","properties":{"subnet":` + subnet + `,"privateIPAllocationMethod":"Sometimes"}}]}}`,
			"InvalidRequestFormat", "properties.ipConfigurations[0].properties.privateIPAllocationMethod"},
		{"a boolean as a string", "networkInterfaces/n2",
			`{"location":"westus2","properties":{"enableAcceleratedNetworking":"yes","ipConfigurations":[{"name":"c","properties":{"subnet":` + subnet + `}}]}}`,
			"InvalidRequestContent", "properties.enableAcceleratedNetworking"},
		{"public IP method outside the enum", "publicIPAddresses/p1", `{"location":"westus2","properties":{"publicIPAllocationMethod":"Sometimes"}}`,
			"InvalidRequestFormat", "properties.publicIPAllocationMethod"},
		{"public IP tier outside the enum", "publicIPAddresses/p2", `{"location":"westus2","sku":{"name":"Standard","tier":"Planet"}}`,
			"InvalidParameter", "Planet"},
		{"subnet policy outside the enum", "virtualNetworks/v/subnets/s2", `{"properties":{"addressPrefix":"10.71.2.0/24","privateEndpointNetworkPolicies":"Maybe"}}`,
			"InvalidRequestFormat", "privateEndpointNetworkPolicies"},
	}
	for _, c := range cases {
		code, m, _ := in.call("PUT", base+c.path+v, c.body)
		if code != 400 || errCode(m) != c.code || !strings.Contains(errMessage(m), c.inMessage) {
			t.Errorf("%s: %d %v, want 400 %s naming %s", c.name, code, m, c.code, c.inMessage)
		}
		if code, _, _ := in.call("GET", base+c.path+v, ""); code != 404 {
			t.Errorf("%s: the refused resource exists (%d)", c.name, code)
		}
	}
	in.mustAksbox("group", "delete", "-n", "badv", "--yes")
}
