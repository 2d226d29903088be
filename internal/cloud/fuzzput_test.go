package cloud

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
)

// fuzzTypes are the resource types whose PUT bodies FuzzResourcePut sends,
// each as its path under the group "fz" (which holds the VNet "v" with the
// subnet "s", and the zone "z.internal") and an api-version.
var fuzzTypes = []struct{ path, api string }{
	{"Microsoft.Network/virtualNetworks/f1", "2024-07-01"},
	{"Microsoft.Network/virtualNetworks/v/subnets/f1", "2024-07-01"},
	{"Microsoft.Network/virtualNetworks/v/virtualNetworkPeerings/f1", "2024-07-01"},
	{"Microsoft.Network/networkInterfaces/f1", "2024-07-01"},
	{"Microsoft.Network/publicIPAddresses/f1", "2024-07-01"},
	{"Microsoft.Network/privateEndpoints/f1", "2024-07-01"},
	{"Microsoft.Network/privateLinkServices/f1", "2024-07-01"},
	{"Microsoft.Network/privateDnsZones/f1.internal", "2024-06-01"},
	{"Microsoft.Network/privateDnsZones/z.internal/A/f1", "2024-06-01"},
	{"Microsoft.Network/privateDnsZones/z.internal/virtualNetworkLinks/f1", "2024-06-01"},
	{"Microsoft.Network/dnsResolvers/f1", "2022-07-01"},
	{"Microsoft.Network/dnsForwardingRulesets/f1", "2022-07-01"},
	{"Microsoft.Compute/virtualMachines/f1", "2024-11-01"},
	{"Microsoft.ContainerService/managedClusters/f1", "2025-10-01"},
	{"Microsoft.ManagedIdentity/userAssignedIdentities/f1", "2024-11-30"},
	{"Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-0000000000f1", "2022-04-01"},
}

// FuzzResourcePut sends arbitrary PUT bodies for every resource type of the
// cloud to a real instance: it must never answer 5xx, every refusal must be
// ARM's envelope with a code and a message, and what it accepts is deleted
// again (so namespaces do not pile up) and must go away.
func FuzzResourcePut(f *testing.F) {
	sub := "{sub}"
	seeds := []string{
		`{"location":"westus2","properties":{"addressSpace":{"addressPrefixes":["10.9.0.0/16"]}}}`,
		`{"properties":{"addressPrefix":"10.1.9.0/24"}}`,
		`{"properties":{"remoteVirtualNetwork":{"id":"/subscriptions/` + sub + `/resourceGroups/fz/providers/Microsoft.Network/virtualNetworks/v"}}}`,
		`{"location":"westus2","properties":{"ipConfigurations":[{"name":"c","properties":{"subnet":{"id":"/subscriptions/` + sub + `/resourceGroups/fz/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}}}]}}`,
		`{"location":"westus2","sku":{"name":"Standard"},"properties":{"publicIPAllocationMethod":"Static"}}`,
		`{"location":"westus2","properties":{"subnet":{"id":"x"},"privateLinkServiceConnections":[{"name":"c","properties":{"privateLinkServiceId":"y"}}]}}`,
		`{"location":"westus2","properties":{"destinationIPAddress":"10.1.0.9","ipConfigurations":[7]}}`,
		`{"location":"global"}`,
		`{"properties":{"ttl":300,"aRecords":[{"ipv4Address":"10.1.0.7"}]}}`,
		`{"location":"global","properties":{"registrationEnabled":"yes","virtualNetwork":{"id":"v"}}}`,
		`{"location":"westus2","properties":{"virtualNetwork":{"id":"/subscriptions/` + sub + `/resourceGroups/fz/providers/Microsoft.Network/virtualNetworks/nope"}}}`,
		`{"location":"westus2","properties":{"dnsResolverOutboundEndpoints":[]}}`,
		`{"location":"westus2","properties":{"hardwareProfile":{"vmSize":7},"osProfile":{"adminUsername":"root"}}}`,
		`{"location":"westus2","properties":{"dnsPrefix":"f","agentPoolProfiles":[{"name":"Bad_Name","count":-1}],"networkProfile":{"loadBalancerSku":"basic"},"apiServerAccessProfile":{"enablePrivateCluster":true}}}`,
		`{"location":"West US 2","tags":{"a":"b"}}`,
		`{"properties":{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7","principalId":""}}`,
	}
	for i, body := range seeds {
		f.Add(uint8(i), body)
	}
	f.Add(uint8(0), `{"location":"westus2","properties":{"addressSpace":{"addressPrefixes":["10.1.0.0/16"]}}}`) // overlaps v
	f.Add(uint8(13), `[]`)
	f.Add(uint8(4), `{"location":"westus2","sku":{"name":"Standard","tier":"Nope"}}`)
	testenv.Root(f)
	ep, subID, tok, client := benchInstance(f)
	base := ep + "/subscriptions/" + subID + "/resourceGroups/fz/providers/"
	do := func(t testing.TB, method, url, body string) (int, []byte) {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, data
	}
	for _, setup := range [][3]string{
		{"POST", ep + "/subscriptions/" + subID + "/providers/Microsoft.Network/register?api-version=2021-04-01", ``},
		{"POST", ep + "/subscriptions/" + subID + "/providers/Microsoft.ContainerService/register?api-version=2021-04-01", ``},
		{"PUT", ep + "/subscriptions/" + subID + "/resourcegroups/fz?api-version=2021-04-01", `{"location":"westus2"}`},
		{"PUT", base + "Microsoft.Network/virtualNetworks/v?api-version=2024-07-01",
			`{"location":"westus2","properties":{"addressSpace":{"addressPrefixes":["10.1.0.0/16"]},"subnets":[{"name":"s","properties":{"addressPrefix":"10.1.0.0/24"}}]}}`},
		{"PUT", base + "Microsoft.Network/privateDnsZones/z.internal?api-version=2024-06-01", `{"location":"global"}`},
	} {
		if code, data := do(f, setup[0], setup[1], setup[2]); code >= 300 {
			f.Fatalf("setting up %s: %d %s", setup[1], code, data)
		}
	}
	waitGone := func(t *testing.T, url string) {
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			if code, _ := do(t, "GET", url, ""); code == http.StatusNotFound {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s was still there 2 minutes after its delete", url)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		typ := fuzzTypes[int(which)%len(fuzzTypes)]
		url := base + typ.path + "?api-version=" + typ.api
		body = strings.ReplaceAll(body, "{sub}", subID)
		code, data := do(t, "PUT", url, body)
		if code >= 500 {
			t.Fatalf("PUT %s %q: %d %s", typ.path, body, code, data)
		}
		if code >= 400 {
			var env struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal(data, &env) != nil || env.Error.Code == "" || env.Error.Message == "" {
				t.Fatalf("PUT %s %q: %d without ARM's envelope: %s", typ.path, body, code, data)
			}
			return
		}
		// Accepted: wait for it to settle, then delete it and see it go.
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			c, d := do(t, "GET", url, "")
			if c != http.StatusOK || !strings.Contains(string(d), `"provisioningState":"Creating"`) && !strings.Contains(string(d), `"provisioningState":"Updating"`) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if c, d := do(t, "DELETE", url, ""); c >= 500 || (c >= 300 && c != http.StatusNotFound) {
			t.Fatalf("DELETE %s after %q: %d %s", typ.path, body, c, d)
		}
		waitGone(t, url)
	})
}
