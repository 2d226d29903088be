package arm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPollAnswersWhenTheOperationEnds: a poll that comes while an
// operation runs gets its end, not "in progress", when the end comes
// within the hold; otherwise, or when the client goes away, it gets what
// is so then.
func TestPollAnswersWhenTheOperationEnds(t *testing.T) {
	ctx, st, log := openStore(t)
	ops := NewOperations(ctx, st, log)
	op, err := ops.Start(ctx, "s", "Microsoft.Test", "westus2", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Test/things/a", "PUT")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		if err := ops.Finish(context.Background(), op.Name, nil); err != nil {
			t.Error(err)
		}
	}()
	got, err := ops.Poll(ctx, op.Name)
	if err != nil || got.Status != StatusSucceeded {
		t.Fatalf("Poll = %+v, %v; want Succeeded", got, err)
	}
	if got, err = ops.Poll(ctx, op.Name); err != nil || got.Status != StatusSucceeded {
		t.Fatalf("Poll of an ended operation = %+v, %v", got, err)
	}

	running, err := ops.Start(ctx, "s", "Microsoft.Test", "westus2", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Test/things/b", "PUT")
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if got, err = ops.Poll(gone, running.Name); err == nil && got.Status != StatusInProgress {
		t.Fatalf("Poll by a client that went away = %+v", got)
	}
	if got, err = ops.Poll(ctx, running.Name); err != nil || got.Status != StatusInProgress {
		t.Fatalf("Poll of a running operation after the hold = %+v, %v", got, err)
	}
}

// An accepted request tells the client to poll after 100 ms (in the
// header the Azure SDKs read first), and after a second to those that
// read Retry-After alone.
func TestAcceptAsksForAnEarlyFirstPoll(t *testing.T) {
	ctx, st, log := openStore(t)
	ops := NewOperations(ctx, st, log)
	op, err := ops.Start(ctx, "s", "Microsoft.Test", "westus2", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Test/things/a", "PUT")
	if err != nil {
		t.Fatal(err)
	}
	r := &Request{Request: httptest.NewRequest("PUT", "/", nil), APIVersion: "2024-01-01", BaseURL: "https://x"}
	for name, accept := range map[string]func(w http.ResponseWriter){
		"Accept":             func(w http.ResponseWriter) { ops.Accept(w, r, op, http.StatusCreated, map[string]any{}) },
		"AcceptWithLocation": func(w http.ResponseWriter) { ops.AcceptWithLocation(w, r, "s", op) },
	} {
		w := httptest.NewRecorder()
		accept(w)
		if got := w.Header().Get("Retry-After-Ms"); got != "100" {
			t.Errorf("%s: Retry-After-Ms %q, want 100", name, got)
		}
		if got := w.Header().Get("Retry-After"); got != "1" {
			t.Errorf("%s: Retry-After %q, want 1", name, got)
		}
	}
}

// A poll that a running operation outlasts asks the client to poll again
// after 100 ms, as an accepted request does: the next poll is held too, so
// the client learns of the end when it comes rather than up to a second
// later. Both the status and the result endpoint answer so.
func TestARunningOperationIsPolledAgainSoon(t *testing.T) {
	ctx, st, log := openStore(t)
	ops := NewOperations(ctx, st, log)
	ops.hold = 20 * time.Millisecond
	s := NewServer(allowAll{}, log)
	ops.Routes(s)
	op, err := ops.Start(ctx, "sub", "Microsoft.Test", "westus2", "/subscriptions/sub/resourceGroups/g/providers/Microsoft.Test/things/a", "PUT")
	if err != nil {
		t.Fatal(err)
	}
	get := func(what string) *httptest.ResponseRecorder {
		path := "/subscriptions/sub/providers/Microsoft.Test/locations/westus2/" + what + "/" + op.Name + "?api-version=2024-01-01"
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer x")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w
	}
	for what, status := range map[string]int{"operations": http.StatusOK, "operationResults": http.StatusAccepted} {
		w := get(what)
		if w.Code != status || w.Header().Get("Retry-After-Ms") != "100" || w.Header().Get("Retry-After") != "1" {
			t.Errorf("%s of a running operation: %d, Retry-After-Ms %q, Retry-After %q; want %d, 100, 1",
				what, w.Code, w.Header().Get("Retry-After-Ms"), w.Header().Get("Retry-After"), status)
		}
	}
	if err := ops.Finish(ctx, op.Name, nil); err != nil {
		t.Fatal(err)
	}
	if w := get("operations"); w.Code != http.StatusOK || w.Header().Get("Retry-After-Ms") != "" || !strings.Contains(w.Body.String(), StatusSucceeded) {
		t.Errorf("status of the ended operation: %d, Retry-After-Ms %q, %s", w.Code, w.Header().Get("Retry-After-Ms"), w.Body)
	}
}
