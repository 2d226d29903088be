package nodeagent

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// registerUntilDone registers the Node, retrying until it succeeds; it
// reports false if ctx ended first.
func (a *agent) registerUntilDone(ctx context.Context) bool {
	var bo backoff
	var f failures
	for {
		err := a.register(ctx)
		if err == nil {
			f.ok(a.log, "registering node")
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		f.fail(a.log, "registering node", err)
		if !sleep(ctx, bo.next()) {
			return false
		}
	}
}

// register creates the Node or, if it exists, brings its labels and spec up
// to date, as the kubelet does when it starts.
func (a *agent) register(ctx context.Context) error {
	now := time.Now()
	want := newNode(a.c, buildNodeStatus(a.c, a.bootID, a.kernel, nil, now))
	var got node
	err := a.api.do(ctx, http.MethodPost, "/api/v1/nodes", nil, contentJSON, want, &got)
	if err == nil {
		a.setNodeUID(got.Metadata.UID)
		a.log.Info("registered node", "uid", got.Metadata.UID)
		return nil
	}
	if !isConflict(err) {
		return fmt.Errorf("creating node: %w", err)
	}
	path := "/api/v1/nodes/" + url.PathEscape(a.c.NodeName)
	if err := a.api.do(ctx, http.MethodGet, path, nil, "", nil, &got); err != nil {
		return fmt.Errorf("reading existing node: %w", err)
	}
	patch := a.updatePatch(&got)
	if patch != nil {
		if err := a.api.do(ctx, http.MethodPatch, path, nil, strategicMergePatch, patch, &got); err != nil {
			return fmt.Errorf("updating existing node: %w", err)
		}
	}
	a.setNodeUID(got.Metadata.UID)
	a.log.Info("node already registered", "uid", got.Metadata.UID, "updated", patch != nil)
	return nil
}

func (a *agent) setNodeUID(uid string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.nodeUID = uid
}

func (a *agent) getNodeUID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.nodeUID
}

// updatePatch is the strategic merge patch that brings an existing Node's
// labels and spec in line with the config, or nil if none is needed. A node
// can set spec.podCIDR and spec.providerID only while they are empty.
func (a *agent) updatePatch(got *node) map[string]any {
	labels := map[string]string{}
	for k, v := range nodeLabels(a.c) {
		if cur, ok := got.Metadata.Labels[k]; !ok || cur != v {
			labels[k] = v
		}
	}
	spec := map[string]any{}
	if c := a.c.PodCIDR; c != "" {
		switch got.Spec.PodCIDR {
		case "":
			spec["podCIDR"], spec["podCIDRs"] = c, []string{c}
		case c:
		default:
			a.log.Warn("node has another pod CIDR; keeping it", "have", got.Spec.PodCIDR, "want", c)
		}
	}
	if p := a.c.ProviderID; p != "" && got.Spec.ProviderID == "" {
		spec["providerID"] = p
	}
	patch := map[string]any{}
	if len(labels) > 0 {
		patch["metadata"] = map[string]any{"labels": labels}
	}
	if len(spec) > 0 {
		patch["spec"] = spec
	}
	if len(patch) == 0 {
		return nil
	}
	return patch
}

// statusLoop posts the node status at once, then every StatusInterval and
// whenever requestStatus asks. It registers the Node again if it was deleted.
func (a *agent) statusLoop(ctx context.Context) {
	var bo backoff
	var f failures
	for {
		wait := a.c.StatusInterval
		err := a.postStatus(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			f.ok(a.log, "posting node status")
			bo.reset()
		case isNotFound(err):
			a.log.Warn("node object is gone; registering again")
			if !a.registerUntilDone(ctx) {
				return
			}
			continue
		default:
			f.fail(a.log, "posting node status", err)
			wait = min(bo.next(), wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-a.statusNow:
			t.Stop()
		case <-t.C:
		}
	}
}

// postStatus patches the node status: conditions with a fresh heartbeat,
// addresses, capacity, allocatable and node info. Like the kubelet it reads
// the Node first (from the API server's cache), so a condition another
// component changed meanwhile (Ready=Unknown after the lease expired) gets a
// new lastTransitionTime.
func (a *agent) postStatus(ctx context.Context) error {
	path := "/api/v1/nodes/" + url.PathEscape(a.c.NodeName)
	var got node
	if err := a.api.do(ctx, http.MethodGet, path, url.Values{"resourceVersion": {"0"}}, "", nil, &got); err != nil {
		return err
	}
	if got.Metadata.UID != "" && got.Metadata.UID != a.getNodeUID() {
		a.setNodeUID(got.Metadata.UID)
	}
	now := time.Now()
	st := buildNodeStatus(a.c, a.bootID, a.kernel, conditionSince(got.Status, now), now)
	patch := map[string]any{"status": st}
	if err := a.api.do(ctx, http.MethodPatch, path+"/status", nil, strategicMergePatch, patch, nil); err != nil {
		return err
	}
	a.log.Debug("posted node status")
	return nil
}
