package arm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestWriteJSONKeptBody: a body known to be valid goes out as it is, with
// the newline an encoder would end it with and its length told, so that a
// long one is not chunked; other values are encoded.
func TestWriteJSONKeptBody(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", 5000) + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/kept" {
			WriteJSON(w, http.StatusCreated, validJSON(long))
			return
		}
		WriteJSON(w, http.StatusOK, map[string]int{"b": 2})
	}))
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(data)
	}
	resp, body := get("/kept")
	if resp.StatusCode != http.StatusCreated || body != long+"\n" {
		t.Fatalf("kept body: %d, %d bytes; want 201 and the body with a newline", resp.StatusCode, len(body))
	}
	if resp.ContentLength != int64(len(long)+1) || len(resp.TransferEncoding) != 0 {
		t.Fatalf("kept body sent with length %d and transfer encoding %v; want length %d, not chunked",
			resp.ContentLength, resp.TransferEncoding, len(long)+1)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	resp, body = get("/encoded")
	if resp.StatusCode != http.StatusOK || body != `{"b":2}`+"\n" {
		t.Fatalf("encoded body: %d %q", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Fatalf("short encoded body: Content-Length %q", got)
	}
}
