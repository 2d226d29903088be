package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
)

// fakeRegistry is an ARM that refuses Microsoft.Network until it is
// registered, and takes two reads to finish registering.
type fakeRegistry struct {
	mu       sync.Mutex
	calls    []string
	bodies   []string
	state    string // of Microsoft.Network
	reads    int
	register int // status of the register call
	stuck    bool
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	data, _ := io.ReadAll(r.Body)
	call := r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery
	f.calls = append(f.calls, call)
	w.Header().Set("Content-Type", "application/json")
	prov := "/subscriptions/" + testSub + "/providers/Microsoft.Network"
	switch {
	case r.URL.Path == prov+"/register" && r.Method == http.MethodPost:
		if f.register != http.StatusOK {
			w.WriteHeader(f.register)
			w.Write([]byte(`{"error":{"code":"AuthorizationFailed","message":"no"}}`))
			return
		}
		f.state = "Registering"
	case r.URL.Path == prov && r.Method == http.MethodGet:
		if f.reads++; f.reads >= 2 && !f.stuck {
			f.state = "Registered"
		}
	case strings.Contains(r.URL.Path, "/providers/Microsoft.Network/"):
		f.bodies = append(f.bodies, string(data))
		if f.state != "Registered" {
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"error":{"code":"MissingSubscriptionRegistration","message":"The subscription is not registered to use namespace 'Microsoft.Network'. Register it with 'aksbox provider register --namespace Microsoft.Network'.","details":[{"code":"MissingSubscriptionRegistration","target":"Microsoft.Network"}]}}`))
			return
		}
		w.Write(data)
		return
	default:
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte(`{"error":{"code":"Conflict","message":"something else"}}`))
		return
	}
	w.Write([]byte(`{"namespace":"Microsoft.Network","registrationState":"` + f.state + `"}`))
}

// autoRegisterConn is a connection to f through the CLI's pipeline.
func autoRegisterConn(t *testing.T, f *fakeRegistry, onlyErrors bool) (*Conn, *bytes.Buffer) {
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	var stderr bytes.Buffer
	a := &App{Stderr: &stderr, OnlyErrors: onlyErrors}
	opts, err := a.withAutoRegister(staticToken{}, &arm.ClientOptions{
		ClientOptions: azcore.ClientOptions{Cloud: Cloud(srv.URL), Transport: srv.Client()}, DisableRPRegistration: true})
	if err != nil {
		t.Fatal(err)
	}
	p := opts.PerCallPolicies[len(opts.PerCallPolicies)-1].(*autoRegister)
	p.every, p.limit = 5*time.Millisecond, time.Second
	pl, err := armPipeline(staticToken{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &Conn{Endpoint: srv.URL, Subscription: testSub, Cred: staticToken{}, Options: opts, pipeline: pl}, &stderr
}

const vnetPath = "/subscriptions/" + testSub + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1"

// A request refused with MissingSubscriptionRegistration registers the
// namespace, says so in az's words, waits for Registered and is sent
// again with the same body.
func TestAutoRegister(t *testing.T) {
	f := &fakeRegistry{state: "NotRegistered", register: http.StatusOK}
	c, stderr := autoRegisterConn(t, f, false)
	body := map[string]any{"location": "westus2", "properties": map[string]any{"addressSpace": map[string]any{"addressPrefixes": []string{"10.0.0.0/16"}}}}
	v, err := c.Do(context.Background(), http.MethodPut, vnetPath, "2022-01-01", body)
	if err != nil {
		t.Fatal(err)
	}
	if v.(map[string]any)["location"] != "westus2" {
		t.Errorf("answer %v", v)
	}
	want := "WARNING: Resource provider 'Microsoft.Network' used by this operation is not registered. We are registering for you.\n" +
		"WARNING: Registration succeeded.\n"
	if stderr.String() != want {
		t.Errorf("stderr\n%q\nwant\n%q", stderr.String(), want)
	}
	prov := "/subscriptions/" + testSub + "/providers/Microsoft.Network"
	calls := []string{
		"PUT " + vnetPath + "?api-version=2022-01-01",
		"POST " + prov + "/register?api-version=2021-04-01",
		"GET " + prov + "?api-version=2021-04-01",
		"GET " + prov + "?api-version=2021-04-01",
		"PUT " + vnetPath + "?api-version=2022-01-01",
	}
	if !reflect.DeepEqual(f.calls, calls) {
		t.Errorf("calls\n%s\nwant\n%s", strings.Join(f.calls, "\n"), strings.Join(calls, "\n"))
	}
	if len(f.bodies) != 2 || f.bodies[1] != f.bodies[0] || !strings.Contains(f.bodies[1], "10.0.0.0/16") {
		t.Errorf("bodies %q", f.bodies)
	}
}

// What is not registered for: other errors pass through, a failed register
// call leaves the original error, a registration that never ends is an
// error, and --only-show-errors keeps the registration quiet.
func TestAutoRegisterLimits(t *testing.T) {
	for _, c := range []struct {
		name       string
		path       string
		register   int
		stuck      bool
		onlyErrors bool
		wantErr    string
		wantStderr string
		wantCalls  int
	}{
		{name: "other conflict", path: "/subscriptions/" + testSub + "/resourceGroups/rg", register: http.StatusOK,
			wantErr: "Conflict", wantCalls: 1},
		{name: "register refused", path: vnetPath, register: http.StatusForbidden,
			wantErr: "MissingSubscriptionRegistration", wantCalls: 2,
			wantStderr: "WARNING: Resource provider 'Microsoft.Network' used by this operation is not registered. We are registering for you.\nWARNING: Registration failed. Please register manually.\n"},
		{name: "never registered", path: vnetPath, register: http.StatusOK, stuck: true,
			wantErr:    "resource provider 'Microsoft.Network' is still Registering after 1s",
			wantStderr: "WARNING: Resource provider 'Microsoft.Network' used by this operation is not registered. We are registering for you.\n"},
		{name: "only errors", path: vnetPath, register: http.StatusOK, onlyErrors: true, wantCalls: 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeRegistry{state: "NotRegistered", register: c.register, stuck: c.stuck}
			conn, stderr := autoRegisterConn(t, f, c.onlyErrors)
			_, err := conn.Do(context.Background(), http.MethodPut, c.path, "2022-01-01", map[string]any{"location": "westus2"})
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("error %v, want %q", err, c.wantErr)
			}
			if stderr.String() != c.wantStderr {
				t.Errorf("stderr %q, want %q", stderr.String(), c.wantStderr)
			}
			if c.wantCalls > 0 && len(f.calls) != c.wantCalls {
				t.Errorf("calls %q", f.calls)
			}
		})
	}
}
