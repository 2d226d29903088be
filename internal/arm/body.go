package arm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// WriteBody sends a stored resource, filling in its current etag when the
// body has an "etag" field.
func WriteBody(w http.ResponseWriter, status int, st *Stored) {
	WriteJSON(w, status, BodyOf(st))
}

// BodyOf is the JSON a client sees for a stored resource: its body over
// what the client sent (Overlay), with "etag" set from the revision when
// the type carries one.
func BodyOf(st *Stored) json.RawMessage { return bodyWithETag(st, st.ETag()) }

// BodyOfBare is BodyOf with the "etag" property a bare GUID, as Private
// DNS returns it (the ETag header keeps its usual form; If-Match takes
// either).
func BodyOfBare(st *Stored) json.RawMessage { return bodyWithETag(st, BareETagOf(st.Revision)) }

func bodyWithETag(st *Stored, etag string) json.RawMessage {
	body := Overlay(st.Sent, st.Body)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return body
	}
	if _, ok := m["etag"]; ok {
		m["etag"], _ = json.Marshal(etag)
		if out, err := json.Marshal(m); err == nil {
			return out
		}
	}
	return body
}

// IDOf is the "id" of a resource body, or "" when it has none.
func IDOf(body []byte) string {
	var b struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &b)
	return b.ID
}

// Decode reads a stored resource's body into v (a provider's type of it):
// the one way providers read what they stored, so an unreadable body is
// reported the same everywhere, naming the resource.
func Decode(st *Stored, v any) error {
	if st == nil {
		return errors.New("decoding a stored resource: there is none")
	}
	if err := json.Unmarshal(st.Body, v); err != nil {
		return fmt.Errorf("the stored body of %s is unreadable: %w", IDOf(st.Body), err)
	}
	return nil
}
