package containerservice

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/store"
)

const (
	testSub     = "00000000-0000-0000-0000-000000000001"
	testManaged = "00000000-0000-0000-0000-0000000000ff"
	testCluster = "/subscriptions/" + testSub + "/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/C1"
	testFQDN    = "c1-0a1b2c3d.0f0e0d0c-0000-0000-0000-000000000000.privatelink.westus2.azmk8s.io"
	testAPI     = "2022-11-01"
)

type anyone struct{}

func (anyone) Authenticate(r *http.Request) (arm.Caller, string, error) {
	return arm.Caller{ObjectID: "o"}, "", nil
}
func (anyone) Subscription(c arm.Caller, s string) (string, bool) {
	return testSub, strings.EqualFold(s, testSub)
}

type registered struct{}

func (registered) Registered(ctx context.Context, s, ns string) (bool, error) { return true, nil }

// fakeLinks is the network provider's side: one connection through C1.
type fakeLinks struct {
	resolve network.PrivateLinkResolver
	conns   []network.EndpointConnection
	set     map[string]string
}

func (f *fakeLinks) AddPrivateLinkResourceType(typ string, r network.PrivateLinkResolver) {
	f.resolve = r
}
func (f *fakeLinks) Connections(ctx context.Context, service, through string) ([]network.EndpointConnection, error) {
	var out []network.EndpointConnection
	for _, c := range f.conns {
		if f.set[c.Endpoint] != network.Disconnected {
			if s := f.set[c.Endpoint]; s != "" {
				c.Status = s
			}
			out = append(out, c)
		}
	}
	return out, nil
}
func (f *fakeLinks) SetConnectionState(ctx context.Context, pe, status string) error {
	f.set[pe] = status
	return nil
}

type plFixture struct {
	t     *testing.T
	s     *arm.Server
	p     *Provider
	rec   *arm.Records
	links *fakeLinks
}

func newPLFixture(t *testing.T) *plFixture {
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
	cat.SetRegistrations(registered{})
	s := arm.NewServer(anyone{}, log)
	p := New(rec, s.Client(), nil, nil, Options{Dir: t.TempDir(), ManagedSubscription: testManaged}, log)
	p.Routes(s, arm.KindDeps{Records: rec, Ops: arm.NewOperations(ctx, st, log), Catalog: cat, Log: log,
		Group: func(ctx context.Context, _, g string) error { return nil }})
	links := &fakeLinks{set: map[string]string{}}
	p.UsePrivateLink(links)
	return &plFixture{t: t, s: s, p: p, rec: rec, links: links}
}

// putCluster stores a settled cluster as the provider would have.
func (f *plFixture) putCluster(private bool, power string) {
	f.t.Helper()
	c := Cluster{ID: testCluster, Name: "C1", Type: Namespace + "/managedClusters", Location: "westus2", Properties: Properties{
		ProvisioningState: arm.Succeeded, DNSPrefix: "c1", NodeResourceGroup: "MC_rg_C1_westus2",
		AgentPoolProfiles:      []*Pool{{Name: "nodepool1", Count: intPtr(1)}},
		APIServerAccessProfile: &APIServerAccess{EnablePrivateCluster: boolPtr(private)}}}
	if private {
		c.Properties.PrivateFQDN = testFQDN
	}
	body, _ := json.Marshal(c)
	in, _ := json.Marshal(internal{UID: "0f0e0d0c-0000-0000-0000-000000000000", Power: power})
	if _, err := f.rec.Put(context.Background(), testCluster, arm.Record{Body: body, Internal: in}, -1); err != nil {
		f.t.Fatal(err)
	}
}

func (f *plFixture) pls() string {
	return "/subscriptions/" + testManaged + "/resourceGroups/hcp-0f0e0d0c0000/providers/Microsoft.Network/privateLinkServices/kube-apiserver"
}

func (f *plFixture) do(method, path, body string) (int, map[string]any) {
	f.t.Helper()
	req := httptest.NewRequest(method, path+"?api-version="+testAPI, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.s.ServeHTTP(w, req)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w.Code, m
}

func errorCode(m map[string]any) (string, string) {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	return c, msg
}

// The shapes of AKS's REST API examples PrivateLinkResourcesList.json and
// ResolvePrivateLinkServiceId.json, and the body's privateLinkResources.
func TestPrivateLinkResources(t *testing.T) {
	f := newPLFixture(t)
	f.putCluster(true, Running)
	want := `[{"id":"` + testCluster + `/privateLinkResources/management","name":"management",` +
		`"type":"Microsoft.ContainerService/managedClusters/privateLinkResources","groupId":"management","requiredMembers":["management"]}]`
	var norm any
	_ = json.Unmarshal([]byte(want), &norm)
	b, _ := json.Marshal(norm)
	want = string(b)

	code, m := f.do("GET", testCluster+"/privateLinkResources", "")
	got, _ := json.Marshal(m["value"])
	if code != http.StatusOK || string(got) != want {
		t.Fatalf("privateLinkResources: %d %s", code, got)
	}
	_, m = f.do("GET", testCluster, "")
	got, _ = json.Marshal(m["properties"].(map[string]any)["privateLinkResources"])
	if string(got) != want {
		t.Fatalf("the cluster's privateLinkResources: %s", got)
	}
	code, m = f.do("POST", testCluster+"/resolvePrivateLinkServiceId", `{"name":"management"}`)
	if code != http.StatusOK || len(m) != 1 || m["privateLinkServiceID"] != f.pls() {
		t.Fatalf("resolvePrivateLinkServiceId: %d %v", code, m)
	}
	for body, code := range map[string]string{`{"name":"other"}`: "InvalidParameter", `{}`: "InvalidParameter", ``: "InvalidRequestContent"} {
		if status, m := f.do("POST", testCluster+"/resolvePrivateLinkServiceId", body); status != http.StatusBadRequest {
			t.Errorf("resolve %s: %d %v", body, status, m)
		} else if c, msg := errorCode(m); c != code || (body == `{"name":"other"}` && !strings.Contains(msg, "'other'")) {
			t.Errorf("resolve %s: %s %s", body, c, msg)
		}
	}

	// A public cluster has none.
	f.putCluster(false, Running)
	if code, m := f.do("GET", testCluster+"/privateLinkResources", ""); code != http.StatusOK || len(m["value"].([]any)) != 0 {
		t.Fatalf("public cluster's privateLinkResources: %d %v", code, m)
	}
	if _, m := f.do("GET", testCluster, ""); m["properties"].(map[string]any)["privateLinkResources"] != nil {
		t.Fatalf("a public cluster shows privateLinkResources: %v", m)
	}
}

// The resolver the network provider calls for a private endpoint's
// connection to a cluster.
func TestResolvePrivateLink(t *testing.T) {
	f := newPLFixture(t)
	ctx := context.Background()
	rid, _ := arm.ParseID(strings.ToLower(testCluster))
	code := func(err error) string {
		if err == nil {
			return ""
		}
		return arm.AsError(err).Code
	}
	if _, err := f.links.resolve(ctx, rid, "management"); code(err) != "ResourceNotFound" {
		t.Fatalf("a missing cluster: %v", err)
	}
	f.putCluster(true, Stopped)
	if _, err := f.links.resolve(ctx, rid, "management"); code(err) != "OperationNotAllowed" || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("a stopped cluster: %v", err)
	}
	f.putCluster(true, Running)
	if _, err := f.links.resolve(ctx, rid, "other"); code(err) != "InvalidParameter" || !strings.Contains(err.Error(), "'other'") ||
		!strings.Contains(err.Error(), "'management'") {
		t.Fatalf("another group: %v", err)
	}
	if _, err := f.links.resolve(ctx, rid, "management"); code(err) != "OperationNotAllowed" {
		t.Fatalf("a cluster without its private link service: %v", err)
	}
	if _, err := f.rec.Put(ctx, f.pls(), arm.Record{Body: json.RawMessage(`{"id":"` + f.pls() + `"}`)}, -1); err != nil {
		t.Fatal(err)
	}
	got, err := f.links.resolve(ctx, rid, "Management")
	if err != nil || got.ID != testCluster || got.Service != f.pls() || len(got.Members) != 1 || got.Members[0].Name != "management" || len(got.Members[0].FQDNs) != 1 || got.Members[0].FQDNs[0] != testFQDN {
		t.Fatalf("resolved: %+v %v", got, err)
	}
	f.putCluster(false, Running)
	if _, err := f.links.resolve(ctx, rid, "management"); code(err) != "InvalidParameter" || !strings.Contains(err.Error(), "not a private cluster") {
		t.Fatalf("a public cluster: %v", err)
	}
}

// privateEndpointConnections: list, get, update and delete, shaped as
// AKS's examples PrivateEndpointConnections*.json.
func TestClusterEndpointConnections(t *testing.T) {
	f := newPLFixture(t)
	f.putCluster(true, Running)
	pe := "/subscriptions/" + testSub + "/resourceGroups/users/providers/Microsoft.Network/privateEndpoints/to-c1"
	f.links.conns = []network.EndpointConnection{{Name: "to-c1.users", Endpoint: pe, Target: testCluster, Status: network.Approved}}
	conns := testCluster + "/privateEndpointConnections"
	code, m := f.do("GET", conns, "")
	v, _ := m["value"].([]any)
	if code != http.StatusOK || len(v) != 1 {
		t.Fatalf("list: %d %v", code, m)
	}
	c := v[0].(map[string]any)
	pr := c["properties"].(map[string]any)
	if c["id"] != conns+"/to-c1.users" || c["name"] != "to-c1.users" || c["type"] != "Microsoft.Network/privateLinkServices/privateEndpointConnections" ||
		pr["provisioningState"] != "Succeeded" || pr["privateEndpoint"].(map[string]any)["id"] != pe ||
		pr["privateLinkServiceConnectionState"].(map[string]any)["status"] != "Approved" {
		t.Fatalf("connection: %v", c)
	}
	if code, m := f.do("GET", conns+"/TO-C1.users", ""); code != http.StatusOK || m["name"] != "to-c1.users" {
		t.Fatalf("get: %d %v", code, m)
	}
	if code, m := f.do("GET", conns+"/nothere", ""); code != http.StatusNotFound {
		t.Fatalf("get a missing one: %d %v", code, m)
	}
	approve := `{"properties":{"privateLinkServiceConnectionState":{"status":"Approved"}}}`
	if code, m := f.do("PUT", conns+"/to-c1.users", approve); code != http.StatusOK || f.links.set[pe] != "" {
		t.Fatalf("approving an approved one: %d %v", code, m)
	}
	if code, m := f.do("PUT", conns+"/to-c1.users", `{"properties":{"privateLinkServiceConnectionState":{"status":"Pending"}}}`); code != http.StatusBadRequest {
		t.Fatalf("setting Pending: %d %v", code, m)
	}
	if code, m := f.do("PUT", conns+"/to-c1.users", `{"properties":{"privateLinkServiceConnectionState":{"status":"Rejected"}}}`); code != http.StatusOK ||
		f.links.set[pe] != network.Rejected || m["properties"].(map[string]any)["privateLinkServiceConnectionState"].(map[string]any)["status"] != "Rejected" {
		t.Fatalf("rejecting: %d %v", code, m)
	}
	if code, m := f.do("PUT", conns+"/to-c1.users", approve); code != http.StatusBadRequest {
		t.Fatalf("approving a rejected one: %d %v", code, m)
	}
	if code, _ := f.do("DELETE", conns+"/to-c1.users", ""); code != http.StatusOK || f.links.set[pe] != network.Disconnected {
		t.Fatalf("delete: %d %v", code, f.links.set)
	}
	if code, _ := f.do("DELETE", conns+"/to-c1.users", ""); code != http.StatusNoContent {
		t.Fatalf("deleting again: %d", code)
	}
	if _, m := f.do("GET", conns, ""); len(m["value"].([]any)) != 0 {
		t.Fatalf("after delete: %v", m)
	}
}
