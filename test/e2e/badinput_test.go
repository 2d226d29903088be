package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Bad input gets ARM's code and a message naming the problem; nothing is
// stored and the server keeps serving.
func TestBadInput(t *testing.T) {
	in := start(t)
	sub := "/subscriptions/" + in.Sub
	rg := sub + "/resourcegroups/"
	v := "?api-version=2021-04-01"
	cases := []struct {
		name, method, path, body string
		status                   int
		code, inMessage          string
		// gone is a group that must not exist afterwards
		gone string
	}{
		{"malformed json", "PUT", rg + "bad1" + v, `{"location": "westus2"`, 400, "InvalidRequestContent", "", "bad1"},
		{"not json", "PUT", rg + "bad2" + v, `location=westus2`, 400, "InvalidRequestContent", "line 1", "bad2"},
		{"empty body", "PUT", rg + "bad3" + v, ``, 400, "InvalidRequestContent", "empty", "bad3"},
		{"wrong type", "PUT", rg + "bad4" + v, `{"location": 7}`, 400, "InvalidRequestContent", "'location'", "bad4"},
		{"wrong tag type", "PUT", rg + "bad5" + v, `{"location":"westus2","tags":{"a":1}}`, 400, "InvalidRequestContent", "tags", "bad5"},
		{"no location", "PUT", rg + "bad6" + v, `{}`, 400, "LocationRequired", "location", "bad6"},
		{"unknown location", "PUT", rg + "bad7" + v, `{"location":"moon"}`, 400, "LocationNotAvailableForResourceGroup", "moon", "bad7"},
		{"bad name", "PUT", rg + "bad%20name!" + v, `{"location":"westus2"}`, 400, "InvalidResourceGroup", "invalid characters", ""},
		{"name ends with period", "PUT", rg + "bad." + v, `{"location":"westus2"}`, 400, "InvalidResourceGroup", "period", ""},
		{"long name", "PUT", rg + strings.Repeat("a", 91) + v, `{"location":"westus2"}`, 400, "InvalidResourceGroup", "90", ""},
		{"missing api-version", "PUT", rg + "bad8", `{"location":"westus2"}`, 400, "MissingApiVersionParameter", "api-version", "bad8"},
		{"unknown api-version", "PUT", rg + "bad9?api-version=2099-01-01", `{"location":"westus2"}`, 400, "InvalidApiVersionParameter", "2021-04-01", "bad9"},
		{"missing group", "GET", rg + "nothere" + v, ``, 404, "ResourceGroupNotFound", "nothere", ""},
		{"unknown namespace", "PUT", rg + "nothere/providers/Microsoft.Foo/bars/x" + v, `{}`, 400, "InvalidResourceNamespace", "Microsoft.Foo", ""},
		{"put into missing group", "PUT", rg + "nothere/providers/Microsoft.Compute/virtualMachines/vm?api-version=2022-08-01", `{}`, 404, "ResourceGroupNotFound", "nothere", ""},
		{"unregistered namespace", "PUT", rg + "nothere/providers/Microsoft.ContainerService/managedClusters/c?api-version=2022-11-01", `{}`, 409, "MissingSubscriptionRegistration", "Microsoft.ContainerService", ""},
		{"unknown type", "GET", sub + "/providers/Microsoft.Compute/nonsense" + v, ``, 400, "InvalidResourceType", "nonsense", ""},
		{"unknown provider", "GET", sub + "/providers/Microsoft.Nope" + v, ``, 404, "InvalidResourceNamespace", "Microsoft.Nope", ""},
		{"unknown feature", "POST", sub + "/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/NoSuch/register?api-version=2021-07-01", ``, 404, "FeatureNotFound", "NoSuch", ""},
		{"unknown path", "GET", "/nowhere" + v, ``, 404, "NotFound", "/nowhere", ""},
		{"wrong method", "POST", rg + "x" + v, `{}`, 405, "MethodNotAllowed", "POST", ""},
		{"bad skiptoken", "GET", sub + "/resourcegroups" + v + "&$skiptoken=zz", ``, 400, "InvalidSkipToken", "zz", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, m, _ := in.call(c.method, c.path, c.body)
			if code != c.status || errCode(m) != c.code {
				t.Fatalf("%s %s: got %d %q, want %d %q (%v)", c.method, c.path, code, errCode(m), c.status, c.code, m)
			}
			if !strings.Contains(errMessage(m), c.inMessage) {
				t.Errorf("message %q does not mention %q", errMessage(m), c.inMessage)
			}
			if c.gone != "" {
				if code, _, _ := in.call("GET", rg+c.gone+v, ""); code != 404 {
					t.Errorf("group %s exists after a refused PUT (status %d)", c.gone, code)
				}
			}
		})
	}
	// Still serving after all of that.
	if code, _, _ := in.call("PUT", rg+"good"+v, `{"location":"westus2"}`); code != 201 {
		t.Fatalf("server stopped serving: %d", code)
	}
}

// Calls without a valid token get 401 with a WWW-Authenticate challenge;
// a subscription the principal cannot see gets 403.
func TestAuthentication(t *testing.T) {
	in := start(t)
	p := "/subscriptions/" + in.Sub + "/resourcegroups?api-version=2021-04-01"
	for _, c := range []struct{ name, auth, code string }{
		{"missing", "", "AuthenticationFailed"},
		{"garbage", "Bearer not.a.jwt", "InvalidAuthenticationToken"},
		{"wrong scheme", "Basic dXNlcjpwYXNz", "AuthenticationFailed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", in.Endpoint+p, nil)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := in.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(body), c.code) {
				t.Fatalf("got %d %s, want 401 %s", resp.StatusCode, body, c.code)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	code, m, _ := in.call("GET", "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups?api-version=2021-04-01", "")
	if code != 403 || errCode(m) != "AuthorizationFailed" {
		t.Fatalf("foreign subscription: %d %v", code, m)
	}
}
