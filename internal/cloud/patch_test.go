package cloud

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
)

// TestPatchChangesTagsOnly: the PATCH of a type whose PATCH takes a
// TagsObject applies the tags and refuses anything else, leaving the
// resource as it was, rather than answering 200 and dropping it.
func TestPatchChangesTagsOnly(t *testing.T) {
	testenv.Root(t)
	do := caller(t)
	do("POST", "/providers/Microsoft.Network/register?api-version=2021-04-01", "")
	do("PUT", "/resourcegroups/p?api-version=2021-04-01", `{"location":"westus2"}`)
	vnet := "/resourceGroups/p/providers/Microsoft.Network/virtualNetworks/v?api-version=2024-07-01"
	if code, m := do("PUT", vnet, `{"location":"westus2","properties":{"addressSpace":{"addressPrefixes":["10.1.0.0/16"]}}}`); code >= 300 {
		t.Fatalf("PUT: %d %v", code, m)
	}
	if code, m := do("PATCH", vnet, `{"tags":{"env":"test"}}`); code != 200 || m["tags"].(map[string]any)["env"] != "test" {
		t.Fatalf("PATCH of tags: %d %v", code, m)
	}
	code, m := do("PATCH", vnet, `{"tags":{"env":"prod"},"properties":{"addressSpace":{"addressPrefixes":["10.2.0.0/16"]}}}`)
	e, _ := m["error"].(map[string]any)
	if code != 400 || e["code"] != "InvalidRequestContent" || !strings.Contains(e["message"].(string), "'properties'") {
		t.Fatalf("PATCH of properties: %d %v", code, m)
	}
	_, m = do("GET", vnet, "")
	props := m["properties"].(map[string]any)
	if m["tags"].(map[string]any)["env"] != "test" || props["addressSpace"].(map[string]any)["addressPrefixes"].([]any)[0] != "10.1.0.0/16" {
		t.Fatalf("the refused PATCH changed the VNet: %v", m)
	}
	do("DELETE", "/resourcegroups/p?api-version=2021-04-01", "")
}

// caller starts an instance and is a function that sends a request with
// a subscription's path and a body to it and returns the status and the
// decoded answer.
func caller(t *testing.T) func(method, path, body string) (int, map[string]any) {
	ep, sub, tok, client := benchInstance(t)
	return func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, ep+"/subscriptions/"+sub+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(data, &m)
		return resp.StatusCode, m
	}
}
