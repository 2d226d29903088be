package nodeagent

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"time"
)

// A pod whose image cannot be pulled stays Pending with its container
// waiting, as the kubelet shows it: ErrImagePull right after a failed
// pull, ImagePullBackOff while the node waits before the next one (10 s,
// doubling to 5 minutes), with the kubelet's events (Pulling, Failed,
// BackOff, Pulled). Once a pull succeeds the pod goes Running.

// pullState is a pod's failing pull.
type pullState struct {
	image, container string
	message          string
	delay            time.Duration
	next             time.Time
	backingOff       bool // ImagePullBackOff is shown
}

// pullImages pulls what p's containers need; false when p must wait (its
// status and events say why, and it is queued for another try).
func (s *podSync) pullImages(ctx context.Context, p *pod, ip netip.Addr) bool {
	uid := p.Metadata.UID
	now := time.Now()
	if st := s.pulls[uid]; st != nil && now.Before(st.next) {
		if !st.backingOff {
			st.backingOff = true
			msg := fmt.Sprintf("Back-off pulling image %q", st.image)
			s.postWaiting(ctx, p, ip, st.container, "ImagePullBackOff", msg)
			s.record(ctx, p, st.container, "Normal", "BackOff", msg)
			s.record(ctx, p, st.container, "Warning", "Failed", "Error: ImagePullBackOff")
		}
		s.pending[uid] = &retryPod{p: p}
		return false
	}
	for _, c := range append(append([]container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		if s.a.pull.pulled(c.Image) {
			continue
		}
		s.record(ctx, p, c.Name, "Normal", "Pulling", fmt.Sprintf("Pulling image %q", c.Image))
		start := time.Now()
		if _, err := s.a.pull.pull(ctx, c.Image); err != nil {
			delay := s.a.c.PullBackoff
			if prev := s.pulls[uid]; prev != nil && prev.image == c.Image {
				delay = min(prev.delay*2, maxPullBackoff)
			}
			st := &pullState{image: c.Image, container: c.Name, message: err.Error(), delay: delay, next: time.Now().Add(delay)}
			s.pulls[uid] = st
			s.a.log.Info("image pull failed", "pod", podName(p), "image", c.Image, "retry", delay, "err", err)
			s.record(ctx, p, c.Name, "Warning", "Failed", fmt.Sprintf("Failed to pull image %q: %s", c.Image, st.message))
			s.record(ctx, p, c.Name, "Warning", "Failed", "Error: ErrImagePull")
			s.postWaiting(ctx, p, ip, c.Name, "ErrImagePull", st.message)
			s.pending[uid] = &retryPod{p: p}
			return false
		}
		s.record(ctx, p, c.Name, "Normal", "Pulled", fmt.Sprintf("Successfully pulled image %q in %s", c.Image, time.Since(start).Round(time.Millisecond)))
	}
	delete(s.pulls, uid)
	return true
}

// postWaiting reports p Pending with container waiting for reason.
func (s *podSync) postWaiting(ctx context.Context, p *pod, ip netip.Addr, waiting, reason, message string) {
	patch := map[string]any{
		"metadata": map[string]any{"uid": p.Metadata.UID},
		"status":   waitingStatus(p, ip, s.a.c.NodeIP, waiting, reason, message, time.Now()),
	}
	if err := s.a.api.do(ctx, http.MethodPatch, podPath(p)+"/status", nil, strategicMergePatch, patch, nil); err != nil {
		s.a.log.Debug("posting a waiting pod's status failed", "pod", podName(p), "err", err)
	}
}

// waitingStatus is the status of a pod whose container waiting cannot
// start for reason; its other containers wait to be created.
func waitingStatus(p *pod, ip, hostIP netip.Addr, waiting, reason, message string, now time.Time) podStatus {
	start := p.Status.StartTime
	if start == "" {
		start = formatTime(now)
	}
	st := podStatus{Phase: "Pending", HostIP: hostIP.String(), HostIPs: []podIP{{IP: hostIP.String()}},
		PodIP: ip.String(), PodIPs: []podIP{{IP: ip.String()}}, StartTime: start}
	ready := map[string]string{"PodReadyToStartContainers": "True", "Initialized": "True", "Ready": "False", "ContainersReady": "False", "PodScheduled": "True"}
	for _, t := range runningConditions {
		st.Conditions = append(st.Conditions, podCondition{Type: t, Status: ready[t], LastTransitionTime: formatTime(now)})
	}
	status := func(c container) containerStatus {
		image, _ := imageRefs(c.Image)
		cs := containerStatus{Name: c.Name, Image: image, Started: new(false)}
		cs.State.Waiting = &waitingState{Reason: "ContainerCreating"}
		if c.Name == waiting {
			cs.State.Waiting = &waitingState{Reason: reason, Message: message}
		}
		return cs
	}
	for _, c := range p.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, status(c))
	}
	for _, c := range p.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, status(c))
	}
	return st
}

// record records a kubelet event about one of p's containers; a failure to
// record it is logged, never retried.
func (s *podSync) record(ctx context.Context, p *pod, containerName, typ, reason, message string) {
	now := formatTime(time.Now())
	ev := map[string]any{
		"apiVersion": "v1", "kind": "Event",
		"metadata": map[string]any{"name": fmt.Sprintf("%s.%x", p.Metadata.Name, time.Now().UnixNano()), "namespace": p.Metadata.Namespace},
		"involvedObject": map[string]any{"apiVersion": "v1", "kind": "Pod", "name": p.Metadata.Name, "namespace": p.Metadata.Namespace,
			"uid": p.Metadata.UID, "fieldPath": "spec.containers{" + containerName + "}"},
		"reason": reason, "message": message, "type": typ,
		"source":         map[string]any{"component": "kubelet", "host": s.a.c.NodeName},
		"firstTimestamp": now, "lastTimestamp": now, "count": 1,
		"reportingComponent": "kubelet", "reportingInstance": s.a.c.NodeName,
	}
	path := "/api/v1/namespaces/" + url.PathEscape(p.Metadata.Namespace) + "/events"
	if err := s.a.api.do(ctx, http.MethodPost, path, nil, contentJSON, ev, nil); err != nil {
		s.a.log.Debug("recording an event failed", "pod", podName(p), "reason", reason, "err", err)
	}
}
