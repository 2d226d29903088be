package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/aksbox/aksbox/internal/testenv"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// aksLab is a netLab with the container service's clients.
type aksLab struct {
	*netLab
	aks *armcontainerservice.ClientFactory
	dns *armprivatedns.ClientFactory
}

func newAKSLab(t testing.TB, in *instanceT, rg string) *aksLab {
	t.Helper()
	in.mustAksbox("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")
	l := newNetLab(t, in, rg)
	af, err := armcontainerservice.NewClientFactory(in.Sub, in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	df, err := armprivatedns.NewClientFactory(in.Sub, in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return &aksLab{netLab: l, aks: af, dns: df}
}

// seedCluster is the seed's "Advanced Networking" cluster in subnet.
func (l *aksLab) seedCluster(subnet string, nodes int32) armcontainerservice.ManagedCluster {
	return armcontainerservice.ManagedCluster{Location: to.Ptr("westus2"), Properties: &armcontainerservice.ManagedClusterProperties{
		DNSPrefix: to.Ptr("seed"),
		AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{{Name: to.Ptr("nodepool1"), Count: to.Ptr(nodes),
			Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem), VnetSubnetID: to.Ptr(subnet)}},
		LinuxProfile: &armcontainerservice.LinuxProfile{AdminUsername: to.Ptr("azureuser"), SSH: &armcontainerservice.SSHConfiguration{
			PublicKeys: []*armcontainerservice.SSHPublicKey{{KeyData: to.Ptr(l.key)}}}},
		NetworkProfile: &armcontainerservice.NetworkProfile{NetworkPlugin: to.Ptr(armcontainerservice.NetworkPluginAzure),
			LoadBalancerSKU: to.Ptr(armcontainerservice.LoadBalancerSKUStandard),
			DNSServiceIP:    to.Ptr("10.2.0.10"), ServiceCidr: to.Ptr("10.2.0.0/24")},
		APIServerAccessProfile: &armcontainerservice.ManagedClusterAPIServerAccessProfile{EnablePrivateCluster: to.Ptr(true)},
	}}
}

func (l *aksLab) create(name string, mc armcontainerservice.ManagedCluster) (armcontainerservice.ManagedCluster, error) {
	p, err := l.aks.NewManagedClustersClient().BeginCreateOrUpdate(l.ctx, l.rg, name, mc, nil)
	if err != nil {
		return armcontainerservice.ManagedCluster{}, err
	}
	resp, err := p.PollUntilDone(l.ctx, &runtimePoll)
	return resp.ManagedCluster, err
}

// ssh runs a command on a VM with the real OpenSSH client.
func sshRun(key, ip, cmd string, stdin string) (string, error) {
	c := exec.Command("ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "azureuser@"+ip, cmd)
	c.Stdin = strings.NewReader(stdin)
	out, err := c.CombinedOutput()
	return string(out), err
}

// The seed end to end through the SDK: a private cluster in a user subnet
// with real nodes; a jump box in another VNet reaches the API server with
// the real kubectl over the real ssh only once the VNets are peered both
// ways and its VNet is linked to the cluster's zone; an island VNet never
// does; deleting the cluster leaves nothing behind.
func TestPrivateClusterSeed(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "aks")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	begin := time.Now()
	mc, err := l.create("private", l.seedCluster(l.subnetID("cluster-vnet"), 2))
	if err != nil {
		t.Fatalf("creating the seed's cluster: %v\n%s", err, in.log)
	}
	t.Logf("aks create to Succeeded (nodes Ready): %s", time.Since(begin))
	pr := mc.Properties
	fqdn := deref(pr.PrivateFQDN)
	// AKS names the system zone <guid>.privatelink.<region>.azmk8s.io and,
	// unless told not to, gives a private cluster a public FQDN too.
	host, zone, _ := strings.Cut(fqdn, ".")
	if !strings.HasSuffix(zone, ".privatelink.westus2.azmk8s.io") || len(strings.TrimSuffix(zone, ".privatelink.westus2.azmk8s.io")) != 36 ||
		!strings.HasPrefix(fqdn, "seed-") || deref(pr.Fqdn) != host+".hcp.westus2.azmk8s.io" {
		t.Fatalf("private FQDN %q, public %q", fqdn, deref(pr.Fqdn))
	}
	if deref(pr.NodeResourceGroup) != "MC_aks_private_westus2" || deref(pr.ProvisioningState) != "Succeeded" {
		t.Fatalf("node group %q state %q", deref(pr.NodeResourceGroup), deref(pr.ProvisioningState))
	}
	// What AKS puts in the node resource group, as ARM resources.
	mcg := "MC_aks_private_westus2"
	pe, err := l.net.NewPrivateEndpointsClient().Get(l.ctx, mcg, "kube-apiserver", nil)
	if err != nil {
		t.Fatalf("the kube-apiserver private endpoint: %v", err)
	}
	if !strings.EqualFold(deref(pe.Properties.Subnet.ID), l.subnetID("cluster-vnet")) {
		t.Fatalf("endpoint subnet %s", deref(pe.Properties.Subnet.ID))
	}
	rec := host
	rs, err := l.dns.NewRecordSetsClient().Get(l.ctx, mcg, zone, armprivatedns.RecordTypeA, rec, nil)
	if err != nil || len(rs.Properties.ARecords) != 1 {
		t.Fatalf("A record %s: %v", rec, err)
	}
	peIP := deref(rs.Properties.ARecords[0].IPv4Address)
	if !strings.HasPrefix(peIP, "10.1.1.") {
		t.Fatalf("the endpoint's address %s is not in the node subnet", peIP)
	}
	vms := 0
	pager := l.comp.NewVirtualMachinesClient().NewListPager(mcg, nil)
	for pager.More() {
		page, err := pager.NextPage(l.ctx)
		if err != nil {
			t.Fatal(err)
		}
		vms += len(page.Value)
	}
	if vms != 2 {
		t.Fatalf("%d node VMs, want 2", vms)
	}

	// Credentials: the user's and the admin's differ, both name the private FQDN.
	user, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, "aks", "private", nil)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := l.aks.NewManagedClustersClient().ListClusterAdminCredentials(l.ctx, "aks", "private", nil)
	if err != nil {
		t.Fatal(err)
	}
	kc := string(user.Kubeconfigs[0].Value)
	if !strings.Contains(kc, "https://"+fqdn+":443") || string(admin.Kubeconfigs[0].Value) == kc ||
		!strings.Contains(kc, "clusterUser_aks_private") {
		t.Fatalf("user kubeconfig:\n%s", kc)
	}

	// A jump box in another VNet: no name, no path until peered and linked.
	l.vnet("jump-vnet", "10.3.0.0/16", "10.3.1.0/24")
	jumpIP := l.publicVM("jump", "jump-vnet")
	kubectl := "cat > kc && kubectl --kubeconfig kc --request-timeout=10s get nodes -o wide"
	resolves := func() bool {
		out, _ := sshRun(keyPath, jumpIP, "getent hosts "+fqdn+" || echo NXDOMAIN", "")
		return strings.Contains(out, peIP)
	}
	if resolves() || l.reaches("jump", peIP) {
		t.Fatal("an unpeered, unlinked VNet resolves or reaches the API server")
	}
	// Network Watcher explains each failing hop.
	watch := func(dest, status, detail string) {
		t.Helper()
		out := in.mustAksbox("network", "watcher", "test-connectivity", "-g", "aks", "--source-resource", "jump",
			"--dest-address", dest, "--dest-port", "443")
		if !strings.Contains(out, `"connectionStatus": "`+status+`"`) || !strings.Contains(out, detail) {
			t.Fatalf("test-connectivity to %s: want %s and %q:\n%s", dest, status, detail, out)
		}
	}
	watch(fqdn, "Unreachable", "not to the source's VNet 'jump-vnet'. Link it: aksbox network private-dns link vnet create -g MC_aks_private_westus2")
	watch(peIP, "Unreachable", "is in virtual network 'cluster-vnet', which is not peered with the source's 'jump-vnet'")
	l.peer("jump-vnet", "to-cluster", "cluster-vnet")
	watch(peIP, "Unreachable", "'cluster-vnet' has no peering back")
	l.peer("cluster-vnet", "to-jump", "jump-vnet")
	watch(peIP, "Reachable", `"type": "PrivateEndpoint"`)
	if !l.reaches("jump", peIP) {
		t.Fatal("peered both ways, the endpoint's address is not reachable")
	}
	if resolves() {
		t.Fatal("a peered but unlinked VNet resolves the private FQDN")
	}
	if out, err := sshRun(keyPath, jumpIP, kubectl, kc); err == nil {
		t.Fatalf("kubectl worked from a VNet not linked to the zone:\n%s", out)
	}
	lp, err := l.dns.NewVirtualNetworkLinksClient().BeginCreateOrUpdate(l.ctx, mcg, zone, "jump", armprivatedns.VirtualNetworkLink{
		Location: to.Ptr("global"), Properties: &armprivatedns.VirtualNetworkLinkProperties{RegistrationEnabled: to.Ptr(false),
			VirtualNetwork: &armprivatedns.SubResource{ID: to.Ptr("/subscriptions/" + in.Sub + "/resourceGroups/aks/providers/Microsoft.Network/virtualNetworks/jump-vnet")}}}, nil)
	if err == nil {
		_, err = lp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatal(err)
	}
	watch(fqdn, "Reachable", "/privateEndpoints/kube-apiserver")
	out, err := sshRun(keyPath, jumpIP, kubectl, kc)
	if err != nil || strings.Count(out, " Ready ") != 2 || !strings.Contains(out, "10.1.1.") {
		t.Fatalf("kubectl get nodes from the jump box: %v\n%s", err, out)
	}
	out, err = sshRun(keyPath, jumpIP, "cat > kc && kubectl --kubeconfig kc version -o json", kc)
	if err != nil || !strings.Contains(out, `"gitVersion": "v1.33.13"`) {
		t.Fatalf("kubectl version: %v\n%s", err, out)
	}

	// A Deployment's pods run on the nodes.
	deploy := "cat > kc && kubectl --kubeconfig kc create deployment web --image=nginx --replicas=3 >/dev/null && " +
		"kubectl --kubeconfig kc rollout status deployment/web --timeout=60s && kubectl --kubeconfig kc get pods -o wide"
	out, err = sshRun(keyPath, jumpIP, deploy, kc)
	if err != nil || strings.Count(out, "Running") != 3 {
		t.Fatalf("deployment: %v\n%s", err, out)
	}

	// The cluster cannot become public.
	flip := l.seedCluster(l.subnetID("cluster-vnet"), 2)
	flip.Properties.APIServerAccessProfile.EnablePrivateCluster = to.Ptr(false)
	if _, err := l.create("private", flip); respCode(err) != "PropertyChangeNotAllowed" ||
		!strings.Contains(err.Error(), "Changing enablePrivateCluster is not allowed. It can only be set while creating the cluster.") {
		t.Fatalf("making the cluster public: %v", err)
	}

	// A restart of aksbox brings the cluster back with the same CA and credentials.
	in.stop()
	in.restart()
	waitForOutput(t, func() (string, error) { return sshRun(keyPath, jumpIP, kubectl, kc) }, " Ready ", 2)

	// A crashed control plane is restarted by its supervisor.
	if out, err := exec.Command("pkill", "-9", "-f", "__controlplane --config "+string(in.dir)).CombinedOutput(); err != nil {
		t.Fatalf("killing the control plane: %v %s", err, out)
	}
	waitForOutput(t, func() (string, error) { return sshRun(keyPath, jumpIP, kubectl, kc) }, " Ready ", 2)

	// An island VNet never reaches the endpoint.
	l.vnet("island", "10.4.0.0/16", "10.4.1.0/24")
	if _, err := l.nic("island-nic", "island", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.vm("island", "island-nic", l.key); err != nil {
		t.Fatal(err)
	}
	if l.reaches("island", peIP) {
		t.Fatal("an unpeered VNet reaches the API server's endpoint")
	}

	// Deleting the kube-apiserver endpoint breaks the cluster: its nodes go NotReady.
	l.deletePEIn(mcg, "kube-apiserver")
	adminKC := filepath.Join(t.TempDir(), "admin")
	if err := os.WriteFile(adminKC, admin.Kubeconfigs[0].Value, 0o600); err != nil {
		t.Fatal(err)
	}
	cpNS := in.namespaceWith("10.255.0.4/")
	waitForOutput(t, func() (string, error) {
		out, err := exec.Command(binary, "__nsexec", "--netns", cpNS, "--", "kubectl", "--kubeconfig", adminKC,
			"--server", "https://10.255.0.4:443", "--tls-server-name", fqdn, "get", "nodes").CombinedOutput()
		return string(out), err
	}, " NotReady ", 2)

	// Deleting the cluster leaves nothing: groups, namespaces, processes, keys, files.
	dp, err := l.aks.NewManagedClustersClient().BeginDelete(l.ctx, "aks", "private", nil)
	if err == nil {
		_, err = dp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.aks.NewManagedClustersClient().Get(l.ctx, "aks", "private", nil); respCode(err) != "ResourceNotFound" {
		t.Fatalf("after delete: %v", err)
	}
	if code, _, _ := in.call("GET", "/subscriptions/"+in.Sub+"/resourceGroups/"+mcg+"?api-version=2021-04-01", ""); code != 404 {
		t.Fatalf("the node resource group is left (%d)", code)
	}
	if entries, _ := os.ReadDir(filepath.Join(string(in.dir), "clusters")); len(entries) != 0 {
		t.Fatalf("cluster folders left: %v", entries)
	}
	if left := controlPlanePids(in); len(left) != 0 {
		t.Fatalf("control plane processes left: %v", left)
	}
	in.mustAksbox("group", "delete", "-n", "aks", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
	if n := in.etcdKeys("/aksbox/clusters/"); n != 0 {
		t.Fatalf("%d Kubernetes keys left in etcd", n)
	}
}

// waitForOutput runs probe until its output holds want n times (90 s at most).
func waitForOutput(t *testing.T, probe func() (string, error), want string, n int) {
	t.Helper()
	var out string
	var err error
	for i := 0; i < 90; i++ {
		if out, err = probe(); err == nil && strings.Count(out, want) == n {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("never saw %q %d times: %v\n%s", want, n, err, out)
}

// namespaceWith finds this instance's namespace that has the address addr
// (a prefix of "ip -o addr" output, such as "10.255.0.4/").
func (in *instanceT) namespaceWith(addr string) string {
	in.t.Helper()
	for _, ns := range in.namespaces() {
		out, _ := exec.Command(binary, "__nsexec", "--netns", ns, "--", "ip", "-4", "-o", "addr").Output()
		if strings.Contains(string(out), " "+addr) {
			return ns
		}
	}
	in.t.Fatalf("no namespace has %s", addr)
	return ""
}

// etcdKeys counts the keys under prefix in the instance's store.
func (in *instanceT) etcdKeys(prefix string) int64 {
	in.t.Helper()
	c, err := store.Dial(filepath.Join(string(in.dir), "store", "etcd.sock"))
	if err != nil {
		in.t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		in.t.Fatal(err)
	}
	return resp.Count
}

// A public cluster: the same minus the private endpoint; its API server
// has a public IP (of the instance's loopback pool) that the host's real
// kubectl reaches; its nodes come from the default aks-vnet.
func TestPublicCluster(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "pub")
	mc, err := l.create("public", armcontainerservice.ManagedCluster{Location: to.Ptr("westus2"), Properties: &armcontainerservice.ManagedClusterProperties{
		DNSPrefix: to.Ptr("pub"), AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{{Name: to.Ptr("nodepool1"), Count: to.Ptr[int32](1),
			Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem)}}}})
	if err != nil {
		t.Fatalf("creating a public cluster: %v\n%s", err, in.log)
	}
	if mc.Properties.PrivateFQDN != nil || !strings.HasSuffix(deref(mc.Properties.Fqdn), ".hcp.westus2.azmk8s.io") {
		t.Fatalf("FQDNs: private %v public %v", mc.Properties.PrivateFQDN, deref(mc.Properties.Fqdn))
	}
	mcg := "MC_pub_public_westus2"
	if _, err := l.net.NewPrivateEndpointsClient().Get(l.ctx, mcg, "kube-apiserver", nil); respCode(err) != "ResourceNotFound" {
		t.Fatalf("a public cluster has a private endpoint: %v", err)
	}
	vnets := l.net.NewVirtualNetworksClient().NewListPager(mcg, nil)
	page, err := vnets.NextPage(l.ctx)
	if err != nil || len(page.Value) != 1 || !strings.HasPrefix(deref(page.Value[0].Name), "aks-vnet-") ||
		deref(page.Value[0].Properties.AddressSpace.AddressPrefixes[0]) != "10.224.0.0/12" {
		t.Fatalf("default VNet: %v %+v", err, page.Value)
	}
	cred, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, "pub", "public", nil)
	if err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(t.TempDir(), "kc")
	if err := os.WriteFile(kc, cred.Kubeconfigs[0].Value, 0o600); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cred.Kubeconfigs[0].Value), "https://127.") {
		t.Fatalf("the kubeconfig does not name the public IP:\n%s", cred.Kubeconfigs[0].Value)
	}
	out, err := exec.Command("kubectl", "--kubeconfig", kc, "--request-timeout=10s", "get", "nodes", "-o", "wide").CombinedOutput()
	if err != nil || !strings.Contains(string(out), " Ready ") || !strings.Contains(string(out), "10.224.0.") {
		t.Fatalf("kubectl from the host: %v\n%s", err, out)
	}
	publicClusterPulls(t, in, kc)
	dp, err := l.aks.NewManagedClustersClient().BeginDelete(l.ctx, "pub", "public", nil)
	if err == nil {
		_, err = dp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("kubectl", "--kubeconfig", kc, "--request-timeout=3s", "get", "nodes").CombinedOutput(); err == nil {
		t.Fatalf("the public endpoint answers after delete:\n%s", out)
	}
	in.mustAksbox("group", "delete", "-n", "pub", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
}

// publicClusterPulls: a public cluster's nodes pull from a registry's
// public endpoint, as over the internet, with the kubelet identity once
// attached; with the registry's public access disabled they are refused
// (DENIED) and the pod stays in ImagePullBackOff.
func publicClusterPulls(t *testing.T, in *instanceT, kc string) {
	t.Helper()
	in.mustAksbox("provider", "register", "-n", "Microsoft.ContainerRegistry")
	in.mustAksbox("acr", "create", "-g", "pub", "-n", "pubreg01", "--sku", "Premium", "-o", "none")
	token := in.tsv("acr", "login", "-n", "pubreg01", "--expose-token", "--query", "accessToken")
	for _, tag := range []string{"v1", "v2"} {
		ref, _ := name.ParseReference("pubreg01.azurecr.io/app:" + tag)
		img, _ := random.Image(1024, 1)
		if err := remote.Write(ref, img, remote.WithTransport(in.registryTransport()), remote.WithAuth(&authn.Basic{Username: zeroUser, Password: token})); err != nil {
			t.Fatalf("push %s: %v", tag, err)
		}
	}
	in.mustAksbox("aks", "update", "-g", "pub", "-n", "public", "--attach-acr", "pubreg01", "-o", "none")
	kubectl := func(args ...string) (string, error) {
		out, err := exec.Command("kubectl", append([]string{"--kubeconfig", kc, "--request-timeout=10s"}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := kubectl("create", "deployment", "web", "--image=pubreg01.azurecr.io/app:v1"); err != nil {
		t.Fatalf("create deployment: %v %s", err, out)
	}
	if out, err := kubectl("rollout", "status", "deployment/web", "--timeout=120s"); err != nil {
		t.Fatalf("a public cluster's pull from the registry's public endpoint: %v\n%s", err, out)
	}
	in.mustAksbox("acr", "update", "-n", "pubreg01", "--public-network-enabled", "false", "-o", "none")
	if out, err := kubectl("create", "deployment", "web2", "--image=pubreg01.azurecr.io/app:v2"); err != nil {
		t.Fatalf("create deployment: %v %s", err, out)
	}
	var events string
	for i := 0; i < 90 && !strings.Contains(events, "is not allowed access"); i++ {
		time.Sleep(time.Second)
		events, _ = kubectl("get", "events", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")
	}
	if !strings.Contains(events, "DENIED: client with IP") {
		t.Fatalf("no event says the registry refused the node:\n%s", events)
	}
	if out, _ := kubectl("get", "pods", "-l", "app=web2", "--no-headers"); strings.Contains(out, "Running") {
		t.Fatalf("a pod runs without its image:\n%s", out)
	}
}

// Ctrl-C during 'aks create' only stops the CLI's waiting: the cluster is
// created all the same and 'aks wait --created' sees it through.
func TestAKSCreateInterrupted(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	t.Setenv("HOME", t.TempDir())
	in.mustAksbox("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.Network")
	in.mustAksbox("group", "create", "-n", "ctrlc", "-l", "westus2")
	cmd := exec.Command(binary, "aks", "create", "-n", "c", "-g", "ctrlc", "--enable-private-cluster", "--node-count", "1", "--generate-ssh-keys")
	cmd.Env = append(os.Environ(), "AKSBOX_STATE_DIR="+string(in.dir))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	_ = cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err == nil {
		t.Logf("aks create finished before the interrupt:\n%s", out.String())
	}
	in.mustAksbox("aks", "wait", "--created", "-n", "c", "-g", "ctrlc", "--interval", "1", "--timeout", "120")
	if state := strings.TrimSpace(in.mustAksbox("aks", "show", "-n", "c", "-g", "ctrlc", "--query", "provisioningState", "-o", "tsv")); state != "Succeeded" {
		t.Fatalf("after Ctrl-C the cluster is %s\n%s", state, out.String())
	}
	in.mustAksbox("group", "delete", "-n", "ctrlc", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
}
