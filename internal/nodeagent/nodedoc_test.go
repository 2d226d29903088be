package nodeagent

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func testConfig() Config {
	c, err := Config{
		Server:   "https://api.test.privatelink.eastus.azmk8s.io:443",
		NodeName: "aks-nodepool1-12345678-vmss000000",
		NodeIP:   netip.MustParseAddr("10.224.0.4"),
		PodRange: netip.MustParsePrefix("10.244.0.0/24"),
		Labels:   map[string]string{"agentpool": "nodepool1", "kubernetes.io/os": "linux"},
	}.withDefaults()
	if err != nil {
		panic(err)
	}
	return c
}

func TestConfigValidation(t *testing.T) {
	good := testConfig()
	for _, tc := range []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"valid", func(*Config) {}, true},
		{"http server", func(c *Config) { c.Server = "http://x:443" }, false},
		{"no host", func(c *Config) { c.Server = "https://" }, false},
		{"no node name", func(c *Config) { c.NodeName = "" }, false},
		{"no node IP", func(c *Config) { c.NodeIP = netip.Addr{} }, false},
		{"no pod range", func(c *Config) { c.PodRange = netip.Prefix{} }, false},
	} {
		c := good
		tc.change(&c)
		if _, err := c.withDefaults(); (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	if good.DNS != DefaultDNS || good.LeaseDuration != DefaultLeaseDuration || good.KubeletVersion != DefaultKubeletVersion || good.Dial == nil {
		t.Errorf("defaults not applied: %+v", good)
	}
}

func TestResources(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		capacity, allocatable map[string]string
		wantCap, wantAlloc    map[string]string // checked keys only
	}{
		{"defaults", nil, nil,
			map[string]string{"cpu": "2", "pods": "110", "memory": "7097684Ki"},
			map[string]string{"cpu": "1900m", "pods": "110", "memory": "5160276Ki"}},
		{"capacity given", map[string]string{"cpu": "4", "pods": "30"}, nil,
			map[string]string{"cpu": "4", "pods": "30", "memory": "7097684Ki"},
			map[string]string{"cpu": "4", "pods": "30", "memory": "5160276Ki"}},
		{"allocatable given", map[string]string{"cpu": "4"}, map[string]string{"cpu": "3860m"},
			map[string]string{"cpu": "4"}, map[string]string{"cpu": "3860m"}},
	} {
		c := testConfig()
		c.Capacity, c.Allocatable = tc.capacity, tc.allocatable
		gotCap, gotAlloc := resources(c)
		for k, v := range tc.wantCap {
			if gotCap[k] != v {
				t.Errorf("%s: capacity[%s] = %q, want %q", tc.name, k, gotCap[k], v)
			}
		}
		for k, v := range tc.wantAlloc {
			if gotAlloc[k] != v {
				t.Errorf("%s: allocatable[%s] = %q, want %q", tc.name, k, gotAlloc[k], v)
			}
		}
	}
}

func TestBuildNodeStatus(t *testing.T) {
	c := testConfig()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	earlier := now.Add(-time.Hour)
	st := buildNodeStatus(c, "boot-1", "6.8.0-1", map[string]time.Time{"Ready": earlier}, now)

	want := map[string][3]string{ // type: status, reason, lastTransitionTime
		"MemoryPressure": {"False", "KubeletHasSufficientMemory", "2025-06-01T12:00:00Z"},
		"DiskPressure":   {"False", "KubeletHasNoDiskPressure", "2025-06-01T12:00:00Z"},
		"PIDPressure":    {"False", "KubeletHasSufficientPID", "2025-06-01T12:00:00Z"},
		"Ready":          {"True", "KubeletReady", "2025-06-01T11:00:00Z"},
	}
	if len(st.Conditions) != len(want) {
		t.Fatalf("conditions: %+v", st.Conditions)
	}
	for _, cond := range st.Conditions {
		w := want[cond.Type]
		if got := [3]string{cond.Status, cond.Reason, cond.LastTransitionTime}; got != w {
			t.Errorf("%s = %v, want %v", cond.Type, got, w)
		}
		if cond.LastHeartbeatTime != "2025-06-01T12:00:00Z" {
			t.Errorf("%s heartbeat %s", cond.Type, cond.LastHeartbeatTime)
		}
	}
	if st.Conditions[3].Message != "kubelet is posting ready status" {
		t.Errorf("ready message %q", st.Conditions[3].Message)
	}
	wantAddr := []nodeAddress{{"InternalIP", "10.224.0.4"}, {"Hostname", c.NodeName}}
	if !reflect.DeepEqual(st.Addresses, wantAddr) {
		t.Errorf("addresses %+v", st.Addresses)
	}
	ni := st.NodeInfo
	if ni.KubeletVersion != "v1.33.13" || ni.KubeProxyVersion != "v1.33.13" || ni.OSImage != "Ubuntu 22.04.5 LTS" ||
		ni.OperatingSystem != "linux" || ni.Architecture != "amd64" || ni.KernelVersion != "6.8.0-1" || ni.BootID != "boot-1" ||
		ni.ContainerRuntimeVersion != "containerd://1.7.27-aksbox" || len(ni.MachineID) != 32 || len(ni.SystemUUID) != 36 {
		t.Errorf("nodeInfo %+v", ni)
	}
	b, _ := json.Marshal(st)
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	if port := doc["daemonEndpoints"].(map[string]any)["kubeletEndpoint"].(map[string]any)["Port"]; port != 10250.0 {
		t.Errorf("kubelet port %v", port)
	}
}

func TestConditionSince(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	existing := &nodeStatus{Conditions: []nodeCondition{
		{Type: "Ready", Status: "True", LastTransitionTime: "2025-05-01T00:00:00Z"},
		{Type: "MemoryPressure", Status: "Unknown", LastTransitionTime: "2025-05-01T00:00:00Z"},
		{Type: "DiskPressure", Status: "False", LastTransitionTime: "garbage"},
	}}
	for _, tc := range []struct {
		name     string
		existing *nodeStatus
		want     map[string]string
	}{
		{"new node", nil, map[string]string{"Ready": "2025-06-01T12:00:00Z", "MemoryPressure": "2025-06-01T12:00:00Z"}},
		{"existing", existing, map[string]string{
			"Ready":          "2025-05-01T00:00:00Z", // unchanged: kept
			"MemoryPressure": "2025-06-01T12:00:00Z", // Unknown -> False: now
			"DiskPressure":   "2025-06-01T12:00:00Z", // unparsable: now
			"PIDPressure":    "2025-06-01T12:00:00Z", // missing: now
		}},
	} {
		got := conditionSince(tc.existing, now)
		for k, v := range tc.want {
			if formatTime(got[k]) != v {
				t.Errorf("%s: %s since %s, want %s", tc.name, k, formatTime(got[k]), v)
			}
		}
	}
}

func TestNewNodeAndUpdatePatch(t *testing.T) {
	c := testConfig()
	c.PodCIDR, c.ProviderID = "10.244.0.0/24", "azure:///subscriptions/s/vm/0"
	n := newNode(c, nil)
	if n.Metadata.Labels["kubernetes.io/hostname"] != c.NodeName || n.Metadata.Labels["agentpool"] != "nodepool1" ||
		n.Metadata.Labels["kubernetes.io/arch"] != "amd64" || n.Spec.PodCIDR != c.PodCIDR || len(n.Spec.PodCIDRs) != 1 ||
		n.Spec.ProviderID != c.ProviderID {
		t.Errorf("new node %+v", n)
	}
	a := &agent{c: c, log: testLogger(t)}
	upToDate := newNode(c, nil)
	for _, tc := range []struct {
		name string
		got  *node
		want string // JSON of the patch, "null" for none
	}{
		{"up to date", upToDate, "null"},
		{"stale label and empty spec", &node{Metadata: objectMeta{Labels: map[string]string{
			"agentpool": "old", "kubernetes.io/hostname": c.NodeName, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
			"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64", "extra": "kept"}}},
			`{"metadata":{"labels":{"agentpool":"nodepool1"}},"spec":{"podCIDR":"10.244.0.0/24","podCIDRs":["10.244.0.0/24"],"providerID":"azure:///subscriptions/s/vm/0"}}`},
		{"other pod CIDR kept", &node{Metadata: upToDate.Metadata, Spec: nodeSpec{PodCIDR: "10.244.9.0/24", ProviderID: "x"}}, "null"},
	} {
		b, _ := json.Marshal(a.updatePatch(tc.got))
		if string(b) != tc.want {
			t.Errorf("%s: patch %s\nwant %s", tc.name, b, tc.want)
		}
	}
}

func TestLeaseDocument(t *testing.T) {
	c := testConfig()
	now := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	l := newLease(c, "node-uid", now)
	b, _ := json.Marshal(l)
	want := `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"aks-nodepool1-12345678-vmss000000","namespace":"kube-node-lease","ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"aks-nodepool1-12345678-vmss000000","uid":"node-uid"}]},"spec":{"holderIdentity":"aks-nodepool1-12345678-vmss000000","leaseDurationSeconds":40,"renewTime":"2025-06-01T11:00:00.123456Z"}}`
	if string(b) != want {
		t.Errorf("lease\n got %s\nwant %s", b, want)
	}
	if l := newLease(c, "", now); l.Metadata.OwnerReferences != nil {
		t.Error("owner reference without a node UID")
	}
}
