package cloud

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzFrontDoor sends arbitrary methods, paths and bodies to a real
// instance (store, identity, providers) under the resource group and
// feature endpoints: it must never answer 5xx, every refusal must be ARM's
// envelope with a code and a message, and it must keep serving.
func FuzzFrontDoor(f *testing.F) {
	for _, s := range [][3]string{
		{"PUT", "resourcegroups/rg?api-version=2021-04-01", `{"location":"westus2","tags":{"a":"b"}}`},
		{"PATCH", "resourcegroups/rg?api-version=2021-04-01", `{"tags":{"x":"y"}}`},
		{"PUT", "resourcegroups/rg?api-version=2021-04-01", `{"location":7}`},
		{"GET", "resourcegroups?api-version=2021-04-01&$skiptoken=1&$top=1", ``},
		{"DELETE", "resourcegroups/RG?api-version=2021-04-01", ``},
		{"POST", "providers/Microsoft.Features/providers/Microsoft.ContainerService/features/AKSPrivateLinkPreview/register?api-version=2021-07-01", ``},
		{"GET", "providers/Microsoft.Features/features?api-version=2021-07-01", ``},
		{"POST", "providers/Microsoft.ContainerService/register?api-version=2021-04-01", `{}`},
		{"HEAD", "resourcegroups/%zz?api-version=2021-04-01", ``},
	} {
		f.Add(s[0], s[1], s[2])
	}
	ep, sub, tok, client := benchInstance(f)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		switch method {
		case "GET", "PUT", "PATCH", "DELETE", "POST", "HEAD":
		default:
			return
		}
		// Stay under groups and features: network resources would make
		// namespaces for every input.
		if !strings.HasPrefix(path, "resourcegroups") && !strings.HasPrefix(path, "providers/Microsoft.Features") {
			return
		}
		if strings.Contains(strings.ToLower(path), "/providers/microsoft.network") || strings.Contains(strings.ToLower(path), "/providers/microsoft.compute") {
			return
		}
		req, err := http.NewRequest(method, ep+"/subscriptions/"+sub+"/"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, resp.StatusCode, data)
		}
		if resp.StatusCode >= 400 && method != "HEAD" {
			var env struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal(data, &env) != nil || env.Error.Code == "" || env.Error.Message == "" {
				t.Fatalf("%s %s: %d without ARM's envelope: %s", method, path, resp.StatusCode, data)
			}
		}
	})
}
