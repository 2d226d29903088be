package e2e

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
	"github.com/aksbox/aksbox/internal/testenv"
)

// peStatus is the state of a private endpoint's (only) connection.
func (l *netLab) peStatus(name string) (armnetwork.PrivateEndpoint, string) {
	l.t.Helper()
	pe, err := l.net.NewPrivateEndpointsClient().Get(l.ctx, l.rg, name, nil)
	if err != nil {
		l.t.Fatalf("private endpoint %s: %v", name, err)
	}
	c := pe.Properties.PrivateLinkServiceConnections
	if len(c) != 1 || c[0].Properties.PrivateLinkServiceConnectionState == nil {
		l.t.Fatalf("private endpoint %s has no connection state: %+v", name, pe.Properties)
	}
	return pe.PrivateEndpoint, deref(c[0].Properties.PrivateLinkServiceConnectionState.Status)
}

// The AKS docs' "use a private endpoint connection": a private endpoint to
// the cluster (group management) in a VNet that is not peered with the
// cluster's, the user's own zone with the cluster's zone name and an A
// record for the endpoint, linked to that VNet: kubectl from a VM there
// lists the nodes. A group other than management is refused and makes
// nothing. Stopping and starting the cluster re-creates its private link
// service: the cluster works again, the user's endpoint is left
// Disconnected and carries no traffic until it is deleted and created again.
func TestPrivateClusterConnect(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "plc")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	mc, err := l.create("c1", l.seedCluster(l.subnetID("cluster-vnet"), 1))
	if err != nil {
		t.Fatalf("creating the cluster: %v\n%s", err, in.log)
	}
	clusterID, fqdn := deref(mc.ID), deref(mc.Properties.PrivateFQDN)
	host, zone, _ := strings.Cut(fqdn, ".")

	// What AKS shows of its private link resource.
	if r := mc.Properties.PrivateLinkResources; len(r) != 1 || deref(r[0].GroupID) != "management" || deref(r[0].Name) != "management" ||
		deref(r[0].Type) != "Microsoft.ContainerService/managedClusters/privateLinkResources" || deref(r[0].ID) != clusterID+"/privateLinkResources/management" ||
		len(r[0].RequiredMembers) != 1 || deref(r[0].RequiredMembers[0]) != "management" {
		t.Fatalf("privateLinkResources of the cluster: %+v", r)
	}
	shown := in.jsonOf("aks", "show", "-g", "plc", "-n", "c1", "--query", "privateLinkResources[0]")
	if shown["groupId"] != "management" || shown["resourceGroup"] != "plc" {
		t.Fatalf("aks show's privateLinkResources: %v", shown)
	}
	list, err := l.aks.NewPrivateLinkResourcesClient().List(l.ctx, "plc", "c1", nil)
	if err != nil || len(list.Value) != 1 || deref(list.Value[0].GroupID) != "management" || list.Value[0].PrivateLinkServiceID != nil {
		t.Fatalf("privateLinkResources: %v %+v", err, list.Value)
	}
	resolved, err := l.aks.NewResolvePrivateLinkServiceIDClient().POST(l.ctx, "plc", "c1",
		armcontainerservice.PrivateLinkResource{Name: to.Ptr("management")}, nil)
	if err != nil || !strings.HasSuffix(deref(resolved.PrivateLinkServiceID), "/providers/Microsoft.Network/privateLinkServices/kube-apiserver") {
		t.Fatalf("resolvePrivateLinkServiceId: %v %v", err, deref(resolved.PrivateLinkServiceID))
	}

	// The user's VNet, never peered with the cluster's, and a VM there.
	u := &aksLab{netLab: newNetLab(t, in, "users"), aks: l.aks, dns: l.dns}
	u.key = authorized
	u.vnet("client-vnet", "10.60.0.0/16", "10.60.1.0/24")
	jump := u.publicVM("jump", "client-vnet")
	kc := l.kubeconfig("c1", false)
	create := func(name string, extra ...string) []string {
		return append([]string{"network", "private-endpoint", "create", "-g", "users", "-n", name, "--vnet-name", "client-vnet",
			"--subnet", "s", "--private-connection-resource-id", clusterID, "--connection-name", name}, extra...)
	}

	// Bad input: Azure's codes, nothing made.
	before := len(in.namespaces())
	in.fails(1, "(InvalidParameter) Call to Microsoft.ContainerService/managedClusters failed. Error message: Private link resource (group ID) 'other' is not supported by managed cluster 'c1'; the only one is 'management'.",
		create("bad", "--group-id", "other")...)
	in.fails(1, "(MissingParameterOnPrivateLinkServiceConnection) Private link service connection", create("bad")...)
	in.fails(1, "(OnlyOneGroupIdPermitted)", create("bad", "--group-id", "management", "other")...)
	missing := strings.TrimSuffix(clusterID, "/c1") + "/nothere"
	in.fails(1, "(ResourceNotFound) Call to Microsoft.ContainerService/managedClusters failed. Error message: The Resource 'Microsoft.ContainerService/managedClusters/nothere'",
		"network", "private-endpoint", "create", "-g", "users", "-n", "bad", "--vnet-name", "client-vnet", "--subnet", "s",
		"--private-connection-resource-id", missing, "--group-id", "management", "--connection-name", "bad")
	if _, err := u.net.NewPrivateEndpointsClient().Get(u.ctx, "users", "bad", nil); respCode(err) != "ResourceNotFound" {
		t.Fatalf("a refused endpoint exists: %v", err)
	}
	if after := len(in.namespaces()); after != before {
		t.Fatalf("refused endpoints left namespaces: %d, were %d", after, before)
	}

	// The endpoint, the user's zone with the A record, the link.
	connect := func(extra ...string) string {
		t.Helper()
		in.mustAksbox(append(create("to-c1", extra...), "-o", "none")...)
		pe, status := u.peStatus("to-c1")
		conn := pe.Properties.PrivateLinkServiceConnections[0].Properties
		dns := pe.Properties.CustomDNSConfigs
		if status != "Approved" || deref(conn.PrivateLinkServiceID) != clusterID || len(conn.GroupIDs) != 1 || deref(conn.GroupIDs[0]) != "management" ||
			len(dns) != 1 || deref(dns[0].Fqdn) != fqdn || len(dns[0].IPAddresses) != 1 || !strings.HasPrefix(deref(dns[0].IPAddresses[0]), "10.60.1.") {
			t.Fatalf("the endpoint to the cluster: %s %+v %+v", status, conn, dns)
		}
		ip := deref(dns[0].IPAddresses[0])
		if _, err := u.dns.NewRecordSetsClient().CreateOrUpdate(u.ctx, "users", zone, armprivatedns.RecordTypeA, host, armprivatedns.RecordSet{
			Properties: &armprivatedns.RecordSetProperties{TTL: to.Ptr[int64](300), ARecords: []*armprivatedns.ARecord{{IPv4Address: to.Ptr(ip)}}}}, nil); err != nil {
			t.Fatalf("the user's A record: %v", err)
		}
		return ip
	}
	zp, err := u.dns.NewPrivateZonesClient().BeginCreateOrUpdate(u.ctx, "users", zone, armprivatedns.PrivateZone{Location: to.Ptr("global")}, nil)
	if err == nil {
		_, err = zp.PollUntilDone(u.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatalf("the user's zone: %v", err)
	}
	if err := u.linkZone("users", zone, "client", "client-vnet"); err != nil {
		t.Fatal(err)
	}
	if out, err := sshRun(keyPath, jump, kubectlNodes, kc); err == nil {
		t.Fatalf("kubectl worked before there was an endpoint:\n%s", out)
	}
	ip := connect("--group-id", "management")
	out, err := sshRun(keyPath, jump, "getent hosts "+fqdn, "")
	if err != nil || !strings.Contains(out, ip) {
		t.Fatalf("the private FQDN from the user's VNet: %v %s (want %s)", err, out, ip)
	}
	out, err = sshRun(keyPath, jump, kubectlNodes, kc)
	if err != nil || strings.Count(out, " Ready ") != 1 {
		t.Fatalf("kubectl through the user's endpoint: %v\n%s", err, out)
	}
	peers, err := u.net.NewVirtualNetworkPeeringsClient().NewListPager("users", "client-vnet", nil).NextPage(u.ctx)
	if err != nil || len(peers.Value) != 0 {
		t.Fatalf("the user's VNet has peerings: %v %v", err, peers.Value)
	}
	conns, err := l.aks.NewPrivateEndpointConnectionsClient().List(l.ctx, "plc", "c1", nil)
	if err != nil || len(conns.Value) != 1 || deref(conns.Value[0].Name) != "to-c1.users" ||
		!strings.HasSuffix(deref(conns.Value[0].Properties.PrivateEndpoint.ID), "/resourceGroups/users/providers/Microsoft.Network/privateEndpoints/to-c1") ||
		string(*conns.Value[0].Properties.PrivateLinkServiceConnectionState.Status) != "Approved" {
		t.Fatalf("the cluster's private endpoint connections: %v %+v", err, conns.Value)
	}

	// Stop and start: the cluster comes back, the user's endpoint does not.
	in.mustAksbox("aks", "stop", "-g", "plc", "-n", "c1")
	if _, status := u.peStatus("to-c1"); status != "Disconnected" {
		t.Fatalf("the user's endpoint of a stopped cluster: %s", status)
	}
	in.mustAksbox("aks", "start", "-g", "plc", "-n", "c1")
	got, err := l.aks.NewManagedClustersClient().Get(l.ctx, "plc", "c1", nil)
	if err != nil || deref(got.Properties.ProvisioningState) != "Succeeded" || string(*got.Properties.PowerState.Code) != "Running" {
		t.Fatalf("the cluster after start: %v %+v", err, got.Properties)
	}
	inside := l.publicVM("inside", "cluster-vnet")
	waitForOutput(t, func() (string, error) { return sshRun(keyPath, inside, kubectlNodes, kc) }, " Ready ", 1)
	if _, status := u.peStatus("to-c1"); status != "Disconnected" {
		t.Fatalf("the user's endpoint after stop and start: %s", status)
	}
	if out, err := sshRun(keyPath, jump, kubectlNodes, kc); err == nil {
		t.Fatalf("kubectl worked through a disconnected endpoint:\n%s", out)
	}
	if conns, err := l.aks.NewPrivateEndpointConnectionsClient().List(l.ctx, "plc", "c1", nil); err != nil || len(conns.Value) != 0 {
		t.Fatalf("the new private link service lists the old connection: %v %+v", err, conns.Value)
	}

	// Deleted and created again (with az's deprecated spelling), it works.
	u.deletePE("to-c1")
	out, errOut, code := in.aksbox(append(create("to-c1", "--group-ids", "management"), "-o", "none")...)
	if code != 0 || errOut != "WARNING: Argument '--group-ids' has been deprecated and will be removed in a future release. Use '--group-id' instead.\n" {
		t.Fatalf("create with --group-ids: exit %d\n%s%s", code, out, errOut)
	}
	u.deletePE("to-c1")
	connect("--group-id", "management")
	waitForOutput(t, func() (string, error) { return sshRun(keyPath, jump, kubectlNodes, kc) }, " Ready ", 1)

	in.mustAksbox("group", "delete", "-n", "users", "--yes")
	in.mustAksbox("group", "delete", "-n", "plc", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
	if n := in.etcdKeys("/aksbox/clusters/"); n != 0 {
		t.Fatalf("%d Kubernetes keys left in etcd", n)
	}
}
