package arm

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// TestBodyMemo: a body made once is served again only while what its View
// reads is unchanged.
func TestBodyMemo(t *testing.T) {
	ctx, st, _ := openStore(t)
	rs := NewRecords(st)
	const a, b = "/subscriptions/s/resourceGroups/g/providers/X/t/a", "/subscriptions/s/resourceGroups/g/providers/X/t/b"
	put := func(id string, n int) *Stored {
		t.Helper()
		rev, err := rs.Put(ctx, id, Record{Body: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}, -1)
		if err != nil {
			t.Fatal(err)
		}
		s, err := rs.Get(ctx, id)
		if err != nil || s.Revision != rev {
			t.Fatalf("Get %s: %v %v", id, s, err)
		}
		return s
	}
	calls := 0
	view := func(ctx context.Context, st *Stored) json.RawMessage {
		calls++
		o, err := rs.Get(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		return json.RawMessage(fmt.Sprintf(`{"own":%s,"other":%s,"calls":%d}`, st.Body, o.Body, calls))
	}
	kind := func(reads int) *Kind {
		k := &Kind{View: view, ViewReads: reads}
		k.h = &kindHandler{k: k, d: KindDeps{Records: rs}}
		return k
	}
	body := func(k *Kind, st *Stored) (own, other, calls int) {
		var v struct {
			Own, Other struct{ N int }
			Calls      int
		}
		if err := json.Unmarshal(k.Body(ctx, st), &v); err != nil {
			t.Fatal(err)
		}
		return v.Own.N, v.Other.N, v.Calls
	}

	stA := put(a, 1)
	put(b, 1)
	records := kind(ViewReadsRecords)
	_, _, c1 := body(records, stA)
	if _, _, c2 := body(records, stA); c2 != c1 {
		t.Errorf("ViewReadsRecords: the view ran again with nothing written")
	}
	put(b, 2)
	if _, other, _ := body(records, stA); other != 2 {
		t.Errorf("ViewReadsRecords: a body made before another record changed was served again")
	}

	record := kind(ViewReadsRecord)
	_, _, c1 = body(record, stA)
	put(b, 3)
	if _, other, c2 := body(record, stA); c2 != c1 || other != 2 {
		t.Errorf("ViewReadsRecord: the body was made again though the record did not change (other %d)", other)
	}
	stA = put(a, 4)
	if own, other, _ := body(record, stA); own != 4 || other != 3 {
		t.Errorf("ViewReadsRecord: a new revision got the old body (own %d, other %d)", own, other)
	}

	anything := kind(ViewReadsAnything)
	_, _, c1 = body(anything, stA)
	if _, _, c2 := body(anything, stA); c2 == c1 {
		t.Errorf("ViewReadsAnything: a body was served again")
	}
}

// TestAnswerBuildsFromCopy: a GET or a list answers from the read cache's
// own record (Records.Peek, Scanned.Peek); a body it has to make is made
// from a copy, so a View that changes what it is given cannot change what
// other readers see.
func TestAnswerBuildsFromCopy(t *testing.T) {
	ctx, st, _ := openStore(t)
	rs := NewRecords(st)
	k := &Kind{View: func(_ context.Context, st *Stored) json.RawMessage {
		st.Body[2] = 'X'
		st.Sent = nil
		return st.Body
	}}
	k.h = &kindHandler{k: k, d: KindDeps{Records: rs}}
	shared := &Stored{Record: Record{Body: json.RawMessage(`{"n":1}`), Sent: json.RawMessage(`{"n":1}`)},
		Key: ResourceKey("/subscriptions/s/resourceGroups/g/providers/X/t/a"), Revision: 7}
	if body, ok := k.answer(ctx, shared).(json.RawMessage); !ok || string(body) != `{"X":1}` {
		t.Fatalf("answer = %s, want the view's body", body)
	}
	if string(shared.Body) != `{"n":1}` || shared.Sent == nil {
		t.Fatalf("answer: the view changed the record it was given a copy of: %s, sent %s", shared.Body, shared.Sent)
	}
	if body := k.Body(ctx, shared); string(body) != `{"X":1}` {
		t.Fatalf("Body = %s, want the view's body", body)
	}
	if string(shared.Body) != `{"n":1}` || shared.Sent == nil {
		t.Fatalf("Body: the view changed the record it was given a copy of: %s, sent %s", shared.Body, shared.Sent)
	}
}
