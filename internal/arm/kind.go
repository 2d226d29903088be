package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/aksbox/aksbox/internal/store"
)

// Kind serves one resource type with ARM's generic semantics — PUT as
// create-or-update, GET, DELETE, list per parent, per group and per
// subscription — and leaves what is particular to the type to its hooks.
// Creation and deletion are long-running operations when the type has
// realization work to do.
type Kind struct {
	Namespace   string // Microsoft.Network
	Type        string // virtualNetworks, or virtualNetworks/subnets for a child
	APIVersions []string
	// Build validates a PUT body against the current record (nil when
	// creating) and returns the record to store. The body's
	// provisioningState is set by Kind.
	Build func(ctx context.Context, r *Request, id ResourceID, body []byte, cur *Stored) (Record, error)
	// Realize makes a stored resource real (network namespaces, processes).
	// It runs in the background after the PUT answered; nil: nothing to do.
	Realize func(ctx context.Context, id ResourceID, rec *Stored) error
	// CheckDelete refuses a delete, e.g. InUseSubnetCannotBeDeleted; nil: always allowed.
	CheckDelete func(ctx context.Context, id ResourceID, rec *Stored) error
	// Unrealize undoes Realize before the record is removed; nil: nothing to do.
	Unrealize func(ctx context.Context, id ResourceID, rec *Stored) error
	// Restart brings a settled resource back after the server started, in
	// place of Realize; nil: Realize.
	Restart func(ctx context.Context, id ResourceID, rec *Stored) error
	// View computes the body a client sees from the stored one (e.g. states
	// that depend on other resources, or fields of one api-version only:
	// see APIVersionOf); nil: the stored body.
	View func(ctx context.Context, st *Stored) json.RawMessage
	// ViewReads is what View reads besides the record (ViewReadsAnything,
	// the default, ViewReadsRecord or ViewReadsRecords): how long a body
	// it made may be served again.
	ViewReads int
	// Patch validates a PATCH body against the current record and returns
	// the record to store, for types whose update model has more than tags;
	// nil: only tags change, as ARM's generic update of a tracked resource.
	Patch func(ctx context.Context, r *Request, id ResourceID, body []byte, cur *Stored) (Record, error)
	// Serialize runs every write of this kind one at a time, for kinds
	// whose Build allocates from a shared pool (IP addresses).
	Serialize bool
	// SerializeWith runs every write of this kind one at a time with those
	// of another Serialize kind, for kinds that allocate from its pool (an
	// address from the subnets NICs take theirs from).
	SerializeWith *Kind
	// BareETag makes the body's etag a bare GUID (see BodyOfBare).
	BareETag bool
	// Normalize applies the type's own normalisation to what a record
	// keeps of a client's body (see Sent), e.g. dropping an empty object
	// that Azure does not return; nil: the body is kept as sent.
	Normalize func(sent map[string]any)
	serial    sync.Mutex
	h         *kindHandler
	memo      bodyMemo
}

// KindDeps are what every Kind needs from the server.
type KindDeps struct {
	Records *Records
	Ops     *Operations
	Catalog *Catalog
	// Group checks that a group exists and is not being deleted.
	Group func(ctx context.Context, sub, name string) error
	Log   *slog.Logger
}

// Guard wraps a handler of a route under a resource group of namespace
// (an action, a child kept in its parent) with what every such request
// needs first: the subscription registered, the group present.
func (d KindDeps) Guard(namespace string, h Handler) Handler {
	return func(w http.ResponseWriter, r *Request) error {
		if err := d.Catalog.RequireRegistered(r.Context(), r.Var("subscriptionId"), namespace); err != nil {
			return err
		}
		if err := d.Group(r.Context(), r.Var("subscriptionId"), r.Var("resourceGroupName")); err != nil {
			return err
		}
		return h(w, r)
	}
}

// Serve registers the kind's routes and its type in the catalog.
func (k *Kind) Serve(s *Server, d KindDeps) {
	d.Catalog.Add(Namespace{Name: k.Namespace, Types: []ResourceType{{Name: k.Type, APIVersions: k.APIVersions}}})
	types := strings.Split(k.Type, "/")
	path := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/" + k.Namespace
	for i, t := range types {
		path += "/" + t + "/{name" + fmt.Sprint(i) + "}"
	}
	h := &kindHandler{k: k, d: d}
	k.h = h
	s.Handle(Route{Pattern: path, APIVersions: k.APIVersions, Handler: h.one,
		Methods: []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete}})
	s.Handle(Route{Pattern: strings.TrimSuffix(path, "/{name"+fmt.Sprint(len(types)-1)+"}"), APIVersions: k.APIVersions,
		Methods: []string{http.MethodGet}, Handler: h.list})
	if len(types) == 1 {
		s.Handle(Route{Pattern: "/subscriptions/{subscriptionId}/providers/" + k.Namespace + "/" + k.Type,
			APIVersions: k.APIVersions, Methods: []string{http.MethodGet}, Handler: h.list})
	}
}

type kindHandler struct {
	k *Kind
	d KindDeps
}

// id builds the resource ID of a request with the names as given; without
// its last name (the ID of the parent) when full is false.
func (h *kindHandler) id(r *Request, full bool) ResourceID {
	id := ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName")}
	types := strings.Split(h.k.Type, "/")
	n := len(types)
	if !full {
		n--
	}
	if n > 0 {
		id.Namespace = h.k.Namespace
	}
	for i := 0; i < n; i++ {
		id.Types = append(id.Types, types[i])
		id.Names = append(id.Names, r.Var("name"+fmt.Sprint(i)))
	}
	return id
}

func (h *kindHandler) preflight(r *Request) error {
	if err := h.d.Catalog.RequireRegistered(r.Context(), r.Var("subscriptionId"), h.k.Namespace); err != nil {
		return err
	}
	if g := r.Var("resourceGroupName"); g != "" {
		return h.d.Group(r.Context(), r.Var("subscriptionId"), g)
	}
	return nil
}

func (h *kindHandler) one(w http.ResponseWriter, r *Request) error {
	if err := h.preflight(r); err != nil {
		return err
	}
	id := h.id(r, true)
	// A child needs its parent.
	if len(id.Types) > 1 {
		if _, err := h.d.Records.Peek(r.Context(), id.Parent().String()); errors.Is(err, store.ErrNotFound) {
			return NotFound(id.Parent())
		} else if err != nil {
			return err
		}
	}
	if r.Method != http.MethodGet {
		if k := h.k.serialKind(); k != nil {
			k.serial.Lock()
			defer k.serial.Unlock()
		}
		defer LockResource(id.String())()
	}
	get := h.d.Records.Get
	if r.Method == http.MethodGet {
		get = h.d.Records.Peek // only read; answer builds from a copy
	}
	cur, err := get(r.Context(), id.String())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	switch r.Method {
	case http.MethodGet:
		if cur == nil {
			return NotFound(id)
		}
		w.Header().Set("ETag", cur.ETag())
		WriteJSON(w, http.StatusOK, h.k.answer(r.Context(), cur))
		return nil
	case http.MethodPut:
		return h.put(w, r, id, cur)
	case http.MethodPatch:
		return h.patch(w, r, id, cur)
	default:
		return h.delete(w, r, id, cur)
	}
}

// Body is what a client sees of a stored resource of this kind. st may be
// the read cache's own record (Records.Peek): a body not kept is built
// from a copy, so that no View can change it.
func (k *Kind) Body(ctx context.Context, st *Stored) json.RawMessage {
	body, _ := k.memoized(ctx, st, func() json.RawMessage { return k.body(ctx, st.clone()) })
	return body
}

func (k *Kind) body(ctx context.Context, st *Stored) json.RawMessage {
	if k.View != nil {
		st = &Stored{Record: Record{Body: k.View(ctx, st), Operation: st.Operation, Internal: st.Internal, Sent: st.Sent}, Key: st.Key, Revision: st.Revision}
	}
	if k.BareETag {
		return BodyOfBare(st)
	}
	return BodyOf(st)
}

// SentOver is what a record written with body over cur (nil when
// creating) keeps of the body (see SentOver).
func (k *Kind) SentOver(ctx context.Context, body []byte, cur *Stored) json.RawMessage {
	if cur == nil {
		return k.normalize(Sent(body))
	}
	model := cur.Body
	if k.View != nil {
		model = k.View(ctx, cur)
	}
	return k.normalize(SentOver(body, cur.Sent, model))
}

// normalize runs the kind's Normalize over a kept body.
func (k *Kind) normalize(sent json.RawMessage) json.RawMessage {
	if k.Normalize == nil || sent == nil {
		return sent
	}
	var m map[string]any
	if err := json.Unmarshal(sent, &m); err != nil || m == nil {
		return sent
	}
	k.Normalize(m)
	out, err := json.Marshal(m)
	if err != nil {
		return sent
	}
	return out
}

// serialKind is the kind whose lock a write takes, if any.
func (k *Kind) serialKind() *Kind {
	if k.SerializeWith != nil {
		return k.SerializeWith
	}
	if k.Serialize {
		return k
	}
	return nil
}

// Exclusive runs fn while no write of a Serialize kind runs, for writers
// outside the kind's own handlers that allocate from the same pool.
func (k *Kind) Exclusive(fn func() error) error {
	k.serial.Lock()
	defer k.serial.Unlock()
	return fn()
}
