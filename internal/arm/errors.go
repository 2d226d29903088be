package arm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/aksbox/aksbox/internal/store"
)

// Error is an ARM error: an HTTP status and the body ARM sends,
// {"error":{"code":..., "message":..., "target":..., "details":[...]}}.
type Error struct {
	Status  int      `json:"-"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Target  string   `json:"target,omitempty"`
	Details []*Error `json:"details,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("(%s) %s", e.Code, e.Message) }

// Errorf builds an Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400 with the given code.
func BadRequest(code, format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, code, format, args...)
}

// InvalidParameter is ARM's 400 InvalidParameter naming the field.
func InvalidParameter(target, format string, args ...any) *Error {
	e := Errorf(http.StatusBadRequest, "InvalidParameter", format, args...)
	e.Target = target
	return e
}

// Join turns several field errors into one: a single error as it is, more
// as a 400 whose details list each of them.
func Join(errs []*Error) *Error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	msg := fmt.Sprintf("%d problems with the request:", len(errs))
	for _, e := range errs {
		msg += " " + e.Message
	}
	return &Error{Status: http.StatusBadRequest, Code: "InvalidRequestContent", Message: msg, Details: errs}
}

// ErrorBody is the JSON envelope of an error.
type ErrorBody struct {
	Error *Error `json:"error"`
}

// AsError maps any error to the ARM error sent for it. This is the one
// place where typed errors of lower layers become ARM codes.
func AsError(err error) *Error {
	var ae *Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrConflict):
		return Errorf(http.StatusPreconditionFailed, "PreconditionFailed",
			"The resource was changed by another request while this one ran; read it again and retry with its new ETag.")
	case errors.Is(err, store.ErrExists):
		return Errorf(http.StatusPreconditionFailed, "PreconditionFailed",
			"The resource already exists and the request said If-None-Match: *.")
	case errors.Is(err, store.ErrNotFound):
		return Errorf(http.StatusNotFound, "ResourceNotFound", "The resource was not found.")
	case errors.Is(err, store.ErrNoSpace):
		// Not a status clients retry: retrying cannot help until someone
		// frees space.
		return Errorf(http.StatusInsufficientStorage, "InsufficientStorage", "The request was not carried out: %v.", err)
	default:
		return Errorf(http.StatusInternalServerError, "InternalServerError", "The server failed to handle the request: %v", err)
	}
}

// WriteError sends err in ARM's envelope.
func WriteError(w http.ResponseWriter, err error) {
	ae := AsError(err)
	status := ae.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("x-ms-failure-cause", "gateway")
	if status >= 500 {
		w.Header().Set("x-ms-failure-cause", "service")
	}
	WriteJSON(w, status, ErrorBody{Error: ae})
}

// newline ends every JSON body, as json.Encoder ends what it writes.
var newline = []byte{'\n'}

// WriteJSON sends v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if raw, ok := v.(validJSON); ok {
		// Written as it is, with the newline an Encoder ends with, and
		// its length told: the body goes out without a copy, and
		// unchunked however long it is.
		w.Header().Set("Content-Length", strconv.Itoa(len(raw)+1))
		w.WriteHeader(status)
		_, _ = w.Write(raw)
		_, _ = w.Write(newline)
		return
	}
	w.WriteHeader(status)
	if v == nil {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}
