package e2e

import (
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The document's limitation, end to end: "If customers need to enable ACR
// to work with private AKS, then the ACR's VNET will need to be peered with
// the agent cluster VNET". A Premium registry with public access disabled
// and a private endpoint in a VNet of its own; a private cluster in another
// VNet. A Deployment of an image from that registry stays in
// ImagePullBackOff, with the kubelet's events saying why: first the name
// does not resolve; once the VNets are peered both ways and
// privatelink.azurecr.io is linked to the cluster's VNet, the kubelet
// identity is not authorized; after aks update --attach-acr it rolls out.
// kubectl runs on a jump box over real SSH.
func TestACRWithPrivateCluster(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "aks")
	t.Cleanup(func() { in.aksbox("group", "delete", "-n", "aks", "--yes") })
	keyPath, authorized := writeKey(t)
	l.key = authorized

	// The registry, its image pushed from the host, then closed to the public.
	in.mustAksbox("provider", "register", "-n", "Microsoft.ContainerRegistry")
	in.mustAksbox("acr", "create", "-g", "aks", "-n", "limits01", "--sku", "Premium", "-o", "none")
	token := in.tsv("acr", "login", "-n", "limits01", "--expose-token", "--query", "accessToken")
	ref, _ := name.ParseReference("limits01.azurecr.io/hello/app:v1")
	img, _ := random.Image(8192, 2)
	if err := remote.Write(ref, img, remote.WithTransport(in.registryTransport()), remote.WithAuth(&authn.Basic{Username: zeroUser, Password: token})); err != nil {
		t.Fatalf("push: %v", err)
	}
	in.mustAksbox("acr", "update", "-n", "limits01", "--public-network-enabled", "false", "-o", "none")
	regID := in.tsv("acr", "show", "-n", "limits01", "--query", "id")

	// The registry's VNet with its endpoint and zone.
	l.vnet("acr-vnet", "10.30.0.0/16", "10.30.1.0/24")
	pe := in.jsonOf("network", "private-endpoint", "create", "-g", "aks", "-n", "acr-pe", "--vnet-name", "acr-vnet", "--subnet", "s",
		"--private-connection-resource-id", regID, "--group-id", "registry", "--connection-name", "acr-pe")
	peIP := pe["customDnsConfigs"].([]any)[0].(map[string]any)["ipAddresses"].([]any)[0].(string)
	in.mustAksbox("network", "private-dns", "zone", "create", "-g", "aks", "-n", "privatelink.azurecr.io", "-o", "none")
	in.mustAksbox("network", "private-dns", "record-set", "a", "add-record", "-g", "aks", "-z", "privatelink.azurecr.io", "-n", "limits01", "-a", peIP, "-o", "none")
	in.mustAksbox("network", "private-dns", "link", "vnet", "create", "-g", "aks", "-z", "privatelink.azurecr.io", "-n", "acr", "-v", "acr-vnet", "-e", "false", "-o", "none")

	// The private cluster in its own VNet, a jump box beside its nodes.
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	if _, err := l.create("private", l.seedCluster(l.subnetID("cluster-vnet"), 2)); err != nil {
		t.Fatalf("creating the cluster: %v\n%s", err, in.log)
	}
	user, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, "aks", "private", nil)
	if err != nil {
		t.Fatal(err)
	}
	jumpIP := l.publicVM("jump", "cluster-vnet")
	if out, err := sshRun(keyPath, jumpIP, "cat > kc", string(user.Kubeconfigs[0].Value)); err != nil {
		t.Fatalf("copying the kubeconfig: %v %s", err, out)
	}
	kubectl := func(args string) (string, error) {
		return sshRun(keyPath, jumpIP, "kubectl --kubeconfig kc --request-timeout=10s "+args, "")
	}
	// waitEvent waits on the jump box until a pod event's message has text.
	waitEvent := func(text string) {
		t.Helper()
		script := "for i in $(seq 120); do kubectl --kubeconfig kc get events -o jsonpath='{range .items[*]}{.reason}: {.message}{\"\\n\"}{end}' > ev 2>&1; " +
			"if grep -qF -- '" + text + "' ev; then cat ev; exit 0; fi; sleep 2; done; cat ev; exit 1"
		out, err := sshRun(keyPath, jumpIP, script, "")
		if err != nil {
			t.Fatalf("no event says %q:\n%s", text, out)
		}
		t.Logf("events once one says %q:\n%s", text, out)
	}
	if out, err := kubectl("create deployment app --image=limits01.azurecr.io/hello/app:v1 --replicas=2"); err != nil {
		t.Fatalf("create deployment: %v %s", err, out)
	}
	waitEvent("lookup limits01.azurecr.io")
	waitEvent("Back-off pulling image \"limits01.azurecr.io/hello/app:v1\"")
	out, _ := kubectl("get pods -l app=app --no-headers")
	if !strings.Contains(out, "ImagePullBackOff") && !strings.Contains(out, "ErrImagePull") {
		t.Fatalf("pods of an unreachable registry:\n%s", out)
	}
	if strings.Contains(out, "Running") {
		t.Fatalf("a pod runs without its image:\n%s", out)
	}
	// aks check-acr says the same, and what to do.
	checkACR := []string{"aks", "check-acr", "-g", "aks", "-n", "private", "--acr", "limits01.azurecr.io"}
	in.fails(1, "limits01.azurecr.io does not resolve from the nodes of cluster 'private'", checkACR...)

	// Peering both ways and the zone link: the name resolves and the path
	// works, but the kubelet identity may not pull.
	l.peer("cluster-vnet", "to-acr", "acr-vnet")
	l.peer("acr-vnet", "to-cluster", "cluster-vnet")
	in.mustAksbox("network", "private-dns", "link", "vnet", "create", "-g", "aks", "-z", "privatelink.azurecr.io", "-n", "cluster", "-v", "cluster-vnet", "-e", "false", "-o", "none")
	waitEvent("authentication required")
	if out, _ := kubectl("get pods -l app=app --no-headers"); strings.Contains(out, "Running") {
		t.Fatalf("a pod runs without the kubelet identity's role:\n%s", out)
	}
	in.fails(1, "holds no role that pulls from limits01.azurecr.io", checkACR...)
	if out, _, _ := in.aksbox(checkACR...); !strings.Contains(out, "Name resolution on a node: limits01.azurecr.io → "+peIP) || !strings.Contains(out, "answered 401") {
		t.Fatalf("check-acr's network checks once peered and linked:\n%s", out)
	}

	// --attach-acr: AcrPull for the kubelet identity; the rollout finishes.
	in.mustAksbox("aks", "update", "-g", "aks", "-n", "private", "--attach-acr", "limits01", "-o", "none")
	assignments := in.tsv("role", "assignment", "list", "--scope", regID, "--query", "[].roleDefinitionId")
	if !strings.HasSuffix(assignments, "/7f951dda-4ed3-4680-a7ca-43fe172d538d") {
		t.Fatalf("role assignments on the registry: %q", assignments)
	}
	if out, err := kubectl("rollout status deployment/app --timeout=240s"); err != nil {
		t.Fatalf("rollout after --attach-acr: %v\n%s", err, out)
	}
	waitEvent("Successfully pulled image \"limits01.azurecr.io/hello/app:v1\"")
	if out := in.mustAksbox(checkACR...); !strings.Contains(out, "AcrPull on the registry") || !strings.Contains(out, "Your cluster can pull images from limits01.azurecr.io.") {
		t.Fatalf("check-acr after --attach-acr:\n%s", out)
	}
	out, _ = kubectl("get pods -l app=app --no-headers")
	if strings.Count(out, "Running") != 2 {
		t.Fatalf("pods after --attach-acr:\n%s", out)
	}
	// --detach-acr takes the role away again.
	in.mustAksbox("aks", "update", "-g", "aks", "-n", "private", "--detach-acr", "limits01", "-o", "none")
	if got := in.tsv("role", "assignment", "list", "--scope", regID, "--query", "length(@)"); got != "0" {
		t.Errorf("role assignments after --detach-acr: %s", got)
	}
}
