package cloud

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm/schema"
	"github.com/aksbox/aksbox/internal/testenv"
)

// TestUnknownPropertiesAreIgnored: what is not in a type's schema at the
// request's api-version is neither kept nor returned, at any depth and in
// children written through their own routes, while what is in it is.
func TestUnknownPropertiesAreIgnored(t *testing.T) {
	testenv.Root(t)
	do := caller(t)
	do("POST", "/providers/Microsoft.Network/register?api-version=2021-04-01", "")
	do("POST", "/providers/Microsoft.ManagedIdentity/register?api-version=2021-04-01", "")
	do("PUT", "/resourcegroups/s?api-version=2021-04-01", `{"location":"westus2"}`)
	defer do("DELETE", "/resourcegroups/s?api-version=2021-04-01", "")
	vnet := "/resourceGroups/s/providers/Microsoft.Network/virtualNetworks/"
	body := `{"location":"westus2","madeUp":1,"properties":{"addressSpace":{"addressPrefixes":["10.1.0.0/16"],"extra":true},
		"privateEndpointVNetPolicies":"Basic","flowTimeoutInMinutes":7,
		"subnets":[{"name":"a","properties":{"addressPrefix":"10.1.0.0/24","invented":"x","serviceEndpoints":[{"service":"Microsoft.Storage","nope":1}]}}]}}`
	for _, c := range []struct {
		name, apiVersion string
		policies         bool
	}{{"old", "2022-01-01", false}, {"new", "2024-07-01", true}} {
		if code, m := do("PUT", vnet+c.name+"?api-version="+c.apiVersion, body); code >= 300 {
			t.Fatalf("PUT at %s: %d %v", c.apiVersion, code, m)
		}
		code, m := do("GET", vnet+c.name+"?api-version=2024-07-01", "")
		if code != 200 {
			t.Fatalf("GET: %d %v", code, m)
		}
		got, _ := json.Marshal(m)
		for _, bad := range []string{"madeUp", "extra", "invented", "nope"} {
			if strings.Contains(string(got), bad) {
				t.Errorf("%s, written at %s, returns %q, which no schema has: %s", c.name, c.apiVersion, bad, got)
			}
		}
		props := m["properties"].(map[string]any)
		if props["flowTimeoutInMinutes"] != 7.0 || !strings.Contains(string(got), "Microsoft.Storage") {
			t.Errorf("%s lost properties of its schema: %s", c.name, got)
		}
		if _, ok := props["privateEndpointVNetPolicies"]; ok != c.policies {
			t.Errorf("%s, written at %s: privateEndpointVNetPolicies returned %v, want %v (it is in the schema from 2024-05-01)", c.name, c.apiVersion, ok, c.policies)
		}
	}
	// A child with a route of its own.
	if code, m := do("PUT", vnet+"new/subnets/b?api-version=2024-07-01", `{"properties":{"addressPrefix":"10.1.1.0/24","defaultOutboundAccess":false,"ghost":{"x":1}}}`); code >= 300 {
		t.Fatalf("subnet PUT: %d %v", code, m)
	}
	_, m := do("GET", vnet+"new/subnets/b?api-version=2024-07-01", "")
	if props := m["properties"].(map[string]any); props["ghost"] != nil || props["defaultOutboundAccess"] != false {
		t.Errorf("subnet: %v", m)
	}
	// Another provider's type, and its dictionary of user-assigned identities.
	id := "/resourceGroups/s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ident?api-version=2023-01-31"
	if code, m := do("PUT", id, `{"location":"westus2","tags":{"k":"v"},"properties":{"phantom":1},"spurious":[1]}`); code >= 300 {
		t.Fatalf("identity PUT: %d %v", code, m)
	}
	_, m = do("GET", id, "")
	got, _ := json.Marshal(m)
	if strings.Contains(string(got), "phantom") || strings.Contains(string(got), "spurious") || m["tags"].(map[string]any)["k"] != "v" {
		t.Errorf("identity: %s", got)
	}
}

// withoutSchema are the served types without a schema: their requests are
// read into a model of the properties aksbox holds, and nothing else of
// them is kept, so nothing unknown comes back either.
var withoutSchema = map[string]bool{
	"Microsoft.Features/features": true, "Microsoft.Features/providers": true,
	"Microsoft.Resources/resourceGroups": true, "Microsoft.Resources/subscriptions": true,
	"Microsoft.Resources/tenants": true, "Microsoft.Resources/subscriptions/locations": true,
	"Microsoft.Resources/operationresults": true, "Microsoft.Resources/providers": true,
	// Every record set of a zone: a list, which takes no body.
	"Microsoft.Network/privateDnsZones/all": true,
}

// newerThanSchemas are the api-versions served that are newer than every
// schema here, so judged by the newest (see docs/differences.md): no Azure
// SDK for Go module for them was on the module proxy.
var newerThanSchemas = map[string]bool{"Microsoft.Network 2025-07-01": true}

// TestEveryServedTypeHasASchema: every resource type the server lists
// is judged by a schema at each of its api-versions, of that version or
// a later one, or is named in withoutSchema or newerThanSchemas (see
// docs/differences.md).
func TestEveryServedTypeHasASchema(t *testing.T) {
	for _, ns := range providerList(t) {
		for _, rt := range ns.ResourceTypes {
			full := ns.Namespace + "/" + rt.ResourceType
			if strings.HasPrefix(rt.ResourceType, "locations/") || withoutSchema[full] {
				continue
			}
			for _, v := range rt.APIVersions {
				judge, ok := schema.For(full, v)
				switch {
				case !ok:
					t.Errorf("%s at %s has no schema: add its SDK model to hack/schemagen, or it to withoutSchema", full, v)
				case judge < v[:min(len(v), 10)] && !newerThanSchemas[ns.Namespace+" "+v]:
					t.Errorf("%s at %s is judged by the older schema of %s: add an SDK module of that api-version to hack/schemagen, or it to newerThanSchemas", full, v, judge)
				}
			}
		}
	}
}
