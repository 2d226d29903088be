package arm

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRouting sends arbitrary methods, paths and bodies through the front
// door: it must never panic, and every refusal must be ARM's JSON envelope
// with a code and a message.
func FuzzRouting(f *testing.F) {
	f.Add("GET", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", "")
	f.Add("PUT", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", `{"location":"w","tags":{"a":"b"}}`)
	f.Add("PUT", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", `{"properties":{"count":1e400}}`)
	f.Add("POST", "/subscriptions//providers/x/y", "[")
	f.Add("GET", "/subscriptions/sub/providers/Microsoft.X/a/b?api-version=", "")
	s := testServer()
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(method, " \t\r\n") || method == "" {
			return
		}
		req, err := http.NewRequest(method, "http://x"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer x")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 400 {
			var env ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error == nil || env.Error.Code == "" || env.Error.Message == "" {
				t.Fatalf("%s %s: status %d without an ARM envelope: %q", method, path, rec.Code, rec.Body.String())
			}
		}
	})
}

// FuzzDecodeJSON decodes arbitrary bodies: errors are always ARM's
// InvalidRequestContent, and never a panic.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"location":"x"}`, `{"tags":{"a":1}}`, `[`, `{"properties":{"on":true,"count":2}}`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b body
		if err := DecodeJSON(data, &b); err != nil {
			if ae := AsError(err); ae.Code != "InvalidRequestContent" || ae.Status != 400 {
				t.Fatalf("decode error %v is not InvalidRequestContent", err)
			}
		}
	})
}
