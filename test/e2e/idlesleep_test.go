package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
)

// controlPlanePids lists the instance's live control plane processes
// (their --config is under the state dir's clusters/), without the warm ones
// no cluster has adopted.
func controlPlanePids(in *instanceT) []string {
	warm := warmPids(in)
	return slices.DeleteFunc(processesWith(filepath.Join(string(in.dir), "clusters")), func(pid string) bool { return slices.Contains(warm, pid) })
}

// With --idle-sleep, a private cluster nobody uses stops its control plane
// process and its node agents; the real kubectl on a jump box, over real
// ssh and through the private endpoint, wakes it with its first
// connection, gets its answer from the state written before the sleep,
// and finds the nodes Ready with their agents renewing their leases again.
func TestIdleSleepWakesThroughPrivateEndpoint(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s", "--idle-sleep", "4s")
	l := newAKSLab(t, in, "sleepy")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	jumpIP := l.publicVM("jump", "cluster-vnet")
	if _, err := l.create("sleepy", l.seedCluster(l.subnetID("cluster-vnet"), 2)); err != nil {
		t.Fatalf("creating the cluster: %v\n%s", err, in.log)
	}
	cred, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, l.rg, "sleepy", nil)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := sshRun(keyPath, jumpIP, "cat > kc", string(cred.Kubeconfigs[0].Value)); err != nil {
		t.Fatalf("copying the kubeconfig to the jump box: %v\n%s", err, out)
	}
	kubectl := func(args string) (string, error) {
		return sshRun(keyPath, jumpIP, "kubectl --kubeconfig kc --request-timeout=30s "+args, "")
	}
	if out, err := kubectl("create configmap before-sleep --from-literal=state=kept"); err != nil {
		t.Fatalf("kubectl create from the jump box: %v\n%s", err, out)
	}
	leases := "get lease -n kube-node-lease -o jsonpath={.items[*].spec.renewTime}"

	deadline := time.Now().Add(2 * time.Minute)
	// The supervisor logs the sleep after it has seen the process exit, so
	// the process may be gone a moment before the line is written.
	for len(controlPlanePids(in)) != 0 || !strings.Contains(in.log.String(), "control plane idle, asleep") {
		if time.Now().After(deadline) {
			t.Fatalf("the unused cluster's control plane still runs, or its sleep was not logged, 2 minutes after the start with --idle-sleep 4s (pids %v)\n%s", controlPlanePids(in), in.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // asleep for a while: nothing of its own wakes it
	if pids := controlPlanePids(in); len(pids) != 0 {
		t.Fatalf("the sleeping control plane started again (pids %v) without a connection\n%s", pids, in.log)
	}

	begin := time.Now()
	out, err := kubectl("get configmap before-sleep -o jsonpath={.data.state}")
	woke := time.Since(begin)
	if err != nil || strings.TrimSpace(out) != "kept" {
		t.Fatalf("kubectl through the private endpoint of the sleeping cluster: %v\n%s\n%s", err, out, in.log)
	}
	t.Logf("first kubectl to the sleeping cluster answered in %s (ssh included)", woke.Round(time.Millisecond))
	if len(controlPlanePids(in)) != 1 {
		t.Fatalf("after the wake %d control plane processes run, want 1", len(controlPlanePids(in)))
	}
	out, err = kubectl("get nodes --no-headers")
	if err != nil || strings.Count(out, " Ready ") != 2 {
		t.Fatalf("nodes after the wake: want 2 Ready: %v\n%s", err, out)
	}
	// The agents run again: every node's lease is renewed after the wake.
	var last string
	for i := 0; i < 40; i++ {
		out, err := kubectl(leases)
		last = out
		if err == nil && renewedAfter(out, begin) == 2 {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("the node leases were not both renewed after the wake at %s: %q", begin.UTC().Format(time.RFC3339Nano), last)
}

// renewedAfter counts the renewTimes in out later than t.
func renewedAfter(out string, t time.Time) int {
	n := 0
	for _, f := range strings.Fields(out) {
		if at, err := time.Parse(time.RFC3339Nano, f); err == nil && at.After(t) {
			n++
		}
	}
	return n
}
