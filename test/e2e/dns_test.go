package e2e

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
)

// Private DNS through the SDK: a zone's names resolve with getent inside
// VMs of linked virtual networks only, link and record changes take effect
// at once, and registration links publish VM names.
func TestSDKPrivateDNS(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	l := newNetLab(t, in, "dns")
	l.vnet("va", "10.30.0.0/16", "10.30.1.0/24")
	l.vnet("vb", "10.40.0.0/16", "10.40.1.0/24")
	for _, v := range [][3]string{{"vm1", "nic1", "va"}, {"vm2", "nic2", "vb"}} {
		if _, err := l.nic(v[1], v[2], ""); err != nil {
			t.Fatal(err)
		}
		if err := l.vm(v[0], v[1], l.key); err != nil {
			t.Fatal(err)
		}
	}
	f, err := armprivatedns.NewClientFactory(in.Sub, in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	zp, err := f.NewPrivateZonesClient().BeginCreateOrUpdate(l.ctx, "dns", "contoso.internal", armprivatedns.PrivateZone{Location: to.Ptr("global")}, nil)
	if err == nil {
		_, err = zp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatal(err)
	}
	rc := f.NewRecordSetsClient()
	if _, err := rc.CreateOrUpdate(l.ctx, "dns", "contoso.internal", armprivatedns.RecordTypeA, "db", armprivatedns.RecordSet{Properties: &armprivatedns.RecordSetProperties{
		TTL: to.Ptr[int64](60), ARecords: []*armprivatedns.ARecord{{IPv4Address: to.Ptr("10.30.1.99")}}}}, nil); err != nil {
		t.Fatal(err)
	}
	lookup := func(vm, name string) string {
		return strings.TrimSpace(l.run(vm, "getent hosts "+name+" || echo NOTFOUND"))
	}
	if got := lookup("vm1", "db.contoso.internal"); !strings.Contains(got, "NOTFOUND") {
		t.Fatalf("resolved before any link: %s", got)
	}
	link := func(name, vnet string, reg bool) {
		t.Helper()
		p, err := f.NewVirtualNetworkLinksClient().BeginCreateOrUpdate(l.ctx, "dns", "contoso.internal", name, armprivatedns.VirtualNetworkLink{
			Location: to.Ptr("global"), Properties: &armprivatedns.VirtualNetworkLinkProperties{RegistrationEnabled: to.Ptr(reg),
				VirtualNetwork: &armprivatedns.SubResource{ID: to.Ptr("/subscriptions/" + in.Sub + "/resourceGroups/dns/providers/Microsoft.Network/virtualNetworks/" + vnet)}}}, nil)
		if err == nil {
			_, err = p.PollUntilDone(l.ctx, &runtimePoll)
		}
		if err != nil {
			t.Fatalf("link %s: %v", name, err)
		}
	}
	link("la", "va", true)
	if got := lookup("vm1", "db.contoso.internal"); !strings.Contains(got, "10.30.1.99") {
		t.Fatalf("linked VNet: %q", got)
	}
	if got := lookup("vm2", "db.contoso.internal"); !strings.Contains(got, "NOTFOUND") {
		t.Fatalf("unlinked VNet resolved the zone: %q", got)
	}
	if got := lookup("vm1", "nothere.contoso.internal"); !strings.Contains(got, "NOTFOUND") {
		t.Fatalf("a missing name resolved: %q", got)
	}
	if got := lookup("vm1", "vm1.contoso.internal"); !strings.Contains(got, "10.30.1.4") {
		t.Fatalf("auto-registration: %q", got)
	}
	// A record change takes effect at once.
	if _, err := rc.CreateOrUpdate(l.ctx, "dns", "contoso.internal", armprivatedns.RecordTypeA, "db", armprivatedns.RecordSet{Properties: &armprivatedns.RecordSetProperties{
		TTL: to.Ptr[int64](60), ARecords: []*armprivatedns.ARecord{{IPv4Address: to.Ptr("10.30.1.77")}}}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := lookup("vm1", "db.contoso.internal"); !strings.Contains(got, "10.30.1.77") {
		t.Fatalf("after the record changed: %q", got)
	}
	// A second link of the same VNet to the zone is refused.
	p, err := f.NewVirtualNetworkLinksClient().BeginCreateOrUpdate(l.ctx, "dns", "contoso.internal", "la2", armprivatedns.VirtualNetworkLink{
		Location: to.Ptr("global"), Properties: &armprivatedns.VirtualNetworkLinkProperties{RegistrationEnabled: to.Ptr(false),
			VirtualNetwork: &armprivatedns.SubResource{ID: to.Ptr("/subscriptions/" + in.Sub + "/resourceGroups/dns/providers/Microsoft.Network/virtualNetworks/va")}}}, nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	if respCode(err) != "Conflict" {
		t.Fatalf("second link of one VNet: %v", err)
	}
	// A record in a missing zone is refused.
	if _, err := rc.CreateOrUpdate(l.ctx, "dns", "nozone.internal", armprivatedns.RecordTypeA, "x", armprivatedns.RecordSet{Properties: &armprivatedns.RecordSetProperties{}}, nil); respCode(err) != "ResourceNotFound" {
		t.Fatalf("record in a missing zone: %v", err)
	}
	// Unlinking takes effect at once.
	dp, err := f.NewVirtualNetworkLinksClient().BeginDelete(l.ctx, "dns", "contoso.internal", "la", nil)
	if err == nil {
		_, err = dp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := lookup("vm1", "db.contoso.internal"); !strings.Contains(got, "NOTFOUND") {
		t.Fatalf("after unlinking: %q", got)
	}
	in.mustAksbox("group", "delete", "-n", "dns", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("left: %v", ns)
	}
}
