package schema

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestPruneDropsWhatTheSchemaLacks(t *testing.T) {
	body := `{"location":"westus2","bogus":1,"Tags":{"any":"thing"},
	"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"],"extra":true},
	"subnets":[{"name":"a","properties":{"addressPrefix":"10.0.0.0/24","madeUp":"x",
	"delegations":[{"name":"d","properties":{"serviceName":"Microsoft.ContainerService/managedClusters","nope":1}}]}}],
	"DHCPOPTIONS":{"dnsServers":["10.0.0.4"]}}}`
	out, dropped := Prune("Microsoft.Network/virtualNetworks", "2024-07-01", []byte(body))
	want := []string{"bogus", "properties.addressSpace.extra", "properties.subnets[0].properties.delegations[0].properties.nope", "properties.subnets[0].properties.madeUp"}
	if !reflect.DeepEqual(dropped, want) {
		t.Fatalf("dropped %q, want %q", dropped, want)
	}
	var got, exp any
	json.Unmarshal(out, &got)
	json.Unmarshal([]byte(`{"location":"westus2","Tags":{"any":"thing"},
	"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},
	"subnets":[{"name":"a","properties":{"addressPrefix":"10.0.0.0/24",
	"delegations":[{"name":"d","properties":{"serviceName":"Microsoft.ContainerService/managedClusters"}}]}}],
	"DHCPOPTIONS":{"dnsServers":["10.0.0.4"]}}}`), &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("pruned body:\n%s", out)
	}
}

func TestPruneFollowsTheAPIVersion(t *testing.T) {
	body := []byte(`{"location":"westus2","properties":{"dnsPrefix":"a","upgradeSettings":{"overrideSettings":{"forceUpgrade":true}},
	"addonProfiles":{"azurepolicy":{"enabled":true,"config":{"k":"v"},"invented":1}}}}`)
	_, old := Prune("Microsoft.ContainerService/managedClusters", "2022-04-01", body)
	if want := []string{"properties.addonProfiles.azurepolicy.invented", "properties.upgradeSettings"}; !reflect.DeepEqual(old, want) {
		t.Fatalf("at 2022-04-01 dropped %q, want %q", old, want)
	}
	_, cur := Prune("Microsoft.ContainerService/managedClusters", "2025-10-01", body)
	if want := []string{"properties.addonProfiles.azurepolicy.invented"}; !reflect.DeepEqual(cur, want) {
		t.Fatalf("at 2025-10-01 dropped %q, want %q", cur, want)
	}
}

func TestPruneLeavesWhatItCannotJudge(t *testing.T) {
	for _, c := range []struct{ typ, body string }{
		{"Microsoft.Resources/resourceGroups", `{"location":"westus2","anything":1}`},
		{"Microsoft.Network/virtualNetworks", `not json`},
		{"Microsoft.Network/virtualNetworks", `[1,2]`},
		{"Microsoft.Network/virtualNetworks", `{"location":"westus2"} {"x":1}`},
	} {
		if out, dropped := Prune(c.typ, "2024-07-01", []byte(c.body)); string(out) != c.body || dropped != nil {
			t.Errorf("%s %s: got %s, dropped %q", c.typ, c.body, out, dropped)
		}
	}
}

func TestForPicksTheVersionAtOrAfter(t *testing.T) {
	for _, c := range []struct{ typ, in, want string }{
		{"Microsoft.Network/virtualNetworks/subnets", "2024-07-01", "2025-01-01"},
		{"microsoft.network/VIRTUALNETWORKS", "2025-05-01", "2025-05-01"},
		{"Microsoft.Network/virtualNetworks", "2025-07-01", "2025-05-01"},
		{"Microsoft.Network/dnsResolvers", "2023-07-01-preview", "2025-05-01"},
		{"Microsoft.Network/privateDnsZones/A", "2018-09-01", "2020-06-01"},
		{"Microsoft.ContainerService/managedClusters/agentPools", "2025-03-01", "2025-07-01"},
	} {
		if got, ok := For(c.typ, c.in); !ok || got != c.want {
			t.Errorf("For(%s, %s) = %q, %v; want %s", c.typ, c.in, got, ok, c.want)
		}
	}
	if _, ok := For("Microsoft.Authorization/roleAssignments", "2022-04-01"); ok {
		t.Error("a schema for role assignments, which has none here")
	}
}

func TestEveryFileLoads(t *testing.T) {
	if n := len(schemas()); n < 25 {
		t.Fatalf("%d types with a schema", n)
	}
}
