package nodeagent

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// onNode reports whether pod obj matches the request's spec.nodeName field
// selector, the only selector the agent sends.
func onNode(r *http.Request, obj map[string]any) bool {
	node, ok := strings.CutPrefix(r.URL.Query().Get("fieldSelector"), "spec.nodeName=")
	return ok && str(obj, "spec", "nodeName") == node
}

func (f *fakeAPI) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.HasPrefix(r.URL.Query().Get("fieldSelector"), "spec.nodeName=") {
		writeStatus(w, http.StatusForbidden, "Forbidden", "a node may list only its own pods")
		return
	}
	f.lists++
	items := []any{}
	for _, p := range f.pods {
		if onNode(r, p) {
			items = append(items, p)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"kind": "PodList", "apiVersion": "v1",
		"metadata": map[string]any{"resourceVersion": strconv.Itoa(f.rv)}, "items": items,
	})
}

// watch streams the pod events after the requested resource version until
// the timeout, the client leaves, or kickWatches.
func (f *fakeAPI) watch(w http.ResponseWriter, r *http.Request) {
	from, _ := strconv.Atoi(r.URL.Query().Get("resourceVersion"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	flush := func() { w.(http.Flusher).Flush() }
	flush()
	f.mu.Lock()
	kick := f.kick
	if from < f.compacted {
		f.mu.Unlock()
		_ = enc.Encode(map[string]any{"type": "ERROR", "object": map[string]any{
			"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Expired",
			"message": "too old resource version", "code": 410}})
		flush()
		return
	}
	f.mu.Unlock()
	secs, _ := strconv.Atoi(r.URL.Query().Get("timeoutSeconds"))
	timeout := time.After(time.Duration(secs) * time.Second)
	for {
		f.mu.Lock()
		var out []fakeEvent
		for _, ev := range f.events {
			if ev.rv > from && onNode(r, ev.obj) {
				out = append(out, ev)
			}
		}
		if len(f.events) > 0 {
			from = max(from, f.events[len(f.events)-1].rv)
		}
		changed := f.changed
		f.mu.Unlock()
		for _, ev := range out {
			_ = enc.Encode(map[string]any{"type": ev.typ, "object": ev.obj})
		}
		flush()
		select {
		case <-changed:
		case <-kick:
			return
		case <-timeout:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// addPod creates a pod bound to node with one container per image.
func (f *fakeAPI) addPod(ns, name, node string, hostNetwork bool, images ...string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var containers []any
	for i, img := range images {
		containers = append(containers, map[string]any{"name": "c" + strconv.Itoa(i), "image": img})
	}
	uid := "pod-uid-" + ns + "-" + name + "-" + strconv.Itoa(f.rv)
	obj := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": ns, "uid": uid},
		"spec":     map[string]any{"nodeName": node, "hostNetwork": hostNetwork, "containers": containers},
		"status":   map[string]any{"phase": "Pending", "qosClass": "BestEffort"},
	}
	f.pods[ns+"/"+name] = obj
	f.emit("ADDED", obj)
	return uid
}

// requestDelete starts a graceful deletion, as kubectl delete pod does.
func (f *fakeAPI) requestDelete(ns, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	obj := f.pods[ns+"/"+name]
	obj["metadata"].(map[string]any)["deletionTimestamp"] = time.Now().UTC().Format(time.RFC3339)
	f.emit("MODIFIED", obj)
}

// compact forgets the event history and ends every watch, so watches resumed
// from an older resource version get 410 Gone.
func (f *fakeAPI) compact() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.compacted = f.rv + 1
	f.rv++
	close(f.kick)
	f.kick = make(chan struct{})
}

// get returns a copy of an object (nil if missing) under the lock.
func (f *fakeAPI) get(m func(*fakeAPI) map[string]map[string]any, key string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if obj, ok := m(f)[key]; ok {
		return clone(obj)
	}
	return nil
}

func nodesOf(f *fakeAPI) map[string]map[string]any  { return f.nodes }
func leasesOf(f *fakeAPI) map[string]map[string]any { return f.leases }
func podsOf(f *fakeAPI) map[string]map[string]any   { return f.pods }

// jsonMerge applies patch to dst: maps merge, null deletes, and lists of
// objects merge by their "type", "name" or "ip" key (the merge keys of the
// strategic merge patches the agent sends); other lists are replaced.
func jsonMerge(dst, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			d, ok := dst[k].(map[string]any)
			if !ok {
				d = map[string]any{}
				dst[k] = d
			}
			jsonMerge(d, pv)
		case []any:
			dst[k] = mergeList(dst[k], pv)
		default:
			dst[k] = v
		}
	}
}

func mergeList(cur any, patch []any) []any {
	old, _ := cur.([]any)
	out := append([]any(nil), old...)
	for _, pe := range patch {
		pm, ok := pe.(map[string]any)
		if !ok {
			return patch
		}
		key := ""
		for _, k := range []string{"type", "name", "ip"} {
			if _, ok := pm[k]; ok {
				key = k
				break
			}
		}
		if key == "" {
			return patch
		}
		found := false
		for _, oe := range out {
			if om, ok := oe.(map[string]any); ok && om[key] == pm[key] {
				jsonMerge(om, pm)
				found = true
			}
		}
		if !found {
			out = append(out, pm)
		}
	}
	return out
}

// str reads a string at a path of map keys ("" if absent).
func str(obj map[string]any, path ...string) string {
	var cur any = obj
	for _, k := range path {
		m, _ := cur.(map[string]any)
		cur = m[k]
	}
	s, _ := cur.(string)
	return s
}

func clone(obj map[string]any) map[string]any {
	b, _ := json.Marshal(obj)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
