package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
)

// API Server VNet Integration through the CLI, as the AKS docs drive it:
// the API server's address is projected into a delegated subnet of the
// cluster's VNet, the private FQDN resolves to it, and the real kubectl on
// a VM of that VNet (over real SSH) lists the node. What AKS refuses is
// refused: an undelegated or too small subnet, the subnet without the
// flag, turning the integration off; an update that leaves it out keeps it.
// Enabling it on a cluster takes effect through stop and start; a public
// cluster may have it too.
func TestAPIServerVNetIntegration(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "vi")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	pub := filepath.Join(t.TempDir(), "id.pub")
	if err := os.WriteFile(pub, []byte(authorized+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	in.mustAksbox("network", "vnet", "subnet", "create", "-g", "vi", "--vnet-name", "cluster-vnet", "-n", "apiserver", "--address-prefixes", "10.1.2.0/28")
	in.mustAksbox("network", "vnet", "subnet", "create", "-g", "vi", "--vnet-name", "cluster-vnet", "-n", "tiny", "--address-prefixes", "10.1.3.0/29",
		"--delegations", "Microsoft.ContainerService/managedClusters")
	apiSubnet := strings.TrimSuffix(l.subnetID("cluster-vnet"), "/s") + "/apiserver"
	create := func(subnet string, extra ...string) (string, string, int) {
		args := append([]string{"aks", "create", "-g", "vi", "-n", "c1", "--enable-private-cluster", "--load-balancer-sku", "standard",
			"--network-plugin", "azure", "--vnet-subnet-id", l.subnetID("cluster-vnet"), "--service-cidr", "10.2.0.0/24", "--dns-service-ip", "10.2.0.10",
			"--node-count", "1", "--ssh-key-value", pub, "--apiserver-subnet-id", subnet}, extra...)
		return in.aksbox(args...)
	}
	for _, c := range []struct {
		name, subnet, want string
		extra              []string
	}{
		{"subnet without the flag", apiSubnet, `"--apiserver-subnet-id" requires "--enable-apiserver-vnet-integration".`, nil},
		{"undelegated subnet", apiSubnet, "must be delegated to Microsoft.ContainerService/managedClusters", []string{"--enable-apiserver-vnet-integration"}},
		{"too small a subnet", strings.TrimSuffix(apiSubnet, "/apiserver") + "/tiny", "it needs at least a /28", []string{"--enable-apiserver-vnet-integration"}},
	} {
		if out, errOut, code := create(c.subnet, c.extra...); code == 0 || !strings.Contains(errOut, c.want) {
			t.Fatalf("%s: exit %d, want %q\n%s%s", c.name, code, c.want, out, errOut)
		}
	}
	if code, _, _ := in.call("GET", "/subscriptions/"+in.Sub+"/resourceGroups/vi/providers/Microsoft.ContainerService/managedClusters/c1?api-version=2025-07-01", ""); code != 404 {
		t.Fatalf("a refused create left a cluster (%d)", code)
	}
	in.mustAksbox("network", "vnet", "subnet", "update", "-g", "vi", "--vnet-name", "cluster-vnet", "-n", "apiserver",
		"--delegations", "Microsoft.ContainerService/managedClusters")
	if out, errOut, code := create(apiSubnet, "--enable-apiserver-vnet-integration"); code != 0 {
		t.Fatalf("creating the VNet-integrated cluster: exit %d\n%s%s\n%s", code, out, errOut, in.log)
	}
	mcPath := "/subscriptions/" + in.Sub + "/resourceGroups/vi/providers/Microsoft.ContainerService/managedClusters/c1?api-version=2025-07-01"
	mc := getJSON(t, in, mcPath)
	if at(mc, "properties.apiServerAccessProfile.enableVnetIntegration") != true ||
		!strings.EqualFold(at(mc, "properties.apiServerAccessProfile.subnetId").(string), apiSubnet) {
		t.Fatalf("the access profile: %v", at(mc, "properties.apiServerAccessProfile"))
	}
	fqdn := at(mc, "properties.privateFQDN").(string)

	// The API server's address is in the API server subnet; the private
	// FQDN resolves to it, and kubectl from the VNet works.
	ilb := func(cluster string) (string, string) {
		t.Helper()
		lb := getJSON(t, in, "/subscriptions/"+in.Sub+"/resourceGroups/MC_vi_"+cluster+"_westus2/providers/Microsoft.Network/loadBalancers/kube-apiserver?api-version=2024-07-01")
		subnet, _ := at(lb, "properties.frontendIPConfigurations.0.properties.subnet.id").(string)
		ip, _ := at(lb, "properties.frontendIPConfigurations.0.properties.privateIPAddress").(string)
		return subnet, ip
	}
	nodePE := func(cluster string) int {
		code, _, _ := in.call("GET", "/subscriptions/"+in.Sub+"/resourceGroups/MC_vi_"+cluster+"_westus2/providers/Microsoft.Network/privateEndpoints/kube-apiserver?api-version=2024-07-01", "")
		return code
	}
	subnet, ip := ilb("c1")
	if !strings.EqualFold(subnet, apiSubnet) || !strings.HasPrefix(ip, "10.1.2.") || nodePE("c1") != 404 {
		t.Fatalf("the internal load balancer's frontend: %s in %s (want 10.1.2.0/28 in the API server subnet); node-subnet endpoint %d", ip, subnet, nodePE("c1"))
	}
	lbPath := "/subscriptions/" + in.Sub + "/resourceGroups/MC_vi_c1_westus2/providers/Microsoft.Network/loadBalancers/kube-apiserver?api-version=2024-07-01"
	if code, m, _ := in.call("PUT", lbPath, `{"location":"westus2"}`); code != 400 || errCode(m) != "OperationNotAllowed" {
		t.Fatalf("a client's load balancer write: %d %v", code, m)
	}
	if code, m, _ := in.call("DELETE", lbPath, ""); code != 400 || errCode(m) != "OperationNotAllowed" {
		t.Fatalf("a client's load balancer delete: %d %v", code, m)
	}
	inside := l.publicVM("inside", "cluster-vnet")
	if out, err := sshRun(keyPath, inside, "getent hosts "+fqdn, ""); err != nil || !strings.Contains(out, ip) {
		t.Fatalf("%s from the VNet: %v %q, want %s", fqdn, err, out, ip)
	}
	if out, err := sshRun(keyPath, inside, kubectlNodes, l.kubeconfig("c1", false)); err != nil || strings.Count(out, " Ready ") != 1 {
		t.Fatalf("kubectl from the VNet: %v\n%s", err, out)
	}

	// An update that does not name the integration keeps it; turning it
	// off is refused.
	in.mustAksbox("aks", "update", "-g", "vi", "-n", "c1", "--tags", "team=net")
	if at(getJSON(t, in, mcPath), "properties.apiServerAccessProfile.enableVnetIntegration") != true {
		t.Fatal("an update without the integration turned it off")
	}
	body := `{"location":"westus2","properties":{"dnsPrefix":"` + at(mc, "properties.dnsPrefix").(string) + `",` +
		`"agentPoolProfiles":[{"name":"nodepool1","count":1,"mode":"System","vnetSubnetID":"` + l.subnetID("cluster-vnet") + `"}],` +
		`"networkProfile":{"networkPlugin":"azure","loadBalancerSku":"standard","serviceCidr":"10.2.0.0/24","dnsServiceIP":"10.2.0.10"},` +
		`"apiServerAccessProfile":{"enablePrivateCluster":true,"enableVnetIntegration":false}}}`
	if code, m, _ := in.call("PUT", mcPath, body); code != 400 || errCode(m) != "PropertyChangeNotAllowed" {
		t.Fatalf("turning the integration off: %d %v", code, m)
	}

	// Enabling it on an existing cluster takes effect at the next stop and
	// start, as AKS documents: the API server moves into the subnet.
	create2 := []string{"aks", "create", "-g", "vi", "-n", "c2", "--enable-private-cluster", "--load-balancer-sku", "standard",
		"--network-plugin", "azure", "--vnet-subnet-id", l.subnetID("cluster-vnet"), "--service-cidr", "10.3.0.0/24", "--dns-service-ip", "10.3.0.10",
		"--node-count", "1", "--ssh-key-value", pub}
	in.mustAksbox(create2...)
	pe2 := "/subscriptions/" + in.Sub + "/resourceGroups/MC_vi_c2_westus2/providers/Microsoft.Network/privateEndpoints/kube-apiserver?api-version=2024-07-01"
	if !strings.HasSuffix(at(getJSON(t, in, pe2), "properties.subnet.id").(string), "/subnets/s") {
		t.Fatal("c2's endpoint is not in the node subnet before the update")
	}
	if _, errOut, code := in.aksbox("aks", "update", "-g", "vi", "-n", "c2", "--enable-apiserver-vnet-integration"); code == 0 ||
		!strings.Contains(errOut, "--apiserver-subnet-id is required for update with --enable-apiserver-vnet-integration.") {
		t.Fatalf("enabling without the subnet: exit %d %s", code, errOut)
	}
	in.mustAksbox("aks", "update", "-g", "vi", "-n", "c2", "--enable-apiserver-vnet-integration", "--apiserver-subnet-id", apiSubnet)
	in.mustAksbox("aks", "stop", "-g", "vi", "-n", "c2")
	in.mustAksbox("aks", "start", "-g", "vi", "-n", "c2")
	subnet2, ip2 := ilb("c2")
	if !strings.EqualFold(subnet2, apiSubnet) || nodePE("c2") != 404 {
		t.Fatalf("after stop and start c2's API server frontend is in %s (node-subnet endpoint %d), want the API server subnet", subnet2, nodePE("c2"))
	}
	if out, err := sshRun(keyPath, inside, kubectlNodes, l.kubeconfig("c2", false)); err != nil || strings.Count(out, " Ready ") != 1 || !strings.HasPrefix(ip2, "10.1.2.") {
		t.Fatalf("kubectl on c2 (%s) after the integration: %v\n%s", ip2, err, out)
	}

	// A public cluster may have it too: its nodes reach the API server at
	// its address in the subnet, which the create waits for.
	in.mustAksbox("aks", "create", "-g", "vi", "-n", "c3", "--load-balancer-sku", "standard", "--network-plugin", "azure",
		"--vnet-subnet-id", l.subnetID("cluster-vnet"), "--service-cidr", "10.4.0.0/24", "--dns-service-ip", "10.4.0.10",
		"--node-count", "1", "--ssh-key-value", pub, "--enable-apiserver-vnet-integration", "--apiserver-subnet-id", apiSubnet)
	if subnet3, _ := ilb("c3"); !strings.EqualFold(subnet3, apiSubnet) {
		t.Fatalf("the public cluster's API server frontend is in %v", subnet3)
	}
	in.mustAksbox("group", "delete", "-n", "vi", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("left: %v", ns)
	}
}
