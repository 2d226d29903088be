package e2e

import (
	"strings"
	"testing"

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
	if out, code := run("quickstart", "--cleanup"); code != 0 || !strings.Contains(out, "Cleaned up") {
		t.Fatalf("cleanup: %d %s", code, out)
	}
	if out, _ := run("group", "exists", "-n", "aksbox-quickstart"); strings.TrimSpace(out) != "false" {
		t.Fatalf("quickstart group left after cleanup: %s", out)
	}
}
