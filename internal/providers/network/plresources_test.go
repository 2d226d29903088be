package network

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/aksbox/aksbox/internal/store"
)

const (
	sub     = "00000000-0000-0000-0000-000000000001"
	api     = "2024-07-01"
	groupID = "/subscriptions/" + sub + "/resourceGroups/rg"
	netIDs  = groupID + "/providers/Microsoft.Network"
	cluster = groupID + "/providers/Microsoft.ContainerService/managedClusters/C1"
)

// fakeFabric records which private endpoints forward.
type fakeFabric struct {
	mu        sync.Mutex
	endpoints map[string]string     // endpoint ID → frontend ID
	nics      map[string]fabric.NIC // endpoint ID → its NIC as last ensured
	fail      error                 // what EnsureEndpoint answers after making the endpoint
}

func (f *fakeFabric) EnsureVNet(fabric.VNet) error         { return nil }
func (f *fakeFabric) RemoveVNet(string) error              { return nil }
func (f *fakeFabric) EnsurePeering(a, b string) error      { return nil }
func (f *fakeFabric) RemovePeering(a, b string) error      { return nil }
func (f *fakeFabric) EnsureFrontend(fabric.Frontend) error { return nil }
func (f *fakeFabric) RemoveFrontend(string) error          { return nil }
func (f *fakeFabric) EnsureEndpoint(e fabric.Endpoint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.endpoints[strings.ToLower(e.ID)] = e.Frontend
	if f.nics == nil {
		f.nics = map[string]fabric.NIC{}
	}
	f.nics[strings.ToLower(e.ID)] = e.NIC
	return f.fail
}
func (f *fakeFabric) RemoveEndpoint(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.endpoints, strings.ToLower(id))
	return nil
}

func (f *fakeFabric) nicOf(pe string) fabric.NIC {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nics[strings.ToLower(pe)]
}

func (f *fakeFabric) frontendOf(pe string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.endpoints[strings.ToLower(pe)]
}

type anyone struct{}

func (anyone) Authenticate(r *http.Request) (arm.Caller, string, error) {
	return arm.Caller{ObjectID: "o"}, "", nil
}
func (anyone) Subscription(c arm.Caller, s string) (string, bool) {
	return sub, strings.EqualFold(s, sub)
}

type registered struct{}

func (registered) Registered(ctx context.Context, s, ns string) (bool, error) { return true, nil }

type fixture struct {
	t   *testing.T
	s   *arm.Server
	p   *Provider
	fab *fakeFabric
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
	cat.SetRegistrations(registered{})
	s := arm.NewServer(anyone{}, log)
	fab := &fakeFabric{endpoints: map[string]string{}}
	p := New(rec, fab, Options{}, log)
	p.Routes(s, arm.KindDeps{Records: rec, Ops: arm.NewOperations(ctx, st, log), Catalog: cat, Log: log,
		Group: func(ctx context.Context, _, g string) error { return nil }})
	return &fixture{t: t, s: s, p: p, fab: fab}
}

// do sends a request as a client and decodes the answer.
func (f *fixture) do(method, path, body string) (int, map[string]any) {
	f.t.Helper()
	req := httptest.NewRequest(method, path+"?api-version="+api, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.s.ServeHTTP(w, req)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w.Code, m
}

// put writes a resource and waits for its provisioning to end.
func (f *fixture) put(path, body string) map[string]any {
	f.t.Helper()
	code, m := f.do("PUT", path, body)
	if code >= 300 {
		f.t.Fatalf("PUT %s: %d %v", path, code, m)
	}
	return f.await(path)
}

func (f *fixture) await(path string) map[string]any {
	f.t.Helper()
	for i := 0; i < 200; i++ {
		code, m := f.do("GET", path, "")
		if code == http.StatusNotFound {
			return nil
		}
		if s := props(m)["provisioningState"]; s == "Succeeded" || s == "Failed" {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.t.Fatalf("%s never settled", path)
	return nil
}

func props(m map[string]any) map[string]any { p, _ := m["properties"].(map[string]any); return p }

func errOf(m map[string]any) (string, string) {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	return c, msg
}

func peBody(target string, groups ...string) string {
	g, _ := json.Marshal(groups)
	return `{"location":"westus2","properties":{"subnet":{"id":"` + netIDs + `/virtualNetworks/customer/subnets/s"},` +
		`"privateLinkServiceConnections":[{"name":"conn","properties":{"privateLinkServiceId":"` + target + `","groupIds":` + string(g) + `}}]}}`
}

func connection(pe map[string]any) map[string]any {
	c, _ := props(pe)["privateLinkServiceConnections"].([]any)
	if len(c) != 1 {
		return nil
	}
	return props(c[0].(map[string]any))
}

func status(pe map[string]any) string {
	s, _ := connection(pe)["privateLinkServiceConnectionState"].(map[string]any)["status"].(string)
	return s
}

// A private endpoint to a managed cluster's "management" group: resolved
// through the registered resolver to the service behind it, refused with
// Azure's codes for bad groups, left Disconnected (and forwarding nothing)
// when the service is deleted and created again, until it is re-created.
func TestPrivateLinkResourceEndpoint(t *testing.T) {
	f := newFixture(t)
	vnet := func(name, space string) string {
		return `{"location":"westus2","properties":{"addressSpace":{"addressPrefixes":["` + space + `/16"]},` +
			`"subnets":[{"name":"s","properties":{"addressPrefix":"` + strings.TrimSuffix(space, "0.0") + `1.0/24"}}]}}`
	}
	f.put(netIDs+"/virtualNetworks/customer", vnet("10.70.0.0", "10.70.0.0"))
	f.put(netIDs+"/virtualNetworks/provider", vnet("10.80.0.0", "10.80.0.0"))
	pls := netIDs + "/privateLinkServices/kube-apiserver"
	plsBody := `{"location":"westus2","properties":{"destinationIPAddress":"10.80.1.4","ipConfigurations":[{"name":"nat","properties":{"subnet":{"id":"` +
		netIDs + `/virtualNetworks/provider/subnets/s"}}}]}}`
	f.put(pls, plsBody)
	fqdn := "c1-0a1b2c3d.6f0e1d2c-0000-0000-0000-000000000000.privatelink.westus2.azmk8s.io"
	f.p.AddPrivateLinkResourceType("Microsoft.ContainerService/managedClusters", func(ctx context.Context, rid arm.ResourceID, group string) (PrivateLinkTarget, error) {
		if !strings.EqualFold(rid.Name(), "c1") {
			return PrivateLinkTarget{}, arm.NotFound(rid)
		}
		if group != "management" {
			return PrivateLinkTarget{}, arm.InvalidParameter("groupId", "Private link resource '%s' is not one of managed cluster 'C1'; its only group ID is 'management'.", group)
		}
		return PrivateLinkTarget{ID: cluster, Service: pls, Members: []Member{{Name: "management", FQDNs: []string{fqdn}}}}, nil
	})

	pe := netIDs + "/privateEndpoints/to-c1"
	for _, c := range []struct {
		target string
		groups []string
		code   string
		msg    string
	}{
		{cluster, nil, "MissingParameterOnPrivateLinkServiceConnection", "Private link service connection " + pe + "/privateLinkServiceConnections/conn is missing required parameter 'group Id'."},
		{cluster, []string{"management", "other"}, "OnlyOneGroupIdPermitted", "has the following group Ids: management, other. Only one group Id is permitted when connecting to a first-party resource (" + cluster + ")."},
		{cluster, []string{"other"}, "InvalidParameter", "Call to Microsoft.ContainerService/managedClusters failed. Error message: Private link resource 'other'"},
		{strings.Replace(cluster, "C1", "nothere", 1), []string{"management"}, "ResourceNotFound", "Call to Microsoft.ContainerService/managedClusters failed. Error message: The Resource 'Microsoft.ContainerService/managedClusters/nothere'"},
		{groupID + "/providers/Microsoft.Storage/storageAccounts/sa", []string{"blob"}, "InvalidResourceReference", "managed clusters"},
	} {
		code, m := f.do("PUT", pe, peBody(c.target, c.groups...))
		got, msg := errOf(m)
		if code != http.StatusBadRequest || got != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%s %v: %d %s %q, want 400 %s %q", c.target, c.groups, code, got, msg, c.code, c.msg)
		}
	}
	if code, _ := f.do("GET", pe, ""); code != http.StatusNotFound {
		t.Fatalf("a refused endpoint was stored (%d)", code)
	}

	// Made: the connection names the cluster and its group; the address
	// comes with the cluster's FQDN; the fabric forwards to the service.
	got := f.put(pe, peBody(strings.ToLower(cluster), "management"))
	c := connection(got)
	dns, _ := props(got)["customDnsConfigs"].([]any)
	if props(got)["provisioningState"] != "Succeeded" || c["privateLinkServiceId"] != cluster || status(got) != Approved ||
		len(c["groupIds"].([]any)) != 1 || c["groupIds"].([]any)[0] != "management" || len(dns) != 1 ||
		dns[0].(map[string]any)["fqdn"] != fqdn || dns[0].(map[string]any)["ipAddresses"].([]any)[0] != "10.70.1.4" {
		t.Fatalf("endpoint: %v", got)
	}
	if !strings.EqualFold(f.fab.frontendOf(pe), pls) {
		t.Fatalf("the endpoint forwards to %q, want the service", f.fab.frontendOf(pe))
	}
	conns, err := f.p.Connections(context.Background(), pls, cluster)
	if err != nil || len(conns) != 1 || conns[0].Name != "to-c1.rg" || conns[0].Status != Approved {
		t.Fatalf("connections through the cluster: %v %v", conns, err)
	}
	if _, svc := f.do("GET", pls, ""); len(props(svc)["privateEndpointConnections"].([]any)) != 1 {
		t.Fatalf("the service's connections: %v", svc)
	}

	// Only the cloud deletes a service with connections; its endpoints stop.
	if code, m := f.do("DELETE", pls, ""); code != http.StatusBadRequest {
		t.Fatalf("a client deleting a service with connections: %d %v", code, m)
	}
	system := f.s.Client()
	ctx := context.Background()
	if err := system.Delete(ctx, pls, api); err != nil {
		t.Fatal(err)
	}
	if f.fab.frontendOf(pe) != "" {
		t.Fatal("the endpoint still forwards after its service was deleted")
	}
	if _, m := f.do("GET", pe, ""); status(m) != Disconnected || props(m)["provisioningState"] != "Succeeded" {
		t.Fatalf("endpoint of a deleted service: %v", m)
	}
	// The service made anew (its owner's endpoint re-written) does not
	// bring the endpoint back, not even when it is written again or realized
	// as after a restart.
	if _, err := system.Put(ctx, pls, api, json.RawMessage(plsBody)); err != nil {
		t.Fatal(err)
	}
	if again := f.put(pe, peBody(cluster, "management")); status(again) != Disconnected {
		t.Fatalf("rewritten endpoint: %v", again)
	}
	if err := f.p.pes.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if f.fab.frontendOf(pe) != "" || status(f.await(pe)) != Disconnected {
		t.Fatal("a disconnected endpoint forwards again")
	}
	if conns, _ := f.p.Connections(ctx, pls, ""); len(conns) != 0 {
		t.Fatalf("the new service lists the old connection: %v", conns)
	}
	// The service's owner re-writing its own endpoint re-connects it.
	if _, err := system.Put(ctx, pe, api, json.RawMessage(peBody(cluster, "management"))); err != nil {
		t.Fatal(err)
	}
	if _, m := f.do("GET", pe, ""); status(m) != Approved || f.fab.frontendOf(pe) == "" {
		t.Fatalf("endpoint re-written by the service's owner: %v", m)
	}

	// The owner deleting the connection ends it; a new endpoint connects.
	if err := f.p.SetConnectionState(ctx, pe, Disconnected); err != nil {
		t.Fatal(err)
	}
	if _, m := f.do("GET", pe, ""); status(m) != Disconnected || f.fab.frontendOf(pe) != "" {
		t.Fatalf("after the connection was deleted: %v", m)
	}
	if code, _ := f.do("DELETE", pe, ""); code != http.StatusAccepted {
		t.Fatalf("deleting the endpoint: %d", code)
	}
	if f.await(pe) != nil {
		t.Fatal("the endpoint is not gone")
	}
	if m := f.put(pe, peBody(cluster, "management")); status(m) != Approved || f.fab.frontendOf(pe) == "" {
		t.Fatalf("re-created endpoint: %v", m)
	}

	// A realization that fails leaves a Failed endpoint and nothing made.
	f.fab.fail = errors.New("linking failed")
	other := netIDs + "/privateEndpoints/other"
	if m := f.put(other, peBody(cluster, "management")); props(m)["provisioningState"] != "Failed" || f.fab.frontendOf(other) != "" {
		t.Fatalf("an endpoint whose realization failed: %v (forwards to %q)", m, f.fab.frontendOf(other))
	}
}
