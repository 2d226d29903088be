package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

// Operation statuses, as ARM reports them.
const (
	StatusInProgress = "InProgress"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
	StatusCanceled   = "Canceled"
)

// Operation is a long-running operation's status document.
type Operation struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Status    string     `json:"status"`
	StartTime time.Time  `json:"startTime"`
	EndTime   *time.Time `json:"endTime,omitempty"`
	Error     *Error     `json:"error,omitempty"`
	// Not part of the status document.
	ResourceID string          `json:"resourceId"`
	Method     string          `json:"method"`
	ErrStatus  int             `json:"errorStatus,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"` // the final body of an action (POST)
}

// Done tells whether the operation has ended.
func (o *Operation) Done() bool { return o.Status != StatusInProgress }

func (o *Operation) statusDoc() map[string]any {
	doc := map[string]any{"id": o.ID, "name": o.Name, "status": o.Status, "startTime": o.StartTime}
	if o.EndTime != nil {
		doc["endTime"] = o.EndTime
	}
	if o.Error != nil {
		doc["error"] = o.Error
	}
	return doc
}

// Operations keeps long-running operations in the store and runs their
// work in the background for the life of the server.
type Operations struct {
	st  *store.Store
	log *slog.Logger
	ctx context.Context
	wg  sync.WaitGroup

	hold time.Duration // pollHold; shorter in tests

	mu       sync.Mutex
	running  map[string]bool
	finished map[string]chan struct{} // closed when the operation ends (see Poll)
}

// NewOperations makes the operation keeper; ctx bounds background work.
func NewOperations(ctx context.Context, st *store.Store, log *slog.Logger) *Operations {
	return &Operations{st: st, log: log, ctx: ctx, hold: pollHold, running: map[string]bool{}, finished: map[string]chan struct{}{}}
}

func opKey(name string) string { return "/aksbox/operations/" + strings.ToLower(name) }

// Start records a new in-progress operation on resourceID.
func (o *Operations) Start(ctx context.Context, subscription, namespace, location, resourceID, method string) (*Operation, error) {
	name := uuid.NewString()
	loc := strings.ToLower(strings.ReplaceAll(location, " ", ""))
	if loc == "" {
		loc = "global"
	}
	op := &Operation{
		ID:         fmt.Sprintf("/subscriptions/%s/providers/%s/locations/%s/operations/%s", subscription, namespace, loc, name),
		Name:       name,
		Status:     StatusInProgress,
		StartTime:  time.Now().UTC(),
		ResourceID: resourceID,
		Method:     method,
	}
	if err := o.save(ctx, op, 0); err != nil {
		return nil, err
	}
	return op, nil
}

func (o *Operations) save(ctx context.Context, op *Operation, expect int64) error {
	data, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("encoding operation: %w", err)
	}
	_, err = o.st.Put(ctx, opKey(op.Name), data, expect)
	return err
}

// Get reads an operation by name.
func (o *Operations) Get(ctx context.Context, name string) (*Operation, error) {
	obj, err := o.st.Get(ctx, opKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, Errorf(http.StatusNotFound, "OperationNotFound", "The operation '%s' could not be found.", name)
	}
	if err != nil {
		return nil, err
	}
	var op Operation
	if err := json.Unmarshal(obj.Value, &op); err != nil {
		return nil, fmt.Errorf("decoding operation %s: %w", name, err)
	}
	return &op, nil
}

// Finish ends an operation: Succeeded when err is nil, Failed otherwise.
func (o *Operations) Finish(ctx context.Context, name string, err error) error {
	op, gerr := o.Get(ctx, name)
	if gerr != nil {
		return gerr
	}
	now := time.Now().UTC()
	op.EndTime = &now
	op.Status = StatusSucceeded
	if err != nil {
		ae := AsError(err)
		op.Status, op.Error, op.ErrStatus = StatusFailed, ae, ae.Status
	}
	if err := o.save(ctx, op, -1); err != nil {
		return err
	}
	o.mu.Lock()
	if ch := o.finished[name]; ch != nil {
		close(ch)
		delete(o.finished, name)
	}
	o.mu.Unlock()
	return nil
}

// pollHold is how long a poll of a running operation waits for it to end
// before answering that it is still in progress.
const pollHold = 3 * time.Second

// Poll is the operation for a client's poll: when it is running, the
// answer waits up to pollHold for it to end, so the client learns of the
// end when it happens rather than a Retry-After later (an answer never
// comes later than the client's next poll would have).
func (o *Operations) Poll(ctx context.Context, name string) (*Operation, error) {
	op, err := o.Get(ctx, name)
	if err != nil || op.Done() {
		return op, err
	}
	o.mu.Lock()
	ch := o.finished[name]
	if ch == nil {
		ch = make(chan struct{})
		o.finished[name] = ch
	}
	o.mu.Unlock()
	if op, err = o.Get(ctx, name); err != nil || op.Done() { // ended meanwhile
		return op, err
	}
	t := time.NewTimer(o.hold)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
	return o.Get(ctx, name)
}

// Go runs fn in the background and finishes the operation with its result.
// When the server stops first, the operation stays InProgress in the store
// and the owner of the resource resumes it on the next start.
func (o *Operations) Go(name string, fn func(ctx context.Context) error) {
	o.wg.Add(1)
	o.mu.Lock()
	o.running[name] = true
	o.mu.Unlock()
	go func() {
		defer o.wg.Done()
		defer func() {
			o.mu.Lock()
			delete(o.running, name)
			o.mu.Unlock()
		}()
		err := Safely(func() error { return fn(o.ctx) })
		var pe *PanicError
		if errors.As(err, &pe) {
			o.log.Error("background work panicked", "operation", name, "panic", fmt.Sprint(pe.Value), "stack", string(pe.Stack))
		}
		if err != nil && o.ctx.Err() != nil && pe == nil {
			return // interrupted by the stop: resumed on the next start
		}
		if ferr := o.Finish(context.WithoutCancel(o.ctx), name, err); ferr != nil {
			o.log.Error("finishing operation", "operation", name, "err", ferr)
		}
	}()
}

// Wait blocks until background work has returned (after ctx ends).
func (o *Operations) Wait() { o.wg.Wait() }

// Accept answers a request that started op: status (201 or 202), the
// Azure-AsyncOperation, Location and Retry-After headers, and body if any.
func (o *Operations) Accept(w http.ResponseWriter, r *Request, op *Operation, status int, body any) {
	q := "?api-version=" + r.APIVersion
	o.AcceptAt(w, r, op, status, r.BaseURL+strings.Replace(op.ID, "/operations/", "/operationResults/", 1)+q, body)
}

// AcceptAt is Accept with the operation's result at location (AKS's
// commandResults of a run command).
func (o *Operations) AcceptAt(w http.ResponseWriter, r *Request, op *Operation, status int, location string, body any) {
	h := w.Header()
	h.Set("Azure-AsyncOperation", r.BaseURL+op.ID+"?api-version="+r.APIVersion)
	h.Set("Location", location)
	SetNextPoll(h)
	WriteJSON(w, status, body)
}

// nextPoll is when a client should poll an operation that is running:
// after it started it, and after each answer that it still runs. A poll of
// a running operation is held until it ends (see Poll), so an early poll
// costs nothing and the client learns of the end when it happens, also
// when the operation outlasts a hold; Retry-After, in whole seconds, is for
// the clients that read no other header.
const nextPoll = 100 * time.Millisecond

// SetNextPoll asks the client to poll a running operation again after
// nextPoll.
func SetNextPoll(h http.Header) {
	h.Set("Retry-After-Ms", strconv.Itoa(int(nextPoll/time.Millisecond)))
	h.Set("Retry-After", "1")
}

// AcceptWithLocation answers like Accept but with only a Location header
// at /subscriptions/{s}/operationresults/{name}, as resource group
// deletion does.
func (o *Operations) AcceptWithLocation(w http.ResponseWriter, r *Request, subscription string, op *Operation) {
	h := w.Header()
	h.Set("Location", fmt.Sprintf("%s/subscriptions/%s/operationresults/%s?api-version=%s", r.BaseURL, subscription, op.Name, r.APIVersion))
	SetNextPoll(h)
	w.WriteHeader(http.StatusAccepted)
}

// Sweep ends the operations a stopped server left InProgress that nobody
// resumed: a delete whose resource is gone succeeded; anything else failed
// because it was interrupted. Call it after every owner has resumed its work.
func (o *Operations) Sweep(ctx context.Context) error {
	objs, err := o.st.List(ctx, "/aksbox/operations/")
	if err != nil {
		return err
	}
	rec := NewRecords(o.st)
	for _, obj := range objs {
		var op Operation
		if json.Unmarshal(obj.Value, &op) != nil || op.Done() {
			continue
		}
		o.mu.Lock()
		running := o.running[op.Name]
		o.mu.Unlock()
		if running {
			continue
		}
		var ferr error
		if _, gerr := rec.Get(ctx, op.ResourceID); !errors.Is(gerr, store.ErrNotFound) || op.Method != http.MethodDelete {
			ferr = Errorf(http.StatusInternalServerError, "OperationInterrupted",
				"The operation was interrupted by a restart of aksbox and did not finish; send the request again.")
		}
		if err := o.Finish(ctx, op.Name, ferr); err != nil {
			return err
		}
	}
	return nil
}

// SetResult records the final body of an action before it finishes.
func (o *Operations) SetResult(ctx context.Context, name string, result any) error {
	op, err := o.Get(ctx, name)
	if err != nil {
		return err
	}
	if op.Result, err = json.Marshal(result); err != nil {
		return err
	}
	return o.save(ctx, op, -1)
}
