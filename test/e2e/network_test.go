package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksbox/aksbox/internal/cloud"
	"github.com/aksbox/aksbox/internal/testenv"
)

func needRoot(t *testing.T) {
	t.Helper()
	testenv.Root(t)
}

// namespaces lists this instance's network namespaces.
func (in *instanceT) namespaces() []string {
	in.t.Helper()
	if _, err := exec.Command("ip", "netns", "list").Output(); err != nil {
		in.t.Fatal(err)
	}
	return in.namespacesOrNone()
}

// namespacesOrNone lists this instance's namespaces; none if it cannot.
func (in *instanceT) namespacesOrNone() []string {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return nil
	}
	var mine []string
	prefix := cloud.FabricPrefix(in.dir) + "-"
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], prefix) {
			mine = append(mine, f[0])
		}
	}
	return mine
}

func vnetBody(prefix string, subnets ...[2]string) armnetwork.VirtualNetwork {
	v := armnetwork.VirtualNetwork{Location: to.Ptr("westus2"), Properties: &armnetwork.VirtualNetworkPropertiesFormat{
		AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr(prefix)}}}}
	for _, s := range subnets {
		v.Properties.Subnets = append(v.Properties.Subnets, &armnetwork.Subnet{Name: to.Ptr(s[0]),
			Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(s[1])}})
	}
	return v
}

// Virtual networks, subnets and peerings through the Azure SDK for Go:
// realized as namespaces, validated like Azure, peering states as Azure
// reports them, and everything gone with the group.
func TestSDKVirtualNetworks(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	ctx := context.Background()
	in.mustAksbox("provider", "register", "-n", "Microsoft.Network")
	in.mustAksbox("group", "create", "-n", "net", "-l", "westus2")
	f, err := armnetwork.NewClientFactory(in.Sub, in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	vc, sc, pc := f.NewVirtualNetworksClient(), f.NewSubnetsClient(), f.NewVirtualNetworkPeeringsClient()
	mk := func(name string, v armnetwork.VirtualNetwork) armnetwork.VirtualNetwork {
		t.Helper()
		poller, err := vc.BeginCreateOrUpdate(ctx, "net", name, v, nil)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		resp, err := poller.PollUntilDone(ctx, &runtimePoll)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		if s := deref((*string)(resp.Properties.ProvisioningState)); s != "Succeeded" {
			t.Fatalf("%s provisioningState %s", name, s)
		}
		return resp.VirtualNetwork
	}
	va := mk("va", vnetBody("10.1.0.0/16", [2]string{"s1", "10.1.0.0/24"}))
	mk("vb", vnetBody("10.2.0.0/16", [2]string{"s1", "10.2.0.0/24"}))
	mk("vc", vnetBody("10.1.0.0/20"))
	if n := len(in.namespaces()); n != 3 {
		t.Fatalf("%d namespaces for 3 virtual networks: %v", n, in.namespaces())
	}

	// A subnet as a child resource.
	sp, err := sc.BeginCreateOrUpdate(ctx, "net", "va", "s2", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.1.1.0/24")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.PollUntilDone(ctx, &runtimePoll); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, prefix, code string }{
		{"outside", "10.9.0.0/24", "NetcfgSubnetRangeOutsideVnet"},
		{"overlap", "10.1.0.128/25", "NetcfgSubnetRangesOverlap"},
		{"hostbits", "10.1.2.1/24", "InvalidCIDRNotation"},
		{"garbage", "ten.one/24", "InvalidCIDRNotation"},
		{"bad*name", "10.1.3.0/24", "InvalidResourceName"},
	} {
		_, err := sc.BeginCreateOrUpdate(ctx, "net", "va", c.name, armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(c.prefix)}}, nil)
		if respCode(err) != c.code {
			t.Errorf("subnet %s %s: %v, want %s", c.name, c.prefix, err, c.code)
		}
	}
	var subnets []string
	pager := sc.NewListPager("net", "va", nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Value {
			subnets = append(subnets, deref(s.Name))
		}
	}
	if strings.Join(subnets, ",") != "s1,s2" {
		t.Fatalf("subnets after refused writes: %v", subnets)
	}

	peer := func(from, name, to string) error {
		poller, err := pc.BeginCreateOrUpdate(ctx, "net", from, name, armnetwork.VirtualNetworkPeering{Properties: &armnetwork.VirtualNetworkPeeringPropertiesFormat{
			RemoteVirtualNetwork:      &armnetwork.SubResource{ID: toPtr("/subscriptions/" + in.Sub + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/" + to)},
			AllowVirtualNetworkAccess: toBool(true)}}, nil)
		if err != nil {
			return err
		}
		_, err = poller.PollUntilDone(ctx, &runtimePoll)
		return err
	}
	state := func(vnet, name string) string {
		t.Helper()
		resp, err := pc.Get(ctx, "net", vnet, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(*resp.Properties.PeeringState)
	}
	if err := peer("va", "a-to-b", "vb"); err != nil {
		t.Fatal(err)
	}
	if s := state("va", "a-to-b"); s != "Initiated" {
		t.Fatalf("one-sided peering: %s, want Initiated", s)
	}
	if err := peer("vb", "b-to-a", "va"); err != nil {
		t.Fatal(err)
	}
	if a, b := state("va", "a-to-b"), state("vb", "b-to-a"); a != "Connected" || b != "Connected" {
		t.Fatalf("both sides: %s %s, want Connected", a, b)
	}
	if err := peer("va", "a-to-c", "vc"); respCode(err) != "VnetAddressSpacesOverlap" {
		t.Fatalf("overlapping peering: %v", err)
	}
	if err := peer("va", "a-to-x", "nothere"); respCode(err) != "InvalidResourceReference" {
		t.Fatalf("peering to a missing vnet: %v", err)
	}
	dp, err := pc.BeginDelete(ctx, "net", "vb", "b-to-a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dp.PollUntilDone(ctx, &runtimePoll); err != nil {
		t.Fatal(err)
	}
	if s := state("va", "a-to-b"); s != "Disconnected" {
		t.Fatalf("after the remote side was deleted: %s, want Disconnected", s)
	}
	_ = va

	// Deleting the group removes every namespace.
	in.mustAksbox("group", "delete", "-n", "net", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the group was deleted: %v", ns)
	}
}

// The store is the truth: everything lost while the server was down (as
// after a host reboot: every namespace gone) is re-created on start — the
// virtual networks, VMs, private endpoint path and DNS answers.
func TestNetworkRecreatedOnStart(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	l := newNetLab(t, in, "re")
	l.vnet("customer", "10.71.0.0/16", "10.71.1.0/24")
	l.vnet("provider", "10.81.0.0/16", "10.81.1.0/24")
	for _, v := range [][3]string{{"client", "c-nic", "customer"}, {"server", "s-nic", "provider"}} {
		if _, err := l.nic(v[1], v[2], ""); err != nil {
			t.Fatal(err)
		}
		if err := l.vm(v[0], v[1], l.key); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.pls("svc", "provider", "10.81.1.4"); err != nil {
		t.Fatal(err)
	}
	ip, err := l.pe("ep", "customer", "svc")
	if err != nil {
		t.Fatal(err)
	}
	zone := "/subscriptions/" + in.Sub + "/resourceGroups/re/providers/Microsoft.Network/privateDnsZones/svc.internal"
	for _, c := range []struct{ path, body string }{
		{zone, `{"location":"global"}`},
		{zone + "/A/api", `{"properties":{"ttl":60,"aRecords":[{"ipv4Address":"` + ip + `"}]}}`},
		{zone + "/virtualNetworkLinks/l", `{"location":"global","properties":{"registrationEnabled":false,"virtualNetwork":{"id":"/subscriptions/` + in.Sub + `/resourceGroups/re/providers/Microsoft.Network/virtualNetworks/customer"}}}`},
	} {
		if code, m, _ := in.call("PUT", c.path+"?api-version=2020-06-01", c.body); code >= 300 {
			t.Fatalf("PUT %s: %d %v", c.path, code, m)
		}
	}
	check := func(when string) {
		t.Helper()
		if out := l.run("client", "getent hosts api.svc.internal || echo NOTFOUND"); !strings.Contains(out, ip) {
			t.Fatalf("%s: DNS from the client: %s", when, out)
		}
		if !l.reaches("client", "api.svc.internal") {
			t.Fatalf("%s: the private endpoint path is broken", when)
		}
	}
	check("before")
	before := len(in.namespaces())
	in.kill()
	for _, ns := range in.namespaces() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Fatalf("removing %s: %v %s", ns, err, out)
		}
	}
	in.restart()
	if n := len(in.namespaces()); n != before {
		t.Fatalf("after restart: %d namespaces, want %d", n, before)
	}
	check("after kill -9 and losing every namespace")
	in.mustAksbox("group", "delete", "-n", "re", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("left: %v", ns)
	}
}
