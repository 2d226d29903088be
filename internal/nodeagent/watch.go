package nodeagent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"time"
)

// Server-side watch timeout: a random 5 to 10 minutes, as client-go's
// reflector does, so the watches of many nodes do not end together.
const (
	minWatchTimeout = 5 * time.Minute
	watchSlack      = 30 * time.Second // client-side deadline beyond the server's
)

type podList struct {
	Metadata struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Items []pod `json:"items"`
}

type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// podLoop lists the node's pods and watches them, listing again when the
// watch expires (410 Gone) or fails.
func (a *agent) podLoop(ctx context.Context) {
	s := &podSync{a: a, pending: map[string]*retryPod{}, pulls: map[string]*pullState{}}
	var bo backoff
	var f failures
	for ctx.Err() == nil {
		rv, err := s.list(ctx)
		if err != nil {
			if ctx.Err() == nil {
				f.fail(a.log, "listing pods", err)
				sleep(ctx, bo.next())
			}
			continue
		}
		f.ok(a.log, "listing pods")
		bo.reset()
		for ctx.Err() == nil {
			err := s.watch(ctx, &rv)
			if err == nil {
				continue // the server ended the watch; resume where it stopped
			}
			if isGone(err) {
				a.log.Debug("pod watch expired; listing again", "err", err)
			} else if ctx.Err() == nil {
				f.fail(a.log, "watching pods", err)
				sleep(ctx, bo.next())
			}
			break
		}
	}
}

func (a *agent) podQuery() url.Values {
	return url.Values{"fieldSelector": {"spec.nodeName=" + a.c.NodeName}}
}

// list reads the node's pods, handles each one, forgets pods that no longer
// exist, and returns the list's resource version.
func (s *podSync) list(ctx context.Context) (string, error) {
	var l podList
	if err := s.a.api.do(ctx, http.MethodGet, "/api/v1/pods", s.a.podQuery(), "", nil, &l); err != nil {
		return "", err
	}
	live := map[string]bool{}
	for _, p := range l.Items {
		live[p.Metadata.UID] = true
	}
	for _, uid := range s.a.ips.uids() {
		if !live[uid] {
			s.forget(uid)
		}
	}
	clear(s.pending)
	// Pods that already have an address keep it: claim those first, so a
	// new pod cannot be handed one of them.
	for i := range l.Items {
		p := &l.Items[i]
		if ip, err := netip.ParseAddr(p.Status.PodIP); err == nil && !p.Spec.HostNetwork {
			s.a.ips.reserve(p.Metadata.UID, ip)
		}
	}
	for i := range l.Items {
		s.handle(ctx, &l.Items[i])
	}
	return l.Metadata.ResourceVersion, nil
}

// watch watches the node's pods from *rv until the server ends the watch
// (nil) or it fails, advancing *rv with every event.
func (s *podSync) watch(ctx context.Context, rv *string) error {
	timeout := minWatchTimeout + rand.N(minWatchTimeout)
	q := s.a.podQuery()
	q.Set("watch", "true")
	q.Set("resourceVersion", *rv)
	q.Set("allowWatchBookmarks", "true")
	q.Set("timeoutSeconds", fmt.Sprint(int(timeout/time.Second)))
	wctx, cancel := context.WithTimeout(ctx, timeout+watchSlack)
	defer cancel()
	resp, err := s.a.api.send(wctx, http.MethodGet, "/api/v1/pods", q, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	events := make(chan watchEvent)
	done := make(chan error, 1)
	go func() {
		dec := json.NewDecoder(resp.Body)
		for {
			var ev watchEvent
			if err := dec.Decode(&ev); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				done <- err
				return
			}
			select {
			case events <- ev:
			case <-wctx.Done():
				done <- nil
				return
			}
		}
	}()
	tick := time.NewTicker(podRetryInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-done:
			return err
		case <-tick.C:
			s.retry(ctx)
		case ev := <-events:
			if err := s.event(ctx, ev, rv); err != nil {
				return err
			}
		}
	}
}

// event applies one watch event.
func (s *podSync) event(ctx context.Context, ev watchEvent, rv *string) error {
	switch ev.Type {
	case "ERROR":
		var st statusDoc
		if err := json.Unmarshal(ev.Object, &st); err != nil {
			return fmt.Errorf("decoding watch error: %w", err)
		}
		return st.err()
	case "ADDED", "MODIFIED", "DELETED", "BOOKMARK":
	default:
		return fmt.Errorf("unknown watch event type %q", ev.Type)
	}
	var p pod
	if err := json.Unmarshal(ev.Object, &p); err != nil {
		return fmt.Errorf("decoding %s event: %w", ev.Type, err)
	}
	if p.Metadata.ResourceVersion != "" {
		*rv = p.Metadata.ResourceVersion
	}
	switch ev.Type {
	case "DELETED":
		s.forget(p.Metadata.UID)
	case "ADDED", "MODIFIED":
		s.handle(ctx, &p)
	}
	return nil
}
