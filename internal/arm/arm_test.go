package arm

import (
	"encoding/json"
	"fmt"
	"github.com/aksbox/aksbox/internal/store"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type allowAll struct{}

func (allowAll) Authenticate(r *http.Request) (Caller, string, error) {
	if r.Header.Get("Authorization") == "" {
		return Caller{}, `Bearer error="invalid_token"`, Errorf(401, "AuthenticationFailed", "no token")
	}
	return Caller{ObjectID: "o"}, "", nil
}
func (allowAll) Subscription(c Caller, sub string) (string, bool) { return sub, sub == "sub" }

type body struct {
	Location *string           `json:"location"`
	Tags     map[string]string `json:"tags"`
	Props    *struct {
		Count int  `json:"count"`
		On    bool `json:"on"`
	} `json:"properties"`
}

func testServer() *Server {
	s := NewServer(allowAll{}, slog.New(slog.DiscardHandler))
	s.Handle(Route{Pattern: "/subscriptions/{subscriptionId}/resourceGroups/{rg}", APIVersions: []string{"2021-04-01"},
		Methods: []string{"GET", "PUT"}, Handler: func(w http.ResponseWriter, r *Request) error {
			if r.Method == "PUT" {
				var b body
				if err := r.Decode(&b); err != nil {
					return err
				}
			}
			WriteJSON(w, 200, map[string]string{"rg": r.Var("RG")})
			return nil
		}})
	s.Handle(Route{Pattern: "/subscriptions/{subscriptionId}/providers/{ns}/{rest...}", Handler: func(w http.ResponseWriter, r *Request) error {
		WriteJSON(w, 200, map[string]string{"rest": r.Var("rest")})
		return nil
	}})
	return s
}

func do(s *Server, method, path, body string, auth bool) (int, map[string]any) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth {
		req.Header.Set("Authorization", "Bearer x")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var m map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	return rec.Code, m
}

func TestRouting(t *testing.T) {
	s := testServer()
	cases := []struct {
		method, path, body string
		auth               bool
		status             int
		code, field, want  string
	}{
		{"GET", "/SUBSCRIPTIONS/sub/RESOURCEGROUPS/MyRg?api-version=2021-04-01", "", true, 200, "", "rg", "MyRg"},
		{"GET", "/subscriptions/sub/resourceGroups/r", "", true, 400, "MissingApiVersionParameter", "", ""},
		{"GET", "/subscriptions/sub/resourceGroups/r?api-version=1999-01-01", "", true, 400, "InvalidApiVersionParameter", "", ""},
		{"GET", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", "", false, 401, "AuthenticationFailed", "", ""},
		{"GET", "/subscriptions/other/resourceGroups/r?api-version=2021-04-01", "", true, 403, "AuthorizationFailed", "", ""},
		{"DELETE", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", "", true, 405, "MethodNotAllowed", "", ""},
		{"GET", "/elsewhere", "", true, 404, "NotFound", "", ""},
		{"GET", "/subscriptions/sub/providers/Microsoft.X/a/b/c?api-version=1", "", true, 200, "", "rest", "a/b/c"},
		{"PUT", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", `{"location":1}`, true, 400, "InvalidRequestContent", "", ""},
		{"PUT", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", `{"properties":{"on":"yes"}}`, true, 400, "InvalidRequestContent", "", ""},
		{"PUT", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", `{} {}`, true, 400, "InvalidRequestContent", "", ""},
		{"PUT", "/subscriptions/sub/resourceGroups/r?api-version=2021-04-01", `{"location":"x"}`, true, 200, "", "rg", "r"},
	}
	for _, c := range cases {
		status, m := do(s, c.method, c.path, c.body, c.auth)
		if status != c.status {
			t.Errorf("%s %s: status %d, want %d (%v)", c.method, c.path, status, c.status, m)
			continue
		}
		if c.code != "" {
			e, _ := m["error"].(map[string]any)
			if e["code"] != c.code || e["message"] == "" {
				t.Errorf("%s %s: error %v, want code %s with a message", c.method, c.path, m, c.code)
			}
		}
		if c.field != "" && m[c.field] != c.want {
			t.Errorf("%s %s: %s = %v, want %s", c.method, c.path, c.field, m[c.field], c.want)
		}
	}
}

func TestDecodeMessagesNameTheField(t *testing.T) {
	var b body
	err := DecodeJSON([]byte(`{"properties":{"count":"three"}}`), &b)
	if err == nil || !strings.Contains(err.Error(), "properties.count") || !strings.Contains(err.Error(), "a number") {
		t.Fatalf("got %v", err)
	}
	err = DecodeJSON([]byte("{\n  \"location\": ,\n}"), &b)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("got %v", err)
	}
}

func TestParseIDRoundTrip(t *testing.T) {
	for _, s := range []string{
		"/subscriptions/s/resourceGroups/g",
		"/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/a",
		"/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c",
		"/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/r",
	} {
		id, err := ParseID(s)
		if err != nil || id.String() != s {
			t.Errorf("%s: %v %s", s, err, id.String())
		}
	}
	id, _ := ParseID("/SUBSCRIPTIONS/s/RESOURCEGROUPS/g/providers/Microsoft.Network/virtualNetworks/v/subnets/a")
	if id.Type() != "Microsoft.Network/virtualNetworks/subnets" || id.Parent().Name() != "v" || id.Parent().Parent().Name() != "g" {
		t.Errorf("parsed %+v", id)
	}
	for _, bad := range []string{"", "/foo", "/subscriptions/s/resourceGroups/g/providers/X", "/subscriptions/s/resourceGroups/g/providers/X/t"} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}

func TestPreconditions(t *testing.T) {
	cur := &Stored{Revision: 42}
	req := func(h ...string) *http.Request {
		r := httptest.NewRequest("PUT", "/", nil)
		for i := 0; i+1 < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
		return r
	}
	if rev, err := Preconditions(req(), cur); err != nil || rev != 42 {
		t.Errorf("no headers: %d %v", rev, err)
	}
	if rev, err := Preconditions(req(), nil); err != nil || rev != 0 {
		t.Errorf("no headers, absent: %d %v", rev, err)
	}
	if _, err := Preconditions(req("If-Match", cur.ETag()), cur); err != nil {
		t.Errorf("matching If-Match: %v", err)
	}
	if _, err := Preconditions(req("If-Match", ETagOf(41)), cur); AsError(err).Status != 412 {
		t.Errorf("stale If-Match: %v", err)
	}
	if _, err := Preconditions(req("If-Match", "*"), nil); AsError(err).Status != 412 {
		t.Errorf("If-Match * on absent: %v", err)
	}
	if _, err := Preconditions(req("If-None-Match", "*"), cur); AsError(err).Status != 412 {
		t.Errorf("If-None-Match * on present: %v", err)
	}
	if _, err := Preconditions(req("If-None-Match", "*"), nil); err != nil {
		t.Errorf("If-None-Match * on absent: %v", err)
	}
}

func TestAsErrorOutOfSpace(t *testing.T) {
	e := AsError(fmt.Errorf("writing /x: %w: the file system of /s has 3 MiB free", store.ErrNoSpace))
	if e.Status != http.StatusInsufficientStorage || e.Code != "InsufficientStorage" || !strings.Contains(e.Message, "3 MiB free") {
		t.Errorf("AsError = %d %s %q", e.Status, e.Code, e.Message)
	}
}

func TestDecodeNamesTheResource(t *testing.T) {
	var v struct{ Name string }
	st := &Stored{Record: Record{Body: []byte(`{"id":"/subscriptions/s/resourceGroups/g","name":7}`)}}
	if err := Decode(st, &v); err == nil || !strings.Contains(err.Error(), "/subscriptions/s/resourceGroups/g") {
		t.Errorf("Decode of a bad body = %v, want an error naming the resource", err)
	}
	if err := Decode(nil, &v); err == nil {
		t.Error("Decode(nil) succeeded")
	}
	st.Body = []byte(`{"name":"g"}`)
	if err := Decode(st, &v); err != nil || v.Name != "g" {
		t.Errorf("Decode = %v, %+v", err, v)
	}
}
