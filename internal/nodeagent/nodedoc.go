package nodeagent

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"strings"
	"time"
)

// What the simulated node reports about itself.
const (
	osImage                 = "Ubuntu 22.04.5 LTS"
	containerRuntimeVersion = "containerd://1.7.27-aksbox"
	timeLayout              = time.RFC3339 // metav1.Time
)

// Capacity and allocatable amounts of a Standard_DS2_v2 node, the default VM
// size of an AKS node pool.
var (
	defaultCapacity = map[string]string{
		"cpu": "2", "memory": "7097684Ki", "pods": "110",
		"ephemeral-storage": "129886128Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
	}
	defaultAllocatable = map[string]string{
		"cpu": "1900m", "memory": "5160276Ki", "pods": "110",
		"ephemeral-storage": "119703055367", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
	}
)

// objectMeta holds the metadata fields the agent reads or writes.
type objectMeta struct {
	Name              string            `json:"name,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	UID               string            `json:"uid,omitempty"`
	ResourceVersion   string            `json:"resourceVersion,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
	DeletionTimestamp string            `json:"deletionTimestamp,omitempty"`
	OwnerReferences   []ownerReference  `json:"ownerReferences,omitempty"`
}

type ownerReference struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	UID        string `json:"uid"`
}

type node struct {
	APIVersion string      `json:"apiVersion,omitempty"`
	Kind       string      `json:"kind,omitempty"`
	Metadata   objectMeta  `json:"metadata"`
	Spec       nodeSpec    `json:"spec"`
	Status     *nodeStatus `json:"status,omitempty"`
}

type nodeSpec struct {
	PodCIDR    string   `json:"podCIDR,omitempty"`
	PodCIDRs   []string `json:"podCIDRs,omitempty"`
	ProviderID string   `json:"providerID,omitempty"`
}

type nodeStatus struct {
	Capacity        map[string]string `json:"capacity,omitempty"`
	Allocatable     map[string]string `json:"allocatable,omitempty"`
	Conditions      []nodeCondition   `json:"conditions,omitempty"`
	Addresses       []nodeAddress     `json:"addresses,omitempty"`
	DaemonEndpoints *daemonEndpoints  `json:"daemonEndpoints,omitempty"`
	NodeInfo        *nodeInfo         `json:"nodeInfo,omitempty"`
}

type nodeCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastHeartbeatTime  string `json:"lastHeartbeatTime,omitempty"`
	LastTransitionTime string `json:"lastTransitionTime,omitempty"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

type nodeAddress struct {
	Type    string `json:"type"`
	Address string `json:"address"`
}

type daemonEndpoints struct {
	KubeletEndpoint struct {
		Port int `json:"Port"`
	} `json:"kubeletEndpoint"`
}

type nodeInfo struct {
	MachineID               string `json:"machineID"`
	SystemUUID              string `json:"systemUUID"`
	BootID                  string `json:"bootID"`
	KernelVersion           string `json:"kernelVersion"`
	OSImage                 string `json:"osImage"`
	ContainerRuntimeVersion string `json:"containerRuntimeVersion"`
	KubeletVersion          string `json:"kubeletVersion"`
	KubeProxyVersion        string `json:"kubeProxyVersion"`
	OperatingSystem         string `json:"operatingSystem"`
	Architecture            string `json:"architecture"`
}

// healthyConditions are the conditions a healthy kubelet reports, in its order.
var healthyConditions = []nodeCondition{
	{Type: "MemoryPressure", Status: "False", Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
	{Type: "DiskPressure", Status: "False", Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
	{Type: "PIDPressure", Status: "False", Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
	{Type: "Ready", Status: "True", Reason: "KubeletReady", Message: "kubelet is posting ready status"},
}

// nodeLabels are the labels of the Node: the kubelet's own plus c.Labels.
func nodeLabels(c Config) map[string]string {
	l := map[string]string{
		"kubernetes.io/hostname":  c.NodeName,
		"kubernetes.io/os":        "linux",
		"kubernetes.io/arch":      "amd64",
		"beta.kubernetes.io/os":   "linux",
		"beta.kubernetes.io/arch": "amd64",
	}
	maps.Copy(l, c.Labels)
	return l
}

// resources returns the capacity and allocatable amounts of the node.
func resources(c Config) (capacity, allocatable map[string]string) {
	capacity, allocatable = maps.Clone(defaultCapacity), maps.Clone(defaultAllocatable)
	maps.Copy(capacity, c.Capacity)
	maps.Copy(allocatable, c.Capacity)
	maps.Copy(allocatable, c.Allocatable)
	return capacity, allocatable
}

// newNode is the Node the agent registers: metadata, spec and full status.
func newNode(c Config, st *nodeStatus) *node {
	n := &node{
		APIVersion: "v1",
		Kind:       "Node",
		Metadata: objectMeta{
			Name:        c.NodeName,
			Labels:      nodeLabels(c),
			Annotations: map[string]string{"volumes.kubernetes.io/controller-managed-attach-detach": "true"},
		},
		Spec:   nodeSpec{ProviderID: c.ProviderID},
		Status: st,
	}
	if c.PodCIDR != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = c.PodCIDR, []string{c.PodCIDR}
	}
	return n
}

// buildNodeStatus is the status the node posts at now. since holds the
// lastTransitionTime of each condition type; a missing one is now.
func buildNodeStatus(c Config, bootID, kernel string, since map[string]time.Time, now time.Time) *nodeStatus {
	capacity, allocatable := resources(c)
	st := &nodeStatus{
		Capacity:    capacity,
		Allocatable: allocatable,
		Addresses: []nodeAddress{
			{Type: "InternalIP", Address: c.NodeIP.String()},
			{Type: "Hostname", Address: c.NodeName},
		},
		DaemonEndpoints: &daemonEndpoints{},
		NodeInfo: &nodeInfo{
			MachineID:               hashHex("machine-id/"+c.NodeName, 16),
			SystemUUID:              uuidFrom(hashHex("system-uuid/"+c.NodeName, 16)),
			BootID:                  bootID,
			KernelVersion:           kernel,
			OSImage:                 osImage,
			ContainerRuntimeVersion: containerRuntimeVersion,
			KubeletVersion:          c.KubeletVersion,
			KubeProxyVersion:        c.KubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            "amd64",
		},
	}
	st.DaemonEndpoints.KubeletEndpoint.Port = kubeletPort
	for _, cond := range healthyConditions {
		cond.LastHeartbeatTime = formatTime(now)
		t, ok := since[cond.Type]
		if !ok {
			t = now
		}
		cond.LastTransitionTime = formatTime(t)
		st.Conditions = append(st.Conditions, cond)
	}
	return st
}

// conditionSince returns, for each healthy condition, when it last changed:
// kept from the existing node's status where it already has the same value,
// else now.
func conditionSince(existing *nodeStatus, now time.Time) map[string]time.Time {
	since := map[string]time.Time{}
	for _, want := range healthyConditions {
		since[want.Type] = now
		if existing == nil {
			continue
		}
		for _, got := range existing.Conditions {
			if got.Type != want.Type || got.Status != want.Status {
				continue
			}
			if t, err := time.Parse(timeLayout, got.LastTransitionTime); err == nil {
				since[want.Type] = t
			}
		}
	}
	return since
}

// kernelVersion is the release of the running kernel, as uname -r prints it.
func kernelVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// hashHex returns the first n bytes of the SHA-256 of s, in hex.
func hashHex(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:n])
}

// uuidFrom formats 32 hex digits as a UUID.
func uuidFrom(h string) string {
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
