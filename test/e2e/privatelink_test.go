package e2e

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

func (l *netLab) pls(name, vnet, dest string) error {
	p, err := l.net.NewPrivateLinkServicesClient().BeginCreateOrUpdate(l.ctx, l.rg, name, armnetwork.PrivateLinkService{
		Location: to.Ptr("westus2"), Properties: &armnetwork.PrivateLinkServiceProperties{
			DestinationIPAddress: to.Ptr(dest),
			IPConfigurations: []*armnetwork.PrivateLinkServiceIPConfiguration{{Name: to.Ptr("nat"),
				Properties: &armnetwork.PrivateLinkServiceIPConfigurationProperties{Subnet: &armnetwork.Subnet{ID: to.Ptr(l.subnetID(vnet))}}}}}}, nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	return err
}

func (l *netLab) pe(name, vnet, pls string) (string, error) {
	p, err := l.net.NewPrivateEndpointsClient().BeginCreateOrUpdate(l.ctx, l.rg, name, armnetwork.PrivateEndpoint{
		Location: to.Ptr("westus2"), Properties: &armnetwork.PrivateEndpointProperties{
			Subnet: &armnetwork.Subnet{ID: to.Ptr(l.subnetID(vnet))},
			PrivateLinkServiceConnections: []*armnetwork.PrivateLinkServiceConnection{{Name: to.Ptr(name),
				Properties: &armnetwork.PrivateLinkServiceConnectionProperties{
					PrivateLinkServiceID: to.Ptr("/subscriptions/" + l.in.Sub + "/resourceGroups/" + l.rg + "/providers/Microsoft.Network/privateLinkServices/" + pls)}}}}}, nil)
	if err != nil {
		return "", err
	}
	if _, err := p.PollUntilDone(l.ctx, &runtimePoll); err != nil {
		return "", err
	}
	got, err := l.net.NewPrivateEndpointsClient().Get(l.ctx, l.rg, name, nil)
	if err != nil || len(got.Properties.CustomDNSConfigs) == 0 {
		return "", err
	}
	return deref(got.Properties.CustomDNSConfigs[0].IPAddresses[0]), nil
}

func (l *netLab) deletePE(name string) { l.t.Helper(); l.deletePEIn(l.rg, name) }

// deletePEIn deletes a private endpoint of any group.
func (l *netLab) deletePEIn(group, name string) {
	l.t.Helper()
	p, err := l.net.NewPrivateEndpointsClient().BeginDelete(l.ctx, group, name, nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		l.t.Fatal(err)
	}
}

// customerAndProvider makes two VNets, customer (10.70.1.0/24) and
// provider (10.80.1.0/24), with a VM in each: client (10.70.1.4) and
// server (10.80.1.4).
func (l *netLab) customerAndProvider() {
	l.t.Helper()
	l.vnet("customer", "10.70.0.0/16", "10.70.1.0/24")
	l.vnet("provider", "10.80.0.0/16", "10.80.1.0/24")
	for _, v := range [][3]string{{"client", "c-nic", "customer"}, {"server", "s-nic", "provider"}} {
		if _, err := l.nic(v[1], v[2], ""); err != nil {
			l.t.Fatal(err)
		}
		if err := l.vm(v[0], v[1], l.key); err != nil {
			l.t.Fatal(err)
		}
	}
}

// A private endpoint in a customer subnet reaches the private link
// service's destination in an isolated network; nothing else does, and
// deleting the endpoint cuts the path until it is created again.
func TestSDKPrivateEndpoint(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	l := newNetLab(t, in, "pl")
	l.customerAndProvider()
	if err := l.pls("svc", "provider", "10.99.0.1"); respCode(err) != "InvalidParameter" {
		t.Fatalf("destination outside the VNet: %v", err)
	}
	if err := l.pls("svc", "provider", "10.80.1.4"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.pe("bad", "customer", "nothere"); respCode(err) != "InvalidResourceReference" {
		t.Fatalf("endpoint to a missing service: %v", err)
	}
	ip, err := l.pe("ep", "customer", "svc")
	if err != nil || ip != "10.70.1.5" {
		t.Fatalf("endpoint address %q: %v (want the next free address, 10.70.1.5)", ip, err)
	}
	if !l.reaches("client", ip) {
		t.Fatal("the endpoint does not reach the service's destination")
	}
	if l.reaches("client", "10.80.1.4") {
		t.Fatal("the destination is reachable directly from the customer network")
	}
	p, err := l.net.NewPrivateLinkServicesClient().BeginDelete(l.ctx, l.rg, "svc", nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	if respCode(err) != "CannotDeletePrivateLinkServiceWithPrivateEndpointConnections" {
		t.Fatalf("deleting a service with endpoints: %v", err)
	}
	l.deletePE("ep")
	if l.reaches("client", ip) {
		t.Fatal("the path works after the endpoint was deleted")
	}
	if ip2, err := l.pe("ep", "customer", "svc"); err != nil || !l.reaches("client", ip2) {
		t.Fatalf("re-created endpoint (%s): %v", ip2, err)
	}
	in.mustAksbox("group", "delete", "-n", "pl", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("left: %v", ns)
	}
}
