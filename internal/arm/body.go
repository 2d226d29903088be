package arm

import (
	"encoding/json"
	"net/http"
)

// WriteBody sends a stored resource, filling in its current etag when the
// body has an "etag" field.
func WriteBody(w http.ResponseWriter, status int, st *Stored) {
	WriteJSON(w, status, BodyOf(st))
}

// BodyOf is the JSON a client sees for a stored resource: its body, with
// "etag" set from the revision when the type carries one.
func BodyOf(st *Stored) json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(st.Body, &m); err != nil || m == nil {
		return st.Body
	}
	if _, ok := m["etag"]; ok {
		m["etag"], _ = json.Marshal(st.ETag())
		if out, err := json.Marshal(m); err == nil {
			return out
		}
	}
	return st.Body
}
