package nodeagent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fakeAPI is an in-memory stand-in for the parts of kube-apiserver the agent
// uses: nodes, node status, leases, and pods (list, watch, status, delete).
// Objects are generic JSON; patches are applied by jsonMerge.
type fakeAPI struct {
	mu        sync.Mutex
	rv        int
	nodes     map[string]map[string]any
	leases    map[string]map[string]any
	pods      map[string]map[string]any // by namespace/name
	events    []fakeEvent               // pod events, in resource version order
	compacted int                       // watches from before this answer 410
	changed   chan struct{}             // closed and replaced on every pod event
	kick      chan struct{}             // closed and replaced to end all watches
	users     map[string]int            // requests by client certificate CN
	deletes   []map[string]any          // bodies of pod deletions
	lists     int                       // pod lists served
	failNext  int                       // answer this many next requests with 503
}

type fakeEvent struct {
	rv  int
	typ string
	obj map[string]any
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{
		nodes: map[string]map[string]any{}, leases: map[string]map[string]any{}, pods: map[string]map[string]any{},
		changed: make(chan struct{}), kick: make(chan struct{}), users: map[string]int{},
	}
}

// ServeHTTP routes a request by method and path.
func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		f.users[r.TLS.PeerCertificates[0].Subject.CommonName]++
	}
	if f.failNext > 0 {
		f.failNext--
		f.mu.Unlock()
		writeStatus(w, http.StatusServiceUnavailable, "ServiceUnavailable", "starting")
		return
	}
	f.mu.Unlock()
	var body map[string]any
	if r.Body != nil && r.Method != http.MethodGet {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/api/v1/nodes" && r.Method == http.MethodPost:
		f.create(w, f.nodes, body)
	case len(p) >= 4 && p[2] == "nodes":
		f.object(w, r, f.nodes, p[3], body)
	case r.URL.Path == "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases" && r.Method == http.MethodPost:
		f.create(w, f.leases, body)
	case len(p) == 7 && p[5] == "leases":
		f.object(w, r, f.leases, p[6], body)
	case r.URL.Path == "/api/v1/pods" && r.URL.Query().Get("watch") == "true":
		f.watch(w, r)
	case r.URL.Path == "/api/v1/pods":
		f.list(w, r)
	case len(p) >= 6 && p[4] == "pods" && r.Method == http.MethodPatch:
		f.patchPod(w, p[3]+"/"+p[5], body)
	case len(p) == 6 && p[4] == "pods" && r.Method == http.MethodDelete:
		f.deletePod(w, p[3]+"/"+p[5], body)
	default:
		writeStatus(w, http.StatusNotFound, "NotFound", "no route "+r.Method+" "+r.URL.Path)
	}
}

func (f *fakeAPI) create(w http.ResponseWriter, m map[string]map[string]any, obj map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := str(obj, "metadata", "name")
	if _, ok := m[name]; ok {
		writeStatus(w, http.StatusConflict, "AlreadyExists", name+" already exists")
		return
	}
	f.rv++
	meta := obj["metadata"].(map[string]any)
	meta["uid"], meta["resourceVersion"] = fmt.Sprintf("uid-%d", f.rv), strconv.Itoa(f.rv)
	m[name] = obj
	writeJSON(w, http.StatusCreated, obj)
}

// object serves GET and PATCH of a node (or its status) or a lease.
func (f *fakeAPI) object(w http.ResponseWriter, r *http.Request, m map[string]map[string]any, name string, patch map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	obj, ok := m[name]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", name+" not found")
		return
	}
	if r.Method == http.MethodPatch {
		jsonMerge(obj, patch)
		f.rv++
		obj["metadata"].(map[string]any)["resourceVersion"] = strconv.Itoa(f.rv)
	}
	writeJSON(w, http.StatusOK, obj)
}

func (f *fakeAPI) patchPod(w http.ResponseWriter, key string, patch map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	obj, ok := f.pods[key]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", key+" not found")
		return
	}
	if uid := str(patch, "metadata", "uid"); uid != str(obj, "metadata", "uid") {
		writeStatus(w, http.StatusConflict, "Conflict", "Precondition failed: UID in precondition: "+uid)
		return
	}
	jsonMerge(obj, patch)
	f.emit("MODIFIED", obj)
	writeJSON(w, http.StatusOK, obj)
}

func (f *fakeAPI) deletePod(w http.ResponseWriter, key string, opts map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes = append(f.deletes, opts)
	obj, ok := f.pods[key]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", key+" not found")
		return
	}
	if uid := str(opts, "preconditions", "uid"); uid != str(obj, "metadata", "uid") {
		writeStatus(w, http.StatusConflict, "Conflict", "Precondition failed: UID in precondition: "+uid)
		return
	}
	if g, ok := opts["gracePeriodSeconds"].(float64); !ok || g != 0 {
		obj["metadata"].(map[string]any)["deletionTimestamp"] = time.Now().UTC().Format(time.RFC3339)
		f.emit("MODIFIED", obj)
		writeJSON(w, http.StatusOK, obj)
		return
	}
	delete(f.pods, key)
	f.emit("DELETED", obj)
	writeJSON(w, http.StatusOK, obj)
}

// emit records a pod event at a new resource version; f.mu is held.
func (f *fakeAPI) emit(typ string, obj map[string]any) {
	f.rv++
	obj["metadata"].(map[string]any)["resourceVersion"] = strconv.Itoa(f.rv)
	f.events = append(f.events, fakeEvent{rv: f.rv, typ: typ, obj: clone(obj)})
	close(f.changed)
	f.changed = make(chan struct{})
}

func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "message": msg, "code": code})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
