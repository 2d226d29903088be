package arm

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestClientWaitsOnTheOperation: the in-process client's Put and Delete of
// a resource whose realization runs in the background return when its
// operation ends, through the operation's status, not on their next look
// at the resource: with an hour between looks they still return.
func TestClientWaitsOnTheOperation(t *testing.T) {
	ctx, s, deps := frontDoor(t)
	slow := func(context.Context, ResourceID, *Stored) error { time.Sleep(100 * time.Millisecond); return nil }
	k := &Kind{Namespace: "Microsoft.Test", Type: "things", APIVersions: []string{"2024-01-01"},
		Build: func(ctx context.Context, r *Request, id ResourceID, body []byte, cur *Stored) (Record, error) {
			b, _ := json.Marshal(map[string]any{"id": id.String(), "name": id.Name(), "location": "westus2", "properties": map[string]any{}})
			return Record{Body: b}, nil
		},
		Realize: slow, Unrealize: slow}
	k.Serve(s, deps)
	c := s.Client()
	c.Poll = time.Hour
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	const path = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/things/t1"
	out, err := c.Put(wctx, path, "2024-01-01", map[string]any{"location": "westus2"})
	if err != nil || State(out) != Succeeded {
		t.Fatalf("Put = %s, %v; want Succeeded when the operation ends, though the client looks again only after an hour", out, err)
	}
	if err := c.Delete(wctx, path, "2024-01-01"); err != nil {
		t.Fatalf("Delete = %v; want it gone when the operation ends", err)
	}
	if status, _, _ := c.Do(ctx, "GET", path, "2024-01-01", nil); status != 404 {
		t.Fatalf("after Delete: GET answers %d, want 404", status)
	}
}
