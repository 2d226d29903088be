package arm

import (
	"context"
	"errors"
	"net/http"

	"github.com/aksbox/aksbox/internal/store"
)

// Routes registers the operation status and result endpoints.
func (o *Operations) Routes(s *Server) {
	get := []string{http.MethodGet}
	s.Handle(Route{Pattern: "/subscriptions/{subscriptionId}/providers/{ns}/locations/{loc}/operations/{op}", Methods: get,
		Handler: func(w http.ResponseWriter, r *Request) error {
			op, err := o.Poll(r.Context(), r.Var("op"))
			if err != nil {
				return err
			}
			if !op.Done() {
				SetNextPoll(w.Header())
			}
			WriteJSON(w, http.StatusOK, op.statusDoc())
			return nil
		}})
	result := func(w http.ResponseWriter, r *Request) error {
		op, err := o.Poll(r.Context(), r.Var("op"))
		if err != nil {
			return err
		}
		return o.writeResult(w, r, op)
	}
	s.Handle(Route{Pattern: "/subscriptions/{subscriptionId}/providers/{ns}/locations/{loc}/operationResults/{op}", Methods: get, Handler: result})
	s.Handle(Route{Pattern: "/subscriptions/{subscriptionId}/operationresults/{op}", Methods: get, Handler: result})
}

// ResourceReader reads the current body of a resource for a finished PUT.
type ResourceReader func(ctx context.Context, id string) (any, error)

func (o *Operations) writeResult(w http.ResponseWriter, r *Request, op *Operation) error {
	switch op.Status {
	case StatusInProgress:
		w.Header().Set("Location", r.BaseURL+r.URL.RequestURI())
		SetNextPoll(w.Header())
		w.WriteHeader(http.StatusAccepted)
		return nil
	case StatusFailed, StatusCanceled:
		e := op.Error
		if e == nil {
			e = Errorf(http.StatusConflict, "OperationCanceled", "The operation was canceled.")
		}
		if e.Status == 0 {
			e.Status = op.ErrStatus
		}
		return e
	}
	if op.Method == http.MethodPost && len(op.Result) > 0 {
		WriteJSON(w, http.StatusOK, op.Result)
		return nil
	}
	if op.Method == http.MethodDelete || op.Method == http.MethodPost {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	st, err := NewRecords(o.st).Get(r.Context(), op.ResourceID)
	if errors.Is(err, store.ErrNotFound) {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err != nil {
		return err
	}
	w.Header().Set("ETag", st.ETag())
	WriteBody(w, http.StatusOK, st)
	return nil
}
