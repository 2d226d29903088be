package arm

import (
	"context"
	"encoding/json"
	"sync"
)

// What a View reads besides the record it is given, which decides how
// long a body made from it may be served again (Kind.ViewReads).
const (
	// ViewReadsAnything: state outside the store (processes, the
	// fabric, the time); its bodies are made for each read.
	ViewReadsAnything = iota
	// ViewReadsRecord: the record alone; a body is served again while the
	// record keeps its revision.
	ViewReadsRecord
	// ViewReadsRecords: the record and other records; a body is served
	// again until any record is written.
	ViewReadsRecords
)

// maxMemoBodies bounds the bodies a kind keeps; past it they are dropped.
const maxMemoBodies = 8192

// bodyMemo keeps the body last made for each resource and api-version, so
// that a read of a resource that did not change costs no JSON work.
type bodyMemo struct {
	mu sync.Mutex
	m  map[string]memoBody
}

type memoBody struct {
	rev, gen int64
	body     json.RawMessage
	valid    bool // json.Valid(body), checked once
}

// validJSON is a body known to be valid JSON, which WriteJSON writes as it
// is.
type validJSON json.RawMessage

// answer is k's body of st for a response: validJSON when it is known to
// be valid. st may be the read cache's own record, as for Body.
func (k *Kind) answer(ctx context.Context, st *Stored) any {
	body, valid := k.memoized(ctx, st, func() json.RawMessage { return k.body(ctx, st.clone()) })
	if valid {
		return validJSON(body)
	}
	return body
}

// memoizable reports whether k's bodies of st can be kept, and the
// generation of the records they would be valid for.
func (k *Kind) memoizable(st *Stored) (gen int64, ok bool) {
	if st.Key == "" || k.h == nil {
		return 0, false
	}
	switch {
	case k.View == nil || k.ViewReads == ViewReadsRecord:
		return 0, true
	case k.ViewReads == ViewReadsRecords:
		return k.h.d.Records.Generation(), true
	}
	return 0, false
}

// memoized is Body with the body made last for st kept and served again
// while it is valid.
func (k *Kind) memoized(ctx context.Context, st *Stored, build func() json.RawMessage) (body json.RawMessage, valid bool) {
	gen, ok := k.memoizable(st)
	if !ok {
		return build(), false
	}
	key := st.Key + "\x00" + APIVersionOf(ctx)
	k.memo.mu.Lock()
	e, found := k.memo.m[key]
	k.memo.mu.Unlock()
	if found && e.rev == st.Revision && e.gen == gen {
		return e.body, e.valid
	}
	body = build()
	body = body[:len(body):len(body)] // an append by a caller copies
	valid = json.Valid(body)
	k.memo.mu.Lock()
	if k.memo.m == nil || len(k.memo.m) >= maxMemoBodies {
		k.memo.m = map[string]memoBody{}
	}
	k.memo.m[key] = memoBody{st.Revision, gen, body, valid}
	k.memo.mu.Unlock()
	return body, valid
}
