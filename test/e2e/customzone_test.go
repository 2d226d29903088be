package e2e

import (
	"strings"
	"testing"
)

// privateDNSZone set to a zone of the customer's, as the AKS docs describe:
// the cluster must run as a user-assigned identity holding Private DNS Zone
// Contributor on the zone and Network Contributor on the VNet; the record
// goes into the customer's zone under the FQDN subdomain; a group holding
// the cluster, its zone, identity and network deletes in one go.
func TestCustomPrivateDNSZone(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "byo")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	zone := in.mustAksbox("network", "private-dns", "zone", "create", "-g", "byo", "-n", "privatelink.westus2.azmk8s.io", "--query", "id", "-o", "tsv")
	zone = strings.TrimSpace(zone)
	identity := strings.TrimSpace(in.mustAksbox("identity", "create", "-g", "byo", "-n", "aks-id", "--query", "id", "-o", "tsv"))
	principal := strings.TrimSpace(in.mustAksbox("identity", "show", "-g", "byo", "-n", "aks-id", "--query", "principalId", "-o", "tsv"))
	vnet := "/subscriptions/" + in.Sub + "/resourceGroups/byo/providers/Microsoft.Network/virtualNetworks/cluster-vnet"
	create := func(extra ...string) (string, string, int) {
		args := append([]string{"aks", "create", "-g", "byo", "-n", "c1", "--enable-private-cluster", "--load-balancer-sku", "standard",
			"--network-plugin", "azure", "--vnet-subnet-id", l.subnetID("cluster-vnet"), "--service-cidr", "10.2.0.0/24",
			"--dns-service-ip", "10.2.0.10", "--node-count", "1", "--generate-ssh-keys", "-o", "json"}, extra...)
		return in.aksbox(args...)
	}
	refused := func(what, want string, extra ...string) {
		t.Helper()
		if _, stderr, code := create(extra...); code == 0 || !strings.Contains(stderr, want) {
			t.Fatalf("%s: exit %d, want %q in:\n%s", what, code, want, stderr)
		}
	}
	refused("no identity", "needs the cluster to run as a user-assigned identity", "--private-dns-zone", zone)
	refused("a missing identity", "was not found", "--private-dns-zone", zone, "--assign-identity", identity+"x")
	refused("FQDN subdomain with the system zone", "--fqdn-subdomain should only be used for private cluster with custom private dns zone",
		"--private-dns-zone", "system", "--fqdn-subdomain", "team1")
	refused("FQDN subdomain and DNS prefix", "--dns-name-prefix and --fqdn-subdomain cannot be used at same time",
		"--private-dns-zone", zone, "--fqdn-subdomain", "team1", "--dns-name-prefix", "p")
	refused("a zone with another name", "must be named privatelink.westus2.azmk8s.io or <subzone>.privatelink.westus2.azmk8s.io",
		"--private-dns-zone", strings.Replace(zone, "privatelink.westus2", "privatelink.eastus", 1), "--assign-identity", identity)
	refused("a zone that does not exist", "was not found",
		"--private-dns-zone", strings.Replace(zone, "/byo/", "/nowhere/", 1), "--assign-identity", identity)
	byo := []string{"--private-dns-zone", zone, "--assign-identity", identity, "--fqdn-subdomain", "team1"}
	refused("no role on the zone", "CustomPrivateDNSZoneMissingPermissionError", byo...)
	in.mustAksbox("role", "assignment", "create", "--assignee-object-id", principal, "--role", "Private DNS Zone Contributor", "--scope", zone, "-o", "none")
	refused("no role on the VNet", "Microsoft.Network/virtualNetworks/join/action", byo...)
	in.mustAksbox("role", "assignment", "create", "--assignee-object-id", principal, "--role", "Network Contributor", "--scope", vnet, "-o", "none")
	if n := len(in.namespaces()); n != 1 { // the VNet's router only: nothing half-made
		t.Fatalf("%d namespaces after the refused creates, want 1: %v", n, in.namespaces())
	}
	out, stderr, code := create(byo...)
	if code != 0 {
		t.Fatalf("aks create with the customer's zone: %s\n%s", stderr, in.log)
	}
	for _, want := range []string{`"fqdnSubdomain": "team1"`, `"privateFqdn": "team1-`, `.privatelink.westus2.azmk8s.io"`, `"type": "UserAssigned"`, principal} {
		if !strings.Contains(out, want) {
			t.Fatalf("the cluster lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"dnsPrefix": "`) {
		t.Fatalf("a dnsPrefix was invented beside fqdnSubdomain:\n%s", out)
	}
	records := in.mustAksbox("network", "private-dns", "record-set", "a", "list", "-g", "byo", "-z", "privatelink.westus2.azmk8s.io", "--query", "[].name", "-o", "tsv")
	if !strings.HasPrefix(strings.TrimSpace(records), "team1-") {
		t.Fatalf("records of the customer's zone: %q", records)
	}
	links := in.mustAksbox("network", "private-dns", "link", "vnet", "list", "-g", "byo", "-z", "privatelink.westus2.azmk8s.io", "--query", "[].virtualNetwork.id", "-o", "tsv")
	if !strings.EqualFold(strings.TrimSpace(links), vnet) {
		t.Fatalf("links of the customer's zone: %q", links)
	}
	jump := l.publicVM("jump", "cluster-vnet")
	if out, err := sshRun(keyPath, jump, kubectlNodes, l.kubeconfig("c1", false)); err != nil || strings.Count(out, " Ready ") != 1 {
		t.Fatalf("kubectl through the customer's zone: %v\n%s", err, out)
	}

	// One group holding the cluster, the zone it writes to, its identity and
	// its network goes in one delete.
	in.mustAksbox("group", "delete", "-n", "byo", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
	if n := in.etcdKeys("/aksbox/clusters/"); n != 0 {
		t.Fatalf("%d Kubernetes keys left in etcd", n)
	}
}
