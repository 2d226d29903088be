package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// is tells whether a record key is of this kind's type.
func (k *Kind) is(key string) (ResourceID, bool) {
	id, err := ParseID(IDOfKey(key))
	if err != nil || id.Namespace == "" {
		return id, false
	}
	return id, strings.EqualFold(id.Type(), k.Namespace+"/"+k.Type)
}

func (h *kindHandler) list(w http.ResponseWriter, r *Request) error {
	if err := h.preflight(r); err != nil {
		return err
	}
	parent := h.id(r, false)
	prefix := parent.String()
	if parent.ResourceGroup == "" {
		prefix += "/resourceGroups"
	}
	if len(parent.Types) > 0 {
		if _, err := h.d.Records.Peek(r.Context(), prefix); err != nil {
			return NotFound(parent)
		}
	}
	// From the in-memory copy, decoding only the records of this kind, and
	// those once per revision; a key without the kind's provider and first
	// type is passed over before it is parsed.
	first, _, _ := strings.Cut(h.k.Type, "/")
	hint := "/providers/" + strings.ToLower(h.k.Namespace+"/"+first) + "/"
	all, err := h.d.Records.ScanKeys(r.Context(), prefix, func(key string) bool {
		if !strings.Contains(key, hint) {
			return false
		}
		_, ok := h.k.is(key)
		return ok
	})
	if err != nil {
		return err
	}
	var items []json.RawMessage
	for _, sc := range all {
		st, err := sc.Peek()
		if err != nil {
			return err
		}
		items = append(items, h.k.Body(r.Context(), st))
	}
	return WritePage(w, r, items)
}

// All lists every stored resource of this kind.
func (k *Kind) All(ctx context.Context, rec *Records) ([]*Stored, error) {
	return rec.OfTypes(ctx, k.Namespace+"/"+k.Type)
}

// Resume brings the kind back after a start: operations a stopped server
// left unfinished run again, and every settled resource is realized again
// (Realize is idempotent), since the store is the truth.
func (k *Kind) Resume(ctx context.Context) error {
	h := k.h
	all, err := k.All(ctx, h.d.Records)
	if err != nil {
		return err
	}
	for _, st := range all {
		id, _ := ParseID(IDOf(st.Body))
		if st.Operation != "" {
			op, err := h.d.Ops.Get(ctx, st.Operation)
			if err == nil && !op.Done() {
				name := op.Name
				if State(st.Body) == Deleting {
					h.d.Ops.Go(name, func(ctx context.Context) error { return h.unrealize(ctx, id) })
				} else {
					h.d.Ops.Go(name, func(ctx context.Context) error { return h.realize(ctx, id, name) })
				}
				continue
			}
		}
		again := k.Realize
		if k.Restart != nil {
			again = k.Restart
		}
		if again != nil && State(st.Body) == Succeeded {
			err := Safely(func() error { return again(ctx, id, st) })
			if err != nil {
				h.d.Log.Error("re-creating resource after start", "id", id.String(), "err", err)
			}
			var pe *PanicError
			if errors.As(err, &pe) {
				h.markFailed(ctx, id)
			}
		}
	}
	return nil
}

// markFailed sets a resource Failed (a restart that panicked).
func (h *kindHandler) markFailed(ctx context.Context, id ResourceID) {
	defer LockResource(id.String())()
	st, err := h.d.Records.Get(ctx, id.String())
	if err != nil {
		return
	}
	if st.Body, err = SetState(st.Body, Failed); err == nil {
		_, err = h.d.Records.Put(ctx, id.String(), st.Record, st.Revision)
	}
	if err != nil {
		h.d.Log.Error("marking resource Failed", "id", id.String(), "err", err)
	}
}

// UnrealizeGroup undoes every resource of this kind in a group that is
// being deleted (the group's records are removed by its owner afterwards).
func (k *Kind) UnrealizeGroup(ctx context.Context, group ResourceID) error {
	if k.Unrealize == nil {
		return nil
	}
	all, err := k.h.d.Records.List(ctx, group.String())
	if err != nil {
		return err
	}
	for _, st := range all {
		id, ok := k.is(st.Key)
		if !ok {
			continue
		}
		if full, err := ParseID(IDOf(st.Body)); err == nil {
			id = full
		}
		if err := k.Unrealize(ctx, id, st); err != nil {
			return fmt.Errorf("deleting %s: %w", id.String(), err)
		}
	}
	return nil
}
