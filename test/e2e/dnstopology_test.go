package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
	"github.com/aksbox/aksbox/internal/testenv"
)

// kubeconfig writes a cluster's user kubeconfig (pointing at its public
// FQDN when public is set) to a file and returns its contents.
func (l *aksLab) kubeconfig(name string, public bool) string {
	l.t.Helper()
	var opts *armcontainerservice.ManagedClustersClientListClusterUserCredentialsOptions
	if public {
		opts = &armcontainerservice.ManagedClustersClientListClusterUserCredentialsOptions{ServerFqdn: to.Ptr("public")}
	}
	cred, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, l.rg, name, opts)
	if err != nil {
		l.t.Fatalf("credentials of %s: %v", name, err)
	}
	return string(cred.Kubeconfigs[0].Value)
}

// linkZone links a private DNS zone to a VNet of the lab.
func (l *aksLab) linkZone(group, zone, link, vnet string) error {
	p, err := l.dns.NewVirtualNetworkLinksClient().BeginCreateOrUpdate(l.ctx, group, zone, link, armprivatedns.VirtualNetworkLink{
		Location: to.Ptr("global"), Properties: &armprivatedns.VirtualNetworkLinkProperties{RegistrationEnabled: to.Ptr(false),
			VirtualNetwork: &armprivatedns.SubResource{ID: to.Ptr("/subscriptions/" + l.in.Sub + "/resourceGroups/" + l.rg + "/providers/Microsoft.Network/virtualNetworks/" + vnet)}}}, nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	return err
}

// putVNet creates or replaces a VNet of the lab.
func (l *aksLab) putVNet(name string, v armnetwork.VirtualNetwork) {
	l.t.Helper()
	p, err := l.net.NewVirtualNetworksClient().BeginCreateOrUpdate(l.ctx, l.rg, name, v, nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		l.t.Fatalf("virtual network %s: %v", name, err)
	}
}

const kubectlNodes = "cat > kc && kubectl --kubeconfig kc --request-timeout=10s get nodes"

// Several private clusters in one VNet, each with its own system zone
// <guid>.privatelink.<region>.azmk8s.io; the public FQDN that resolves to
// the private endpoint from any VNet on Azure-provided DNS; and the update
// from privateDNSZone system to none. Every client is a VM of ours reached
// over real SSH, running the real kubectl.
func TestPrivateClustersShareAVNet(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "multi")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	fqdns, zones := map[string]string{}, map[string]string{}
	for _, name := range []string{"c1", "c2"} {
		mc := l.seedCluster(l.subnetID("cluster-vnet"), 1)
		mc.Properties.DNSPrefix = to.Ptr(name)
		got, err := l.create(name, mc)
		if err != nil {
			t.Fatalf("creating %s beside the other cluster: %v\n%s", name, err, in.log)
		}
		fqdns[name] = deref(got.Properties.PrivateFQDN)
		_, zones[name], _ = strings.Cut(fqdns[name], ".")
		if !strings.HasSuffix(zones[name], ".privatelink.westus2.azmk8s.io") || !*got.Properties.APIServerAccessProfile.EnablePrivateClusterPublicFQDN {
			t.Fatalf("%s: zone %q, public FQDN enabled %v", name, zones[name], got.Properties.APIServerAccessProfile.EnablePrivateClusterPublicFQDN)
		}
	}
	if zones["c1"] == zones["c2"] {
		t.Fatalf("both clusters share the zone %s", zones["c1"])
	}
	// Each zone is its cluster's, in its node group, linked to the shared VNet.
	for _, name := range []string{"c1", "c2"} {
		pager := l.dns.NewVirtualNetworkLinksClient().NewListPager("MC_multi_"+name+"_westus2", zones[name], nil)
		page, err := pager.NextPage(l.ctx)
		if err != nil || len(page.Value) != 1 || !strings.HasSuffix(deref(page.Value[0].Properties.VirtualNetwork.ID), "/cluster-vnet") {
			t.Fatalf("links of %s's zone: %v %v", name, err, page.Value)
		}
	}

	// A VM in the VNet reaches both API servers by their private FQDNs.
	inside := l.publicVM("inside", "cluster-vnet")
	for _, name := range []string{"c1", "c2"} {
		out, err := sshRun(keyPath, inside, kubectlNodes, l.kubeconfig(name, false))
		if err != nil || strings.Count(out, " Ready ") != 1 {
			t.Fatalf("kubectl on %s from the shared VNet: %v\n%s", name, err, out)
		}
	}

	// A zone whose name overlaps one the VNet is linked to cannot be linked too.
	zp, err := l.dns.NewPrivateZonesClient().BeginCreateOrUpdate(l.ctx, "multi", "privatelink.westus2.azmk8s.io",
		armprivatedns.PrivateZone{Location: to.Ptr("global")}, nil)
	if err == nil {
		_, err = zp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := l.linkZone("multi", "privatelink.westus2.azmk8s.io", "overlap", "cluster-vnet"); respCode(err) != "Conflict" ||
		!strings.Contains(err.Error(), "overlapping namespaces") {
		t.Fatalf("linking an overlapping zone: %v", err)
	}

	// The public FQDN resolves to the private endpoint everywhere Azure DNS
	// answers; from a peered VNet without a zone link kubectl uses it.
	c1, err := l.aks.NewManagedClustersClient().Get(l.ctx, "multi", "c1", nil)
	if err != nil {
		t.Fatal(err)
	}
	public := deref(c1.Properties.Fqdn)
	if !strings.HasSuffix(public, ".hcp.westus2.azmk8s.io") {
		t.Fatalf("public FQDN %q", public)
	}
	pe, err := l.net.NewPrivateEndpointsClient().Get(l.ctx, "MC_multi_c1_westus2", "kube-apiserver", nil)
	if err != nil {
		t.Fatal(err)
	}
	peIP := deref(pe.Properties.CustomDNSConfigs[0].IPAddresses[0])
	l.vnet("peer-vnet", "10.3.0.0/16", "10.3.1.0/24")
	peer := l.publicVM("peer", "peer-vnet")
	l.peer("peer-vnet", "to-cluster", "cluster-vnet")
	l.peer("cluster-vnet", "to-peer", "peer-vnet")
	l.vnet("island", "10.4.0.0/16", "10.4.1.0/24")
	if _, err := l.nic("island-nic", "island", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.vm("island", "island-nic", l.key); err != nil {
		t.Fatal(err)
	}
	if out := l.run("island", "getent hosts "+public); !strings.Contains(out, peIP) {
		t.Fatalf("the public FQDN from an unpeered VNet: want %s, got %q", peIP, out)
	}
	if out, _ := sshRun(keyPath, peer, "getent hosts "+fqdns["c1"]+" || echo NXDOMAIN", ""); !strings.Contains(out, "NXDOMAIN") {
		t.Fatalf("the private FQDN resolves in an unlinked VNet: %s", out)
	}
	kcPublic := l.kubeconfig("c1", true)
	if !strings.Contains(kcPublic, "https://"+public+":443") {
		t.Fatalf("--public-fqdn kubeconfig:\n%s", kcPublic)
	}
	if out, err := sshRun(keyPath, peer, kubectlNodes, kcPublic); err != nil || strings.Count(out, " Ready ") != 1 {
		t.Fatalf("kubectl with the public FQDN from a peered, unlinked VNet: %v\n%s", err, out)
	}

	// --disable-public-fqdn withdraws the name.
	in.mustAksbox("aks", "update", "-g", "multi", "-n", "c1", "--disable-public-fqdn", "-o", "none")
	if out := l.run("island", "getent hosts "+public+" || echo NXDOMAIN"); !strings.Contains(out, "NXDOMAIN") {
		t.Fatalf("the public FQDN resolves after --disable-public-fqdn: %s", out)
	}
	if _, stderr, code := in.aksbox("aks", "get-credentials", "-g", "multi", "-n", "c1", "--public-fqdn", "-f", "-"); code == 0 ||
		!strings.Contains(stderr, "has no public FQDN") {
		t.Fatalf("credentials for a withdrawn public FQDN: %d %s", code, stderr)
	}
	in.mustAksbox("aks", "update", "-g", "multi", "-n", "c1", "--enable-public-fqdn", "-o", "none")
	if out := l.run("island", "getent hosts "+public); !strings.Contains(out, peIP) {
		t.Fatalf("the public FQDN after --enable-public-fqdn: %q", out)
	}

	// system → none: the zone goes, the nodes follow the public FQDN, and
	// the kubeconfig names it.
	in.mustAksbox("aks", "update", "-g", "multi", "-n", "c2", "--private-dns-zone", "none", "-o", "none")
	if _, err := l.dns.NewPrivateZonesClient().Get(l.ctx, "MC_multi_c2_westus2", zones["c2"], nil); respCode(err) != "ResourceNotFound" {
		t.Fatalf("c2's zone after the update to none: %v", err)
	}
	c2, err := l.aks.NewManagedClustersClient().Get(l.ctx, "multi", "c2", nil)
	if err != nil || deref(c2.Properties.ProvisioningState) != "Succeeded" || deref(c2.Properties.PrivateFQDN) != "" {
		t.Fatalf("c2 after the update to none: %v %v", err, c2.Properties)
	}
	kc2 := l.kubeconfig("c2", false)
	if !strings.Contains(kc2, "https://"+deref(c2.Properties.Fqdn)+":443") {
		t.Fatalf("c2's kubeconfig with privateDNSZone none:\n%s", kc2)
	}
	waitForOutput(t, func() (string, error) { return sshRun(keyPath, peer, kubectlNodes, kc2) }, " Ready ", 1)
	if _, stderr, code := in.aksbox("aks", "update", "-g", "multi", "-n", "c2", "--disable-public-fqdn"); code == 0 ||
		!strings.Contains(stderr, "--disable-public-fqdn cannot be applied for none mode private dns zone cluster") {
		t.Fatalf("disabling the public FQDN of a none cluster: %d %s", code, stderr)
	}
	back := l.seedCluster(l.subnetID("cluster-vnet"), 1)
	back.Properties.DNSPrefix = to.Ptr("c2")
	back.Properties.APIServerAccessProfile.PrivateDNSZone = to.Ptr("system")
	if _, err := l.create("c2", back); respCode(err) != "PropertyChangeNotAllowed" || !strings.Contains(err.Error(), "the only change allowed is to 'none'") {
		t.Fatalf("none → system: %v", err)
	}

	// privateDNSZone none needs the public FQDN.
	bad := l.seedCluster(l.subnetID("cluster-vnet"), 1)
	bad.Properties.APIServerAccessProfile.PrivateDNSZone = to.Ptr("none")
	bad.Properties.APIServerAccessProfile.EnablePrivateClusterPublicFQDN = to.Ptr(false)
	if _, err := l.create("c3", bad); respCode(err) != "InvalidParameter" || !strings.Contains(err.Error(), "enablePrivateClusterPublicFQDN") {
		t.Fatalf("none without a public FQDN: %v", err)
	}

	in.mustAksbox("group", "delete", "-n", "multi", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
	if n := in.etcdKeys("/aksbox/clusters/"); n != 0 {
		t.Fatalf("%d Kubernetes keys left in etcd", n)
	}
}

// The AKS docs' hub and spoke with custom DNS: a DNS forwarder VM (the real
// dnsmasq) in a hub VNet that forwards to 168.63.129.16, a spoke VNet whose
// DNS server it is. A private cluster in the spoke fails as AKS fails while
// the hub cannot resolve its zone, and recovers once the zone is linked to
// the hub and the cluster reconciled; then kubectl works from a spoke VM.
// A change of the spoke's DNS servers reaches its running VMs.
func TestHubAndSpokeCustomDNS(t *testing.T) {
	needRoot(t)
	for _, tool := range []string{"kubectl", "dnsmasq"} {
		testenv.Tool(t, tool, "install kubectl, dnsmasq and libc-bin")
	}
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "hub")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("hub-vnet", "10.20.0.0/16", "10.20.1.0/24")
	if _, err := l.nic("dns-nic", "hub-vnet", "10.20.1.4"); err != nil {
		t.Fatal(err)
	}
	if err := l.vm("dns", "dns-nic", l.key); err != nil {
		t.Fatal(err)
	}
	if out := l.run("dns", "dnsmasq --no-resolv --no-hosts --server=168.63.129.16 --listen-address=10.20.1.4 --bind-interfaces --pid-file=/run/dnsmasq.pid --log-facility=/dev/null && echo started"); !strings.Contains(out, "started") {
		t.Fatalf("starting dnsmasq in the forwarder VM: %s", out)
	}
	// The VM's dnsmasq as the host sees it.
	pid := processWith(t, "--listen-address=10.20.1.4")
	t.Cleanup(func() { _ = exec.Command("kill", pid).Run() })

	spoke := vnetBody("10.21.0.0/16", [2]string{"s", "10.21.1.0/24"})
	spoke.Properties.DhcpOptions = &armnetwork.DhcpOptions{DNSServers: []*string{to.Ptr("10.20.1.4")}}
	l.putVNet("spoke-vnet", spoke)
	l.peer("hub-vnet", "to-spoke", "spoke-vnet")
	l.peer("spoke-vnet", "to-hub", "hub-vnet")
	client := l.publicVM("client", "spoke-vnet")
	if out, _ := sshRun(keyPath, client, "cat /etc/resolv.conf", ""); !strings.Contains(out, "nameserver 10.20.1.4") || strings.Contains(out, "168.63.129.16") {
		t.Fatalf("the spoke VM's resolv.conf:\n%s", out)
	}
	nic, err := l.net.NewInterfacesClient().Get(l.ctx, "hub", "client-nic", nil)
	if err != nil || len(nic.Properties.DNSSettings.AppliedDNSServers) != 1 || deref(nic.Properties.DNSSettings.AppliedDNSServers[0]) != "10.20.1.4" {
		t.Fatalf("the NIC's applied DNS servers: %v %v", err, nic.Properties.DNSSettings)
	}

	// The cluster's zone is linked to the spoke only; the forwarder asks the
	// hub's Azure DNS, which does not know it: the nodes cannot resolve the
	// API server, and the create fails as AKS's does.
	_, err = l.create("c1", l.seedCluster(l.subnetID("spoke-vnet"), 2))
	if respCode(err) != "K8SAPIServerDNSLookupFailVMExtensionError" || !strings.Contains(err.Error(), "exit status=52") ||
		!strings.Contains(err.Error(), "10.20.1.4") {
		t.Fatalf("creating a cluster whose nodes cannot resolve the API server: %v", err)
	}
	mc, err := l.aks.NewManagedClustersClient().Get(l.ctx, "hub", "c1", nil)
	if err != nil || deref(mc.Properties.ProvisioningState) != "Failed" {
		t.Fatalf("the cluster after the failed create: %v %v", err, mc.Properties)
	}
	fqdn := deref(mc.Properties.PrivateFQDN)
	_, zone, _ := strings.Cut(fqdn, ".")

	// Network Watcher names the DNS server the source asks and the link
	// that is missing.
	watch := func(status string, details ...string) {
		t.Helper()
		out := in.mustAksbox("network", "watcher", "test-connectivity", "-g", "hub", "--source-resource", "client",
			"--dest-address", fqdn, "--dest-port", "443")
		if !strings.Contains(out, `"connectionStatus": "`+status+`"`) {
			t.Fatalf("test-connectivity: want %s:\n%s", status, out)
		}
		for _, d := range details {
			if !strings.Contains(out, d) {
				t.Fatalf("test-connectivity: want %q in:\n%s", d, out)
			}
		}
	}
	watch("Unreachable", "custom DNS server(s) 10.20.1.4", "not to the DNS server's VNet 'hub-vnet'. Link it: aksbox network private-dns link vnet create -g MC_hub_c1_westus2")

	// Link the zone to the hub (where the forwarder's queries are
	// answered) and reconcile: the cluster recovers.
	if err := l.linkZone("MC_hub_c1_westus2", zone, "hub", "hub-vnet"); err != nil {
		t.Fatal(err)
	}
	in.mustAksbox("aks", "update", "-g", "hub", "-n", "c1", "-o", "none")
	watch("Reachable", `"type": "PrivateEndpoint"`)
	mc, err = l.aks.NewManagedClustersClient().Get(l.ctx, "hub", "c1", nil)
	if err != nil || deref(mc.Properties.ProvisioningState) != "Succeeded" {
		t.Fatalf("the cluster after the reconcile: %v %v", err, mc.Properties)
	}
	out, err := sshRun(keyPath, client, "getent hosts "+fqdn+" && "+kubectlNodes, l.kubeconfig("c1", false))
	if err != nil || strings.Count(out, " Ready ") != 2 {
		t.Fatalf("kubectl from the spoke through the forwarder: %v\n%s", err, out)
	}

	// Back to Azure-provided DNS: the running VM's lease is renewed at once.
	plain := vnetBody("10.21.0.0/16", [2]string{"s", "10.21.1.0/24"})
	l.putVNet("spoke-vnet", plain)
	if out, _ := sshRun(keyPath, client, "cat /etc/resolv.conf", ""); !strings.Contains(out, "nameserver 168.63.129.16") {
		t.Fatalf("the spoke VM's resolv.conf after the DNS servers were removed:\n%s", out)
	}

	// Custom DNS servers must be IPv4 addresses.
	if _, stderr, code := in.aksbox("network", "vnet", "update", "-g", "hub", "-n", "spoke-vnet", "--dns-servers", "10.20.1.400"); code == 0 ||
		!strings.Contains(stderr, "not a valid IPv4 address") {
		t.Fatalf("a bad DNS server: %d %s", code, stderr)
	}

	in.mustAksbox("group", "delete", "-n", "hub", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
	if running(pid) {
		t.Fatalf("the forwarder VM's dnsmasq (pid %s) outlived the VM", pid)
	}
}
