package nodeagent

import (
	"fmt"
	"testing"
	"time"
)

// TestRun drives one agent against the fake API server: registration through
// transient errors, lease and heartbeats, pods started and deleted, a watch
// that expires, and a Node deleted under the agent.
func TestRun(t *testing.T) {
	fc := startFakeCluster(t)
	fc.api.mu.Lock()
	fc.api.failNext = 3 // the control plane is still starting
	fc.api.mu.Unlock()
	stop := fc.start(t, fc.conf)

	eventually(t, "node ready", func() error { return nodeReady(fc.api.get(nodesOf, testNode)) })
	n := fc.api.get(nodesOf, testNode)
	labels := n["metadata"].(map[string]any)["labels"].(map[string]any)
	for k, v := range map[string]string{"agentpool": "nodepool1", "kubernetes.io/hostname": testNode, "kubernetes.io/os": "linux"} {
		if labels[k] != v {
			t.Errorf("label %s = %v, want %s", k, labels[k], v)
		}
	}
	if str(n, "spec", "podCIDR") != "10.244.0.0/24" || str(n, "status", "nodeInfo", "kubeletVersion") != DefaultKubeletVersion {
		t.Errorf("node %v", n)
	}

	var renewed string
	eventually(t, "lease", func() error {
		l := fc.api.get(leasesOf, testNode)
		if l == nil {
			return fmt.Errorf("no lease")
		}
		renewed = str(l, "spec", "renewTime")
		if _, err := time.Parse(microTimeLayout, renewed); err != nil || str(l, "spec", "holderIdentity") != testNode {
			return fmt.Errorf("lease %v", l)
		}
		if refs, _ := l["metadata"].(map[string]any)["ownerReferences"].([]any); len(refs) != 1 {
			return fmt.Errorf("lease owner references %v", refs)
		}
		return nil
	})
	eventually(t, "lease renewal", func() error {
		if got := str(fc.api.get(leasesOf, testNode), "spec", "renewTime"); got == renewed {
			return fmt.Errorf("renewTime still %s", got)
		}
		return nil
	})

	uid1 := fc.api.addPod("default", "web", testNode, false, "nginx")
	fc.api.addPod("kube-system", "proxy", testNode, true, "kube-proxy")
	fc.api.addPod("default", "elsewhere", "aks-nodepool1-12345678-vmss000001", false, "nginx")
	eventually(t, "web running", func() error { _, err := fc.podRunning("default", "web", "10.244.0.2"); return err })
	eventually(t, "host network pod running", func() error { _, err := fc.podRunning("kube-system", "proxy", "10.224.0.4"); return err })
	web := fc.api.get(podsOf, "default/web")
	cs := web["status"].(map[string]any)["containerStatuses"].([]any)[0].(map[string]any)
	if cs["ready"] != true || cs["image"] != "docker.io/library/nginx:latest" || str(web, "status", "hostIP") != "10.224.0.4" {
		t.Errorf("web status %v", web["status"])
	}
	if p := fc.api.get(podsOf, "default/elsewhere"); str(p, "status", "phase") != "Pending" {
		t.Errorf("a pod of another node was touched: %v", p["status"])
	}

	fc.api.requestDelete("default", "web")
	eventually(t, "web deleted", func() error {
		if fc.api.get(podsOf, "default/web") != nil {
			return fmt.Errorf("still there")
		}
		return nil
	})
	fc.api.mu.Lock()
	del := fc.api.deletes[len(fc.api.deletes)-1]
	fc.api.mu.Unlock()
	if del["gracePeriodSeconds"] != 0.0 || str(del, "preconditions", "uid") != uid1 {
		t.Errorf("delete options %v", del)
	}

	fc.api.compact() // the watch ends and cannot resume: list again
	fc.api.addPod("default", "api", testNode, false, "mcr.microsoft.com/app:1")
	eventually(t, "pod after relist", func() error {
		// The freed .2 is not reused at once.
		_, err := fc.podRunning("default", "api", "10.244.0.3")
		return err
	})
	fc.api.mu.Lock()
	lists := fc.api.lists
	delete(fc.api.nodes, testNode) // someone deletes the Node
	fc.api.mu.Unlock()
	if lists < 2 {
		t.Errorf("%d pod lists, want a relist after 410 Gone", lists)
	}
	eventually(t, "node registered again", func() error { return nodeReady(fc.api.get(nodesOf, testNode)) })

	stop()
	if fc.api.get(nodesOf, testNode) == nil {
		t.Error("the node was deleted when the agent stopped")
	}
	fc.api.mu.Lock()
	for user := range fc.api.users {
		if user != "system:node:"+testNode {
			t.Errorf("request by %q", user)
		}
	}
	fc.api.mu.Unlock()
	fc.checkDials(t)
}

// TestRestart checks what an agent does when its Node and pods exist from
// before: it updates the Node's labels and keeps the addresses of its pods.
func TestRestart(t *testing.T) {
	fc := startFakeCluster(t)
	stop := fc.start(t, fc.conf)
	fc.api.addPod("default", "old", testNode, false, "nginx")
	eventually(t, "old running", func() error { _, err := fc.podRunning("default", "old", "10.244.0.2"); return err })
	stop()

	// While the agent is down the pod is moved to .3 (as if an earlier
	// agent had given it that address).
	fc.api.mu.Lock()
	st := fc.api.pods["default/old"]["status"].(map[string]any)
	st["podIP"], st["podIPs"] = "10.244.0.3", []any{map[string]any{"ip": "10.244.0.3"}}
	fc.api.mu.Unlock()

	c := fc.conf
	c.Labels = map[string]string{"agentpool": "nodepool1", "kubernetes.azure.com/agentpool": "nodepool1", "team": "blue"}
	stop = fc.start(t, c)
	defer stop()
	eventually(t, "label updated", func() error {
		if got := str(fc.api.get(nodesOf, testNode), "metadata", "labels", "team"); got != "blue" {
			return fmt.Errorf("team label %q", got)
		}
		return nil
	})
	for _, name := range []string{"a", "b"} {
		fc.api.addPod("default", name, testNode, false, "nginx")
	}
	eventually(t, "new pods running", func() error {
		for _, name := range []string{"a", "b"} {
			if _, err := fc.podRunning("default", name, ""); err != nil {
				return err
			}
		}
		return nil
	})
	ipA, _ := fc.podRunning("default", "a", "")
	ipB, _ := fc.podRunning("default", "b", "")
	if _, err := fc.podRunning("default", "old", "10.244.0.3"); err != nil {
		t.Error(err)
	}
	if ipA != "10.244.0.2" || ipB != "10.244.0.4" {
		t.Errorf("new pods got %s and %s, want .2 and .4 (.3 is taken)", ipA, ipB)
	}
}
