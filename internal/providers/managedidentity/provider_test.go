package managedidentity

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

const (
	sub    = "00000000-0000-0000-0000-000000000001"
	tenant = "00000000-0000-0000-0000-0000000000aa"
	group  = "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
)

var guid = regexp.MustCompile(`^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$`)

type anyone struct{}

func (anyone) Authenticate(r *http.Request) (arm.Caller, string, error) {
	return arm.Caller{ObjectID: "o"}, "", nil
}
func (anyone) Subscription(c arm.Caller, s string) (string, bool) {
	return sub, strings.EqualFold(s, sub)
}

// registrations says whether the subscription is registered for the namespace.
type registrations struct{ on bool }

func (r *registrations) Registered(ctx context.Context, s, ns string) (bool, error) { return r.on, nil }

type fixture struct {
	t   *testing.T
	s   *arm.Server
	p   *Provider
	rec *arm.Records
	reg *registrations
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rec := arm.NewRecords(st)
	cat := arm.NewCatalog()
	reg := &registrations{on: true}
	cat.SetRegistrations(reg)
	s := arm.NewServer(anyone{}, log)
	p := New(rec, tenant, log)
	p.Routes(s, arm.KindDeps{Records: rec, Ops: arm.NewOperations(ctx, st, log), Catalog: cat, Log: log,
		Group: func(ctx context.Context, _, g string) error {
			if !strings.EqualFold(g, "rg") {
				return arm.GroupNotFound(g)
			}
			return nil
		}})
	return &fixture{t: t, s: s, p: p, rec: rec, reg: reg}
}

// do sends a request and decodes the answer.
func (f *fixture) do(method, path, version, body string) (int, map[string]any) {
	f.t.Helper()
	req := httptest.NewRequest(method, path+"?api-version="+version, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.s.ServeHTTP(w, req)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w.Code, m
}

func props(m map[string]any) map[string]any { p, _ := m["properties"].(map[string]any); return p }

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	status, id1 := f.do("PUT", group+"/Id1", "2024-11-30", `{"location":"West US 2","tags":{"env":"test"}}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, id1)
	}
	pr := props(id1)
	wantID := "/subscriptions/" + sub + "/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/Id1"
	if id1["id"] != wantID || id1["name"] != "Id1" || id1["type"] != "Microsoft.ManagedIdentity/userAssignedIdentities" ||
		id1["location"] != "westus2" || id1["tags"].(map[string]any)["env"] != "test" {
		t.Errorf("create body: %v", id1)
	}
	if pr["tenantId"] != tenant || !guid.MatchString(pr["principalId"].(string)) || !guid.MatchString(pr["clientId"].(string)) ||
		pr["principalId"] == pr["clientId"] || pr["isolationScope"] != "None" || pr["provisioningState"] != nil {
		t.Errorf("create properties: %v", pr)
	}

	// A second PUT (any case of the name) keeps the IDs and the first case.
	status, again := f.do("PUT", group+"/ID1", "2024-11-30", `{"location":"westus2","properties":{"isolationScope":"Regional","principalId":"x"}}`)
	if status != http.StatusOK || again["name"] != "Id1" || props(again)["principalId"] != pr["principalId"] ||
		props(again)["clientId"] != pr["clientId"] || props(again)["isolationScope"] != "Regional" || len(again["tags"].(map[string]any)) != 0 {
		t.Errorf("update: %d %v", status, again)
	}
	// Older api-versions: no isolationScope, and a PUT there leaves it be.
	status, old := f.do("PUT", group+"/id1", "2022-01-31-preview", `{"location":"westus2","properties":{"isolationScope":"None"}}`)
	if status != http.StatusOK || props(old)["isolationScope"] != nil || props(old)["clientId"] != pr["clientId"] {
		t.Errorf("update at 2022-01-31-preview: %d %v", status, old)
	}
	if _, m := f.do("GET", group+"/id1", "2024-11-30", ""); props(m)["isolationScope"] != "Regional" {
		t.Errorf("isolation scope lost by an older PUT: %v", m)
	}

	// PATCH: tags and the isolation scope.
	status, patched := f.do("PATCH", group+"/id1", "2024-11-30", `{"tags":{"a":"b"},"properties":{"isolationScope":"none"}}`)
	if status != http.StatusOK || patched["tags"].(map[string]any)["a"] != "b" || props(patched)["isolationScope"] != "None" ||
		props(patched)["principalId"] != pr["principalId"] {
		t.Errorf("patch: %d %v", status, patched)
	}

	// Lists by group and by subscription.
	f.do("PUT", group+"/id2", "2023-01-31", `{"location":"eastus"}`)
	for _, path := range []string{group, "/subscriptions/" + sub + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities"} {
		status, list := f.do("GET", path, "2023-01-31", "")
		if items, _ := list["value"].([]any); status != http.StatusOK || len(items) != 2 {
			t.Errorf("list %s: %d %v", path, status, list)
		}
	}

	// The lookup helper.
	got, err := f.p.Get(context.Background(), strings.ToUpper(wantID))
	if err != nil || got.Properties.PrincipalID != pr["principalId"] || got.Properties.ClientID != pr["clientId"] || got.Name != "Id1" {
		t.Errorf("Get: %+v %v", got, err)
	}

	// DELETE: 200, then 204 for what is gone.
	if status, _ := f.do("DELETE", group+"/id1", "2024-11-30", ""); status != http.StatusOK {
		t.Errorf("delete: %d", status)
	}
	if status, _ := f.do("DELETE", group+"/id1", "2024-11-30", ""); status != http.StatusNoContent {
		t.Errorf("delete again: %d", status)
	}
	if status, m := f.do("GET", group+"/id1", "2024-11-30", ""); status != http.StatusNotFound || errCode(m) != "ResourceNotFound" {
		t.Errorf("get deleted: %d %v", status, m)
	}
	if _, err := f.p.Get(context.Background(), wantID); arm.AsError(err).Code != "ResourceNotFound" {
		t.Errorf("Get deleted: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	f.do("PUT", group+"/id1", "2024-11-30", `{"location":"westus2"}`)
	for _, c := range []struct {
		method, name, version, body string
		status                      int
		code, says                  string
	}{
		{"PUT", "ab", "2024-11-30", `{"location":"westus2"}`, 400, "InvalidResourceName", "3 to 128"},
		{"PUT", "-abc", "2024-11-30", `{"location":"westus2"}`, 400, "InvalidResourceName", "start with a letter or digit"},
		{"PUT", "a.bc", "2024-11-30", `{"location":"westus2"}`, 400, "InvalidResourceName", "'.' is not allowed"},
		{"PUT", "id3", "2024-11-30", `{}`, 400, "LocationRequired", "westus2"},
		{"PUT", "id3", "2024-11-30", `{"location":"moon"}`, 400, "LocationNotAvailableForResourceType", "moon"},
		{"PUT", "id3", "2024-11-30", `{"location":1}`, 400, "InvalidRequestContent", "location"},
		{"PUT", "id3", "2024-11-30", ``, 400, "InvalidRequestContent", "empty"},
		{"PUT", "id3", "2024-11-30", `{"location":"westus2","properties":{"isolationScope":"Global"}}`, 400, "InvalidParameter", "'None' or 'Regional'"},
		{"PUT", "id3", "2024-11-30", `{"location":"westus2","tags":{"a/b":"c"}}`, 400, "InvalidTagNameCharacters", "a/b"},
		{"PUT", "ab", "2024-11-30", `{}`, 400, "InvalidRequestContent", "2 problems"},
		{"PUT", "id1", "2024-11-30", `{"location":"eastus"}`, 409, "InvalidResourceLocation", "already exists in location 'westus2'"},
		{"PATCH", "id1", "2024-11-30", `{"location":"eastus"}`, 409, "InvalidResourceLocation", "'eastus'"},
		{"PATCH", "nope", "2024-11-30", `{"tags":{}}`, 404, "ResourceNotFound", "nope"},
		{"GET", "id1", "2020-01-01", ``, 400, "InvalidApiVersionParameter", "2024-11-30"},
	} {
		status, m := f.do(c.method, group+"/"+c.name, c.version, c.body)
		e, _ := m["error"].(map[string]any)
		msg, _ := e["message"].(string)
		if status != c.status || errCode(m) != c.code || !strings.Contains(msg, c.says) {
			t.Errorf("%s %s %s: %d %v, want %d %s saying %q", c.method, c.name, c.body, status, m, c.status, c.code, c.says)
		}
	}
	if status, m := f.do("PUT", strings.Replace(group, "/rg/", "/other/", 1)+"/id1", "2024-11-30", `{"location":"westus2"}`); status != 404 || errCode(m) != "ResourceGroupNotFound" {
		t.Errorf("missing group: %d %v", status, m)
	}
	for _, id := range []string{"not-an-id", "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"} {
		if _, err := f.p.Get(context.Background(), id); err == nil || arm.AsError(err).Status != 400 {
			t.Errorf("Get(%q): %v", id, err)
		}
	}
}

func TestUnregisteredSubscription(t *testing.T) {
	f := newFixture(t)
	f.reg.on = false
	status, m := f.do("PUT", group+"/id1", "2024-11-30", `{"location":"westus2"}`)
	if status != http.StatusConflict || errCode(m) != "MissingSubscriptionRegistration" {
		t.Errorf("unregistered: %d %v", status, m)
	}
}
