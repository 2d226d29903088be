package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
)

// warmDir holds the instance's warm control planes (see
// controlplane.PoolOptions): a folder each while warm, a link once adopted.
func warmDir(in *instanceT) string { return filepath.Join(string(in.dir), "clusters", "warm") }

// warmReady lists the warm control planes that are ready and were started
// for serviceCIDR.
func warmReady(in *instanceT, serviceCIDR string) []string {
	entries, _ := os.ReadDir(warmDir(in))
	var out []string
	for _, e := range entries {
		dir := filepath.Join(warmDir(in), e.Name())
		if !e.IsDir() {
			continue // adopted
		}
		var spec struct{ ServiceCIDR string }
		data, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
		if err != nil || json.Unmarshal(data, &spec) != nil || spec.ServiceCIDR != serviceCIDR {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "run", "ready")); err == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// waitWarm waits until a warm control plane for serviceCIDR is ready.
func waitWarm(t testing.TB, in *instanceT, serviceCIDR string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if r := warmReady(in, serviceCIDR); len(r) > 0 {
			return r[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no warm control plane for %s became ready in 2m\n%s", serviceCIDR, in.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// warmPids are the processes of the warm control planes not adopted.
func warmPids(in *instanceT) []string {
	entries, _ := os.ReadDir(warmDir(in))
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, processesWith(filepath.Join(warmDir(in), e.Name()))...)
		}
	}
	return out
}

// A new private cluster adopts the warm control plane the server keeps
// (--warm-control-planes): the warm one's folder becomes the cluster's,
// its etcd prefix holds the cluster's state, the real kubectl on a jump box
// reaches it through the private endpoint and verifies the serving
// certificate that names the cluster's private FQDN (issued at adoption),
// and the controller manager, started at adoption, runs a Deployment. The
// pool starts another; the cluster and its state survive a restart; a
// cluster of another service CIDR starts cold, and the pool takes that
// shape for the next; deleting the clusters leaves nothing of them.
func TestWarmControlPlaneAdoption(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s", "--warm-control-planes", "1")
	l := newAKSLab(t, in, "warm")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	jumpIP := l.publicVM("jump", "cluster-vnet")
	warm := waitWarm(t, in, "10.0.0.0/16")

	mc := l.seedCluster(l.subnetID("cluster-vnet"), 2)
	mc.Properties.NetworkProfile.ServiceCidr, mc.Properties.NetworkProfile.DNSServiceIP = nil, nil // AKS's defaults
	created, err := l.create("adopted", mc)
	if err != nil {
		t.Fatalf("creating the cluster: %v\n%s", err, in.log)
	}
	target, err := os.Readlink(filepath.Join(warmDir(in), warm))
	if err != nil || filepath.Dir(target) != filepath.Join(string(in.dir), "clusters") {
		t.Fatalf("the warm control plane %s was not adopted (link: %q, %v)\n%s", warm, target, err, in.log)
	}
	prefix := "/aksbox/clusters/w" + warm + "/"
	if in.etcdKeys(prefix) == 0 {
		t.Fatalf("no Kubernetes state under the warm prefix %s", prefix)
	}
	cred, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, l.rg, "adopted", nil)
	if err != nil {
		t.Fatal(err)
	}
	kc := string(cred.Kubeconfigs[0].Value)
	if fqdn := *created.Properties.PrivateFQDN; !strings.Contains(kc, "https://"+fqdn+":443") {
		t.Fatalf("the kubeconfig does not name the private FQDN %s:\n%s", fqdn, kc)
	}
	const kubectl = "cat > kc && kubectl --kubeconfig kc --request-timeout=10s get nodes"
	out, err := sshRun(keyPath, jumpIP, kubectl, kc)
	if err != nil || strings.Count(out, " Ready ") != 2 {
		t.Fatalf("kubectl get nodes through the private endpoint: %v\n%s", err, out)
	}
	deploy := "cat > kc && kubectl --kubeconfig kc create deployment web --image=nginx --replicas=2 >/dev/null && " +
		"kubectl --kubeconfig kc rollout status deployment/web --timeout=60s && kubectl --kubeconfig kc get pods"
	if out, err = sshRun(keyPath, jumpIP, deploy, kc); err != nil || strings.Count(out, "Running") != 2 {
		t.Fatalf("a Deployment on the adopted control plane: %v\n%s", err, out)
	}
	next := waitWarm(t, in, "10.0.0.0/16")
	if next == warm {
		t.Fatalf("the pool offers the adopted control plane %s again", warm)
	}
	// Warm control planes run at a lower priority, adopted ones at the
	// normal one; once ready (before their ready file appears), both under
	// the batch policy (3).
	for name, want := range map[string]string{warm: "3/0", next: "3/10"} {
		pids := processesWith(filepath.Join(warmDir(in), name))
		if len(pids) != 1 {
			t.Fatalf("control plane processes of %s: %v", name, pids)
		}
		if got := threadSched(t, pids[0]); slices.ContainsFunc(got, func(s string) bool { return s != want }) {
			t.Errorf("threads of %s (pid %s) have policy/nice %v, want all %s", name, pids[0], got, want)
		}
	}

	in.stop()
	if _, err := os.Lstat(filepath.Join(warmDir(in), next)); err == nil {
		t.Fatalf("the warm control plane %s outlived the server", next)
	}
	in.restart()
	waitForOutput(t, func() (string, error) {
		return sshRun(keyPath, jumpIP, "cat > kc && kubectl --kubeconfig kc --request-timeout=10s get deployment web --no-headers", kc)
	}, "2/2", 1)

	// Another service CIDR: no warm control plane fits; the pool learns.
	l.vnet("other-vnet", "10.4.0.0/16", "10.4.1.0/24")
	if _, err := l.create("cold", l.seedCluster(l.subnetID("other-vnet"), 1)); err != nil {
		t.Fatalf("creating a cluster of another shape: %v\n%s", err, in.log)
	}
	waitWarm(t, in, "10.2.0.0/24")

	for _, name := range []string{"adopted", "cold"} {
		p, err := l.aks.NewManagedClustersClient().BeginDelete(l.ctx, l.rg, name, nil)
		if err == nil {
			_, err = p.PollUntilDone(l.ctx, &runtimePoll)
		}
		if err != nil {
			t.Fatalf("deleting %s: %v", name, err)
		}
	}
	if n := in.etcdKeys(prefix); n != 0 {
		t.Fatalf("%d keys of the deleted cluster left under %s", n, prefix)
	}
	entries, _ := os.ReadDir(filepath.Join(string(in.dir), "clusters"))
	for _, e := range entries {
		if e.Name() != "warm" && e.Name() != "warm.json" {
			t.Errorf("cluster folder left: %s", e.Name())
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(controlPlanePids(in)) != 0 || len(adoptedLinks(in)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("left after the deletes: control planes %v, links %v", controlPlanePids(in), adoptedLinks(in))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// adoptedLinks are the warm pool's links to adopted control planes whose
// process still runs.
func adoptedLinks(in *instanceT) []string {
	entries, _ := os.ReadDir(warmDir(in))
	var out []string
	for _, e := range entries {
		if e.Type()&os.ModeSymlink != 0 {
			out = append(out, e.Name())
		}
	}
	return out
}

// threadSched lists the scheduling policy and nice value of every thread
// of process pid, each as "policy/nice".
func threadSched(t *testing.T, pid string) []string {
	t.Helper()
	stats, _ := filepath.Glob("/proc/" + pid + "/task/*/stat")
	var out []string
	for _, f := range stats {
		fields := statFields(f)
		if fields == nil {
			continue // the thread ended
		}
		if len(fields) < 39 {
			t.Fatalf("%s: short stat %q", f, fields)
		}
		out = append(out, fields[38]+"/"+fields[16]) // the 41st and the 19th field
	}
	if len(out) == 0 {
		t.Fatalf("process %s has no threads", pid)
	}
	return out
}
