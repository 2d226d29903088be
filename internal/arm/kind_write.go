package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm/schema"
	"github.com/aksbox/aksbox/internal/store"
)

// Provisioning states.
const (
	Succeeded = "Succeeded"
	Updating  = "Updating"
	Deleting  = "Deleting"
	Failed    = "Failed"
)

func readBody(r *Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, BadRequest("InvalidRequestContent", "The request content could not be read: %v.", err)
	}
	if len(data) > maxBody {
		return nil, Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request content is larger than %d bytes.", maxBody)
	}
	if r.Method == http.MethodPut || r.Method == http.MethodPatch {
		data = knownProperties(r, data)
	}
	return data, nil
}

// knownProperties is a resource's PUT or PATCH body without the properties
// that its type's schema at the request's api-version lacks: Azure's
// resource providers ignore them, so they are neither taken as input nor
// kept (see Sent).
func knownProperties(r *Request, data []byte) []byte {
	id, err := ParseID(r.URL.Path)
	if err != nil || id.Namespace == "" {
		return data
	}
	out, _ := schema.Prune(id.Type(), r.APIVersion, data)
	return out
}

// State reads properties.provisioningState of a body.
func State(body json.RawMessage) string {
	var b struct {
		Properties struct {
			ProvisioningState string `json:"provisioningState"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Properties.ProvisioningState
}

// SetState returns body with properties.provisioningState set.
func SetState(body json.RawMessage, state string) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("setting provisioning state: %w", err)
	}
	var props map[string]json.RawMessage
	if raw, ok := m["properties"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &props); err != nil {
			return nil, fmt.Errorf("setting provisioning state: %w", err)
		}
	}
	if props == nil {
		props = map[string]json.RawMessage{}
	}
	props["provisioningState"], _ = json.Marshal(state)
	m["properties"], _ = json.Marshal(props)
	return json.Marshal(m)
}

func (h *kindHandler) put(w http.ResponseWriter, r *Request, id ResourceID, cur *Stored) error {
	ctx := r.Context()
	expect, err := Preconditions(r.Request, cur)
	if err != nil {
		return err
	}
	if cur != nil && State(cur.Body) == Deleting {
		return Errorf(http.StatusConflict, "AnotherOperationInProgress",
			"The resource '%s' is being deleted; wait for the delete to finish before writing it again.", id.Name())
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	rec, err := h.k.Build(ctx, r, id, body, cur)
	if err != nil {
		return err
	}
	rec.Sent = h.k.SentOver(ctx, body, cur)
	status := http.StatusCreated
	if cur != nil {
		status = http.StatusOK
	}
	op, st, err := h.k.Write(ctx, id, rec, expect)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", st.ETag())
	if op == nil {
		WriteJSON(w, status, h.k.Body(ctx, st))
		return nil
	}
	h.d.Ops.Accept(w, r, op, status, h.k.Body(ctx, st))
	return nil
}

// Write stores rec for id (expect as in store.Put) and, when the kind has
// realization work, marks it Updating, starts an operation and realizes it
// in the background; otherwise it is stored Succeeded and op is nil. Child
// handlers that change a resource's record use it too.
func (k *Kind) Write(ctx context.Context, id ResourceID, rec Record, expect int64) (*Operation, *Stored, error) {
	h := k.h
	state := Succeeded
	if k.Realize != nil {
		state = Updating
	}
	var err error
	if rec.Body, err = SetState(rec.Body, state); err != nil {
		return nil, nil, err
	}
	var op *Operation
	if k.Realize != nil {
		if op, err = h.d.Ops.Start(ctx, id.Subscription, k.Namespace, location(rec.Body), id.String(), http.MethodPut); err != nil {
			return nil, nil, err
		}
		rec.Operation = op.Name
	}
	rev, err := h.d.Records.Put(ctx, id.String(), rec, expect)
	if err != nil {
		if op != nil {
			_ = h.d.Ops.Finish(context.WithoutCancel(ctx), op.Name, err)
		}
		return nil, nil, err
	}
	if op != nil {
		name := op.Name
		h.d.Ops.Go(name, func(ctx context.Context) error { return h.realize(ctx, id, name) })
	}
	return op, &Stored{Record: rec, Revision: rev}, nil
}

// realize runs the kind's Realize for the operation opName and records the
// outcome in provisioningState, unless a newer operation took over.
func (h *kindHandler) realize(ctx context.Context, id ResourceID, opName string) error {
	st, err := h.d.Records.Get(ctx, id.String())
	if err != nil {
		return err
	}
	rerr := Safely(func() error { return h.k.Realize(ctx, id, st) })
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the next start resumes
	}
	defer LockResource(id.String())()
	st, err = h.d.Records.Get(ctx, id.String())
	if err != nil {
		return err
	}
	if st.Operation != opName {
		return rerr // superseded by a newer PUT or a DELETE
	}
	state := Succeeded
	if rerr != nil {
		state = Failed
		h.d.Log.Error("realizing resource failed", "id", id.String(), "err", rerr)
	}
	if st.Body, err = SetState(st.Body, state); err != nil {
		return err
	}
	st.Operation = ""
	if _, err := h.d.Records.Put(ctx, id.String(), st.Record, st.Revision); err != nil {
		return err
	}
	return rerr
}

func location(body json.RawMessage) string {
	var b struct {
		Location string `json:"location"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Location
}

// patch updates tags, as ARM's PATCH of a tracked resource does, or what
// the kind's Patch allows.
func (h *kindHandler) patch(w http.ResponseWriter, r *Request, id ResourceID, cur *Stored) error {
	if cur == nil {
		return NotFound(id)
	}
	expect, err := Preconditions(r.Request, cur)
	if err != nil {
		return err
	}
	var rec Record
	if h.k.Patch != nil {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		if rec, err = h.k.Patch(r.Context(), r, id, body, cur); err != nil {
			return err
		}
		rec.Sent = h.k.normalize(MergeSent(cur.Sent, body))
	} else if rec, err = patchTags(r, h.k, cur); err != nil {
		return err
	}
	rev, err := h.d.Records.Put(r.Context(), id.String(), rec, expect)
	if err != nil {
		return err
	}
	st := &Stored{Record: rec, Revision: rev}
	w.Header().Set("ETag", st.ETag())
	WriteJSON(w, http.StatusOK, h.k.Body(r.Context(), st))
	return nil
}

// patchTags is the record of cur with the tags of a PATCH body, when it
// has any: the PATCH of these resource types takes a TagsObject. Anything
// else in the body is refused rather than silently dropped, except what
// only names the resource as it is.
func patchTags(r *Request, k *Kind, cur *Stored) (Record, error) {
	data, err := readBody(r)
	if err != nil {
		return Record{}, err
	}
	var in struct {
		Tags *map[string]string `json:"tags"`
	}
	if err := DecodeJSON(data, &in); err != nil {
		return Record{}, err
	}
	var sent map[string]json.RawMessage
	_ = json.Unmarshal(data, &sent)
	for key := range sent {
		switch strings.ToLower(key) {
		case "tags", "id", "name", "type", "location":
		default:
			return Record{}, BadRequest("InvalidRequestContent",
				"A PATCH of a %s/%s changes its tags only; '%s' cannot be changed this way. Send the whole resource with PUT to change it.",
				k.Namespace, k.Type, key)
		}
	}
	var m map[string]json.RawMessage
	if err := Decode(cur, &m); err != nil {
		return Record{}, err
	}
	rec := cur.Record
	if in.Tags != nil {
		tags, _ := json.Marshal(*in.Tags)
		m["tags"] = tags
		rec.Sent = MergeSent(cur.Sent, []byte(`{"tags":`+string(tags)+`}`))
	}
	rec.Body, _ = json.Marshal(m)
	return rec, nil
}

func (h *kindHandler) delete(w http.ResponseWriter, r *Request, id ResourceID, cur *Stored) error {
	ctx := r.Context()
	if cur == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if _, err := Preconditions(r.Request, cur); err != nil {
		return err
	}
	if h.k.CheckDelete != nil {
		if err := h.k.CheckDelete(ctx, id, cur); err != nil {
			return err
		}
	}
	if h.k.Unrealize == nil {
		if err := h.remove(ctx, id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
	op, err := h.d.Ops.Start(ctx, id.Subscription, h.k.Namespace, location(cur.Body), id.String(), http.MethodDelete)
	if err != nil {
		return err
	}
	rec := cur.Record
	if rec.Body, err = SetState(rec.Body, Deleting); err != nil {
		return err
	}
	rec.Operation = op.Name
	if _, err := h.d.Records.Put(ctx, id.String(), rec, cur.Revision); err != nil {
		_ = h.d.Ops.Finish(context.WithoutCancel(ctx), op.Name, err)
		return err
	}
	h.d.Ops.Go(op.Name, func(ctx context.Context) error { return h.unrealize(ctx, id) })
	h.d.Ops.Accept(w, r, op, http.StatusAccepted, nil)
	return nil
}

func (h *kindHandler) unrealize(ctx context.Context, id ResourceID) error {
	st, err := h.d.Records.Get(ctx, id.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := Safely(func() error { return h.k.Unrealize(ctx, id, st) }); err != nil {
		return err
	}
	defer LockResource(id.String())()
	return h.remove(ctx, id)
}

// remove deletes the record and those of its children.
func (h *kindHandler) remove(ctx context.Context, id ResourceID) error {
	if err := h.d.Records.DeleteUnder(ctx, id.String()); err != nil {
		return err
	}
	if err := h.d.Records.Delete(ctx, id.String(), -1); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}
