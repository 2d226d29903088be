package nodeagent

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// microTimeLayout is the format of metav1.MicroTime.
const microTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

const leasePath = "/apis/coordination.k8s.io/v1/namespaces/" + leaseNamespace + "/leases"

type lease struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       leaseSpec  `json:"spec"`
}

type leaseSpec struct {
	HolderIdentity       string `json:"holderIdentity"`
	LeaseDurationSeconds int    `json:"leaseDurationSeconds"`
	RenewTime            string `json:"renewTime"`
}

// leaseSpecAt is the spec of the node's Lease renewed at now.
func leaseSpecAt(c Config, now time.Time) leaseSpec {
	return leaseSpec{
		HolderIdentity:       c.NodeName,
		LeaseDurationSeconds: int(c.LeaseDuration / time.Second),
		RenewTime:            now.UTC().Format(microTimeLayout),
	}
}

// newLease is the node's Lease, owned by its Node (so it goes when the Node
// is deleted).
func newLease(c Config, nodeUID string, now time.Time) *lease {
	l := &lease{
		APIVersion: "coordination.k8s.io/v1",
		Kind:       "Lease",
		Metadata:   objectMeta{Name: c.NodeName, Namespace: leaseNamespace},
		Spec:       leaseSpecAt(c, now),
	}
	if nodeUID != "" {
		l.Metadata.OwnerReferences = []ownerReference{{APIVersion: "v1", Kind: "Node", Name: c.NodeName, UID: nodeUID}}
	}
	return l
}

// leaseLoop renews the node's Lease every quarter of its duration, retrying
// sooner after a failure. After a streak of failures it asks for a status
// post at once: the control plane may have marked the node NotReady.
func (a *agent) leaseLoop(ctx context.Context) {
	interval := a.c.LeaseDuration / 4
	var bo backoff
	var f failures
	for {
		wait := interval
		err := a.renewLease(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			if f.ok(a.log, "renewing node lease") {
				a.requestStatus()
			}
			bo.reset()
		default:
			f.fail(a.log, "renewing node lease", err)
			wait = min(bo.next(), interval)
		}
		if !sleep(ctx, wait) {
			return
		}
	}
}

// renewLease moves the Lease's renewTime to now, creating the Lease if
// it does not exist.
func (a *agent) renewLease(ctx context.Context) error {
	now := time.Now()
	path := leasePath + "/" + url.PathEscape(a.c.NodeName)
	patch := map[string]any{"spec": leaseSpecAt(a.c, now)}
	err := a.api.do(ctx, http.MethodPatch, path, nil, mergePatch, patch, nil)
	if !isNotFound(err) {
		return err
	}
	err = a.api.do(ctx, http.MethodPost, leasePath, nil, contentJSON, newLease(a.c, a.getNodeUID(), now), nil)
	if err != nil {
		return fmt.Errorf("creating node lease: %w", err)
	}
	a.log.Debug("created node lease")
	return nil
}
