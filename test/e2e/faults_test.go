package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/faults"
	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/testenv"
)

// An aks create survives the server crashing (SIGKILL) at each step: after
// the node group, after the control plane, after the private endpoint, and
// while nodes register. After a restart the cluster converges to
// Succeeded, kubectl reaches it, and deleting its group leaves no
// namespace, process, Kubernetes key or file.
func TestAKSCreateSurvivesACrashAtEachStep(t *testing.T) {
	testenv.Root(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	for _, point := range []string{faults.AKSAfterNodeGroup, faults.AKSAfterControlPlane, faults.AKSAfterEndpoint, faults.AKSNodeRegistration} {
		t.Run(point, func(t *testing.T) { crashAndRecover(t, point, false) })
	}
}

// The same for a create that adopts a warm control plane, crashing with
// the warm folder renamed to the cluster's but its link not yet in place,
// and with the warm process serving the cluster before the supervisor
// knows. The server comes back without a pool: what the crashed one's
// pool left (the warm namespace, the links, the folder) is removed all the
// same, and the cluster starts cold from its folder with its state.
func TestAKSCreateSurvivesACrashWhileAdopting(t *testing.T) {
	testenv.Root(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	for _, point := range []string{faults.AKSAdoptAfterRename, faults.AKSAdoptAfterHandover} {
		t.Run(point, func(t *testing.T) { crashAndRecover(t, point, true) })
	}
}

// crashAndRecover creates a private cluster on a server armed to crash at
// point, restarts it, and checks the cluster converges, answers kubectl
// and leaves nothing when deleted. With warm, the first server keeps a
// warm control plane that the cluster (of AKS's default service network)
// adopts.
func crashAndRecover(t *testing.T, point string, warm bool) {
	pool := "0"
	if warm {
		pool = "1"
	}
	in := &instanceT{t: t, dir: instance.Dir(t.TempDir()), env: []string{faults.Env + "=" + point},
		args: []string{"--provider-registration-delay", "0s", "--feature-registration-delay", "0s", "--warm-control-planes", pool}}
	in.launch()
	t.Cleanup(in.purge)
	t.Cleanup(in.stop)
	l := newAKSLab(t, in, "crash")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	l.vnet("jump-vnet", "10.5.0.0/16", "10.5.1.0/24")
	mc := l.seedCluster(l.subnetID("cluster-vnet"), 1)
	if warm {
		waitWarm(t, in, "10.0.0.0/16")
		mc.Properties.NetworkProfile.ServiceCidr, mc.Properties.NetworkProfile.DNSServiceIP = nil, nil // AKS's defaults
	}
	mcs := l.aks.NewManagedClustersClient()
	if _, err := mcs.BeginCreateOrUpdate(context.Background(), "crash", "c1", mc, nil); err != nil {
		t.Fatalf("aks create: %v", err)
	}
	in.crashed(3 * time.Minute)
	if !strings.Contains(in.log.String(), faults.Env+"="+point+": crashing here") {
		t.Fatalf("the server ended, but not at %s\n%s", point, in.log)
	}

	in.env = nil
	in.args[len(in.args)-1] = "0" // --warm-control-planes: the restart keeps no pool
	in.restart()
	var state string
	deadline := time.Now().Add(4 * time.Minute)
	for time.Now().Before(deadline) {
		mc, err := mcs.Get(context.Background(), "crash", "c1", nil)
		if err == nil {
			state = deref((*string)(mc.Properties.ProvisioningState))
			if state == "Succeeded" || state == "Failed" {
				break
			}
		}
		time.Sleep(time.Second)
	}
	if state != "Succeeded" {
		t.Fatalf("after the crash at %s and a restart the cluster is %q\n%s", point, state, in.log)
	}
	jump := l.publicVM("jump", "jump-vnet")
	l.peer("cluster-vnet", "to-jump", "jump-vnet")
	l.peer("jump-vnet", "to-cluster", "cluster-vnet")
	got, _ := mcs.Get(context.Background(), "crash", "c1", nil)
	fqdn := deref(got.Properties.PrivateFQDN)
	zone := fqdn[strings.Index(fqdn, ".")+1:]
	if err := l.linkZone(deref(got.Properties.NodeResourceGroup), zone, "jump", "jump-vnet"); err != nil {
		t.Fatal(err)
	}
	if out, err := sshRun(keyPath, jump, kubectlNodes, l.kubeconfig("c1", false)); err != nil || strings.Count(out, " Ready ") != 1 {
		t.Fatalf("kubectl after the crash at %s: %v\n%s", point, err, out)
	}

	in.mustAksbox("group", "delete", "-n", "crash", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
	if n := in.etcdKeys("/aksbox/clusters/"); n != 0 {
		t.Fatalf("%d Kubernetes keys left in etcd", n)
	}
	if left, _ := filepath.Glob(filepath.Join(string(in.dir), "clusters", "*")); len(left) != 0 {
		t.Fatalf("cluster files left: %v", left)
	}
	if left := controlPlanePids(in); len(left) != 0 {
		t.Fatalf("control plane processes left: %v", left)
	}
}
