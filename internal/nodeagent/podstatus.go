package nodeagent

import (
	"net/netip"
	"strings"
	"time"
)

// Pod phases the agent distinguishes.
const (
	phaseRunning   = "Running"
	phaseSucceeded = "Succeeded"
	phaseFailed    = "Failed"
)

type pod struct {
	Metadata objectMeta `json:"metadata"`
	Spec     podSpec    `json:"spec"`
	Status   podStatus  `json:"status"`
}

type podSpec struct {
	NodeName       string      `json:"nodeName,omitempty"`
	HostNetwork    bool        `json:"hostNetwork,omitempty"`
	Containers     []container `json:"containers,omitempty"`
	InitContainers []container `json:"initContainers,omitempty"`
}

type container struct {
	Name          string `json:"name"`
	Image         string `json:"image,omitempty"`
	RestartPolicy string `json:"restartPolicy,omitempty"` // "Always" for a sidecar init container
}

type podStatus struct {
	Phase                 string            `json:"phase,omitempty"`
	Conditions            []podCondition    `json:"conditions,omitempty"`
	HostIP                string            `json:"hostIP,omitempty"`
	HostIPs               []podIP           `json:"hostIPs,omitempty"`
	PodIP                 string            `json:"podIP,omitempty"`
	PodIPs                []podIP           `json:"podIPs,omitempty"`
	StartTime             string            `json:"startTime,omitempty"`
	InitContainerStatuses []containerStatus `json:"initContainerStatuses,omitempty"`
	ContainerStatuses     []containerStatus `json:"containerStatuses,omitempty"`
}

type podCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastTransitionTime string `json:"lastTransitionTime,omitempty"`
}

type podIP struct {
	IP string `json:"ip"`
}

type containerStatus struct {
	Name         string         `json:"name"`
	State        containerState `json:"state"`
	LastState    containerState `json:"lastState"`
	Ready        bool           `json:"ready"`
	RestartCount int            `json:"restartCount"`
	Image        string         `json:"image"`
	ImageID      string         `json:"imageID"`
	ContainerID  string         `json:"containerID,omitempty"`
	Started      *bool          `json:"started,omitempty"`
}

type containerState struct {
	Waiting    *waitingState    `json:"waiting,omitempty"`
	Running    *runningState    `json:"running,omitempty"`
	Terminated *terminatedState `json:"terminated,omitempty"`
}

type waitingState struct {
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

type runningState struct {
	StartedAt string `json:"startedAt,omitempty"`
}

type terminatedState struct {
	ExitCode    int    `json:"exitCode"`
	Reason      string `json:"reason,omitempty"`
	StartedAt   string `json:"startedAt,omitempty"`
	FinishedAt  string `json:"finishedAt,omitempty"`
	ContainerID string `json:"containerID,omitempty"`
}

// runningConditions are the conditions of a running, ready pod, in the
// kubelet's order.
var runningConditions = []string{"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"}

// runningStatus is the status of p once all its containers run: phase
// Running, every condition True, the given addresses, init containers
// completed (sidecars running) and every container running and ready.
// Times already in p's status are kept; the rest are now.
func runningStatus(p *pod, ip, hostIP netip.Addr, now time.Time) podStatus {
	start := p.Status.StartTime
	if start == "" {
		start = formatTime(now)
	}
	st := podStatus{
		Phase:     phaseRunning,
		HostIP:    hostIP.String(),
		HostIPs:   []podIP{{IP: hostIP.String()}},
		PodIP:     ip.String(),
		PodIPs:    []podIP{{IP: ip.String()}},
		StartTime: start,
	}
	for _, t := range runningConditions {
		since := formatTime(now)
		for _, c := range p.Status.Conditions {
			if c.Type == t && c.Status == "True" && c.LastTransitionTime != "" {
				since = c.LastTransitionTime
			}
		}
		st.Conditions = append(st.Conditions, podCondition{Type: t, Status: "True", LastTransitionTime: since})
	}
	for _, c := range p.Spec.InitContainers {
		cs := newContainerStatus(p.Metadata.UID, c)
		if c.RestartPolicy == "Always" {
			cs.State.Running = &runningState{StartedAt: start}
		} else {
			cs.State.Terminated = &terminatedState{
				ExitCode: 0, Reason: "Completed", StartedAt: start, FinishedAt: start, ContainerID: cs.ContainerID,
			}
			cs.Started = new(false)
		}
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
	}
	for _, c := range p.Spec.Containers {
		cs := newContainerStatus(p.Metadata.UID, c)
		cs.State.Running = &runningState{StartedAt: start}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	return st
}

// newContainerStatus is a ready, started container status for c of the pod
// uid, without a state. Its IDs are derived from the pod and the image, so
// posting the status again changes nothing.
func newContainerStatus(uid string, c container) containerStatus {
	image, imageID := imageRefs(c.Image)
	return containerStatus{
		Name:        c.Name,
		Ready:       true,
		Image:       image,
		ImageID:     imageID,
		ContainerID: "containerd://" + hashHex("container/"+uid+"/"+c.Name, 32),
		Started:     new(true),
	}
}

// imageRefs returns the fully qualified reference of image, as containerd
// reports it (docker.io/library/nginx:latest for nginx), and its image ID
// (repository@sha256:digest).
func imageRefs(image string) (ref, id string) {
	name, digest, hasDigest := strings.Cut(image, "@")
	domain, rest, ok := strings.Cut(name, "/")
	if !ok || (!strings.ContainsAny(domain, ".:") && domain != "localhost") {
		domain, rest = "docker.io", name
	}
	if domain == "docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	repo, tag := rest, "latest"
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i:], "/") {
		repo, tag = rest[:i], rest[i+1:]
	}
	repo = domain + "/" + repo
	if hasDigest {
		return repo + "@" + digest, repo + "@" + digest
	}
	ref = repo + ":" + tag
	return ref, repo + "@sha256:" + hashHex("image/"+ref, 32)
}

// isRunning reports whether p's status already says what runningStatus
// would (in substance: running, ready, the right addresses and images): then
// there is nothing to post.
func isRunning(p *pod, ip, hostIP netip.Addr) bool {
	st := &p.Status
	if st.Phase != phaseRunning || st.PodIP != ip.String() || st.HostIP != hostIP.String() || len(st.PodIPs) != 1 {
		return false
	}
	ready := false
	for _, c := range st.Conditions {
		if c.Type == "Ready" {
			ready = c.Status == "True"
		}
	}
	if !ready || len(st.ContainerStatuses) != len(p.Spec.Containers) ||
		len(st.InitContainerStatuses) != len(p.Spec.InitContainers) {
		return false
	}
	for i, cs := range st.ContainerStatuses {
		c := p.Spec.Containers[i]
		if ref, _ := imageRefs(c.Image); cs.Name != c.Name || cs.Image != ref || !cs.Ready || cs.State.Running == nil {
			return false
		}
	}
	return true
}
