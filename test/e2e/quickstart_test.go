package e2e

import (
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/testenv"
)

// The quickstart starts the cloud itself, walks the whole document — a
// private cluster, a jump box in a peered VNet that cannot resolve the API
// server until its VNet is linked, then kubectl listing the nodes over the
// real ssh, and no route from the host — and cleans up after itself.
func TestQuickstart(t *testing.T) {
	testenv.Root(t)
	dir := t.TempDir()
	t.Setenv("HOME", t.TempDir()) // --generate-ssh-keys and the kubeconfig go to ~
	run := func(args ...string) (string, int) { return runIn(dir, args...) }
	t.Cleanup(func() { run("down") })
	out, code := run("quickstart", "--listen", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("quickstart: exit %d\n%s", code, out)
	}
	for _, want := range []string{
		"$ aksbox extension update --name aks-preview",
		"$ aksbox feature register --name AKSPrivateLinkPreview --namespace Microsoft.ContainerService",
		"Microsoft.ContainerService/AKSPrivateLinkPreview  Registered",
		"$ aksbox provider register --namespace Microsoft.Network --wait",
		"$ aksbox aks create --resource-group aksbox-quickstart --name private-cluster --load-balancer-sku standard --enable-private-cluster --network-plugin azure --vnet-subnet-id /subscriptions/",
		"does not resolve",
		"(failed as it must;",
		"$ aksbox network private-dns link vnet create -g MC_aksbox-quickstart_private-cluster_westus2 -z ",
		".privatelink.westus2.azmk8s.io -n jump-vnet-link",
		"aks-nodepool1-",
		"$ ip route show match 10.1.1.",
		"no route from the host to 10.1.1.",
		"aksbox quickstart --cleanup",
		"Portal:    aksbox portal",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, " Ready "); n != 3 {
		t.Errorf("kubectl on the jump box listed %d Ready nodes, want 3:\n%s", n, out)
	}
	if out, _ := run("group", "exists", "-n", "aksbox-quickstart"); strings.TrimSpace(out) != "true" {
		t.Fatalf("quickstart group missing: %s", out)
	}
	quickstartTopology(t, dir)
	if out, code := run("quickstart", "--cleanup"); code != 0 || !strings.Contains(out, "Cleaned up") {
		t.Fatalf("cleanup: %d %s", code, out)
	}
	if out, _ := run("group", "exists", "-n", "aksbox-quickstart"); strings.TrimSpace(out) != "false" {
		t.Fatalf("quickstart group left after cleanup: %s", out)
	}
}

// quickstartTopology opens the portal's topology of the quickstart's group
// in a real browser: every VNet, peering, endpoint and zone link is drawn,
// and the jump box is shown able to reach the API server.
func quickstartTopology(t *testing.T, dir string) {
	srv, err := instance.Dir(dir).ReadServer()
	if err != nil {
		t.Fatal(err)
	}
	in := &instanceT{t: t, dir: instance.Dir(dir), Endpoint: srv.Endpoint}
	tsv := func(args ...string) []string {
		return strings.Fields(in.mustAksbox(append(args, "-o", "tsv")...))
	}
	g := "aksbox-quickstart"
	sub := tsv("account", "show", "--query", "id")[0]
	fqdn := tsv("aks", "show", "-g", g, "-n", "private-cluster", "--query", "privateFqdn")[0]
	node := tsv("aks", "show", "-g", g, "-n", "private-cluster", "--query", "nodeResourceGroup")[0]
	zone := fqdn[strings.IndexByte(fqdn, '.')+1:]
	want := []string{"Private endpoint kube-apiserver", "API server of private-cluster", zone}
	vnets := tsv("network", "vnet", "list", "-g", g, "--query", "[].name")
	if len(vnets) != 2 {
		t.Fatalf("the quickstart's VNets: %q", vnets)
	}
	for _, v := range vnets {
		want = append(want, "VNet "+v)
		for _, p := range tsv("network", "vnet", "peering", "list", "-g", g, "--vnet-name", v, "--query", "[].name") {
			want = append(want, p+": Connected")
		}
	}
	want = append(want, tsv("network", "private-dns", "link", "vnet", "list", "-g", node, "-z", zone, "--query", "[].name")...)

	b := newBrowser(t, in)
	b.signInWithLink()
	b.open("/portal/r/subscriptions/" + sub + "/resourceGroups/" + g + "?view=topology")
	texts := evaluate[string](b, "reading the picture", `[...document.querySelectorAll("svg text")].map(t => t.textContent).join("\n")`)
	for _, w := range want {
		if !strings.Contains(texts, w) {
			t.Errorf("the quickstart's topology lacks %q:\n%s", w, texts)
		}
	}
	if rows := b.rows("reach"); len(rows) != 1 || !strings.HasPrefix(rows[0], "jumpbox private-cluster yes yes") {
		t.Errorf("the quickstart's jump box reachability: %q", rows)
	}
}
