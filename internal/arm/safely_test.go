package arm

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/store"
)

// openStore opens a store of the test's own, closed at its end, with a
// context that ends before it.
func openStore(t *testing.T) (context.Context, *store.Store, *slog.Logger) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); st.Close() })
	return ctx, st, log
}

// frontDoor is a front door over a store of the test's own, with every
// provider registered and the operations' routes, and the deps its kinds
// are served with (every resource group exists).
func frontDoor(t *testing.T) (context.Context, *Server, KindDeps) {
	t.Helper()
	ctx, st, log := openStore(t)
	cat := NewCatalog()
	cat.SetRegistrations(registeredAll{})
	ops := NewOperations(ctx, st, log)
	s := NewServer(allowAll{}, log)
	ops.Routes(s)
	return ctx, s, KindDeps{Records: NewRecords(st), Ops: ops, Catalog: cat, Log: log,
		Group: func(context.Context, string, string) error { return nil }}
}

type registeredAll struct{}

func (registeredAll) Registered(ctx context.Context, s, ns string) (bool, error) { return true, nil }

// A panic in a resource's realization marks the resource Failed and its
// operation Failed, and the server goes on serving.
func TestPanicInRealizeMarksFailed(t *testing.T) {
	_, s, deps := frontDoor(t)
	k := &Kind{Namespace: "Microsoft.Test", Type: "things", APIVersions: []string{"2024-01-01"},
		Build: func(ctx context.Context, r *Request, id ResourceID, body []byte, cur *Stored) (Record, error) {
			b, _ := json.Marshal(map[string]any{"id": id.String(), "name": id.Name(), "location": "westus2", "properties": map[string]any{}})
			return Record{Body: b}, nil
		},
		Realize: func(ctx context.Context, id ResourceID, st *Stored) error {
			var m map[string]string
			m["boom"] = "assignment to a nil map" // panics
			return nil
		}}
	k.Serve(s, deps)
	path := "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/things/t1?api-version=2024-01-01"
	call := func(method, body string) (int, map[string]any) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer x")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var m map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m
	}
	if code, m := call(http.MethodPut, `{"location":"westus2"}`); code != http.StatusCreated {
		t.Fatalf("PUT: %d %v", code, m)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, m := call(http.MethodGet, "")
		state := State(mustJSON(m))
		if code == http.StatusOK && state == Failed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a panic in Realize: %d %q, want Failed", code, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
