package nodeagent

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"time"
)

// podSync simulates the pods bound to the node: it reports them running and
// finishes off the ones being deleted. It is used by one goroutine only.
type podSync struct {
	a *agent
	// pending holds pods whose last handling failed, by UID; they are
	// handled again on the next retry tick.
	pending map[string]*retryPod
	// pulls are the pods whose image pull failed, by UID.
	pulls map[string]*pullState
}

type retryPod struct {
	p     *pod
	tries int
}

const podRetryInterval = 2 * time.Second

// handle brings the API server's view of p in line with the simulated node.
func (s *podSync) handle(ctx context.Context, p *pod) {
	uid := p.Metadata.UID
	tries := 0
	if r, ok := s.pending[uid]; ok {
		tries = r.tries
		delete(s.pending, uid)
	}
	fail := func(what string, err error) { s.fail(p, tries+1, what, err) }
	if p.Spec.NodeName != s.a.c.NodeName {
		s.forget(uid)
		return
	}
	if p.Metadata.DeletionTimestamp != "" {
		if err := s.deletePod(ctx, p); err != nil {
			fail("deleting pod", err)
		}
		return
	}
	if p.Status.Phase == phaseSucceeded || p.Status.Phase == phaseFailed {
		s.forget(uid) // a finished pod holds no address
		return
	}
	ip, err := s.podIP(p)
	if err != nil {
		fail("allocating pod IP", err)
		return
	}
	if isRunning(p, ip, s.a.c.NodeIP) {
		return
	}
	if !s.pullImages(ctx, p, ip) {
		return
	}
	if err := s.postRunning(ctx, p, ip); err != nil {
		switch {
		case isNotFound(err), isConflict(err):
			// Gone or replaced by a pod of the same name; the watch
			// delivers what happened.
			s.a.log.Debug("pod changed under us", "pod", podName(p), "err", err)
		default:
			fail("posting pod status", err)
		}
		return
	}
	s.a.log.Info("pod running", "pod", podName(p), "ip", ip)
}

// podIP is the address of p: the node's for a host-network pod; else the one
// it already has (reported before the agent restarted) or a new one.
func (s *podSync) podIP(p *pod) (netip.Addr, error) {
	if p.Spec.HostNetwork {
		return s.a.c.NodeIP, nil
	}
	uid := p.Metadata.UID
	if ip, ok := s.a.ips.lookup(uid); ok {
		return ip, nil
	}
	if ip, err := netip.ParseAddr(p.Status.PodIP); err == nil {
		if !s.a.ips.reserve(uid, ip) {
			s.a.log.Warn("pod has an address outside the node's range or in use; keeping it", "pod", podName(p), "ip", ip)
		}
		return ip, nil
	}
	return s.a.ips.allocate(uid)
}

// postRunning patches p's status to running with address ip. The UID in the
// patch makes it fail if the pod was replaced meanwhile.
func (s *podSync) postRunning(ctx context.Context, p *pod, ip netip.Addr) error {
	patch := map[string]any{
		"metadata": map[string]any{"uid": p.Metadata.UID},
		"status":   runningStatus(p, ip, s.a.c.NodeIP, time.Now()),
	}
	return s.a.api.do(ctx, http.MethodPatch, podPath(p)+"/status", nil, strategicMergePatch, patch, nil)
}

// deleteOptions ends a pod at once, if it is still the same pod.
type deleteOptions struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	GracePeriodSeconds int    `json:"gracePeriodSeconds"`
	Preconditions      struct {
		UID string `json:"uid"`
	} `json:"preconditions"`
}

// deletePod deletes a pod whose deletion was requested: its (simulated)
// containers have stopped, so, like the kubelet, the agent removes the
// object with a zero grace period.
func (s *podSync) deletePod(ctx context.Context, p *pod) error {
	opts := deleteOptions{APIVersion: "v1", Kind: "DeleteOptions"}
	opts.Preconditions.UID = p.Metadata.UID
	err := s.a.api.do(ctx, http.MethodDelete, podPath(p), nil, contentJSON, opts, nil)
	switch {
	case err == nil:
		s.a.log.Info("pod deleted", "pod", podName(p))
	case isNotFound(err), isConflict(err):
		s.a.log.Debug("pod already gone", "pod", podName(p), "err", err)
	default:
		return err
	}
	s.forget(p.Metadata.UID)
	return nil
}

// forget drops what the node holds for the pod uid.
func (s *podSync) forget(uid string) {
	delete(s.pending, uid)
	delete(s.pulls, uid)
	s.a.ips.release(uid)
}

// fail queues p for another try; tries counts the failures in a row.
func (s *podSync) fail(p *pod, tries int, what string, err error) {
	if tries == 1 {
		s.a.log.Warn(what+" failed; will retry", "pod", podName(p), "err", err)
	} else {
		s.a.log.Debug(what+" failed again", "pod", podName(p), "err", err, "failures", tries)
	}
	s.pending[p.Metadata.UID] = &retryPod{p: p, tries: tries}
}

// retry handles the pending pods again.
func (s *podSync) retry(ctx context.Context) {
	retries := make([]*pod, 0, len(s.pending))
	for _, r := range s.pending {
		retries = append(retries, r.p)
	}
	for _, p := range retries {
		if ctx.Err() != nil {
			return
		}
		s.handle(ctx, p)
	}
}

func podPath(p *pod) string {
	return "/api/v1/namespaces/" + url.PathEscape(p.Metadata.Namespace) + "/pods/" + url.PathEscape(p.Metadata.Name)
}

func podName(p *pod) string { return p.Metadata.Namespace + "/" + p.Metadata.Name }
