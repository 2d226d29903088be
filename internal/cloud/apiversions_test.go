package cloud

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
)

// apiVersionsDoc is the document listing every served type's api-versions.
const apiVersionsDoc = "../../docs/api-versions.md"

// docs/api-versions.md is what the server's provider list says; run with
// AKSBOX_UPDATE_DOCS=1 to rewrite it after changing a type's versions.
func TestAPIVersionsDocIsCurrent(t *testing.T) {
	list := providerList(t)
	sort.Slice(list, func(i, j int) bool { return list[i].Namespace < list[j].Namespace })
	var b strings.Builder
	b.WriteString("# Supported api-versions\n\nGenerated from the server's provider list (`GET /subscriptions/{id}/providers`);\n" +
		"a test keeps it current. A request with another api-version gets `InvalidApiVersionParameter`,\nwhich lists these.\n")
	for _, ns := range list {
		if len(ns.ResourceTypes) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n| Resource type | api-versions |\n|---|---|\n", ns.Namespace)
		for _, rt := range ns.ResourceTypes {
			fmt.Fprintf(&b, "| %s | %s |\n", rt.ResourceType, strings.Join(rt.APIVersions, ", "))
		}
	}
	want := b.String()
	if os.Getenv("AKSBOX_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(apiVersionsDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(apiVersionsDoc)
	if string(got) != want {
		t.Fatalf("%s is not current: run AKSBOX_UPDATE_DOCS=1 go test ./internal/cloud -run TestAPIVersionsDocIsCurrent", apiVersionsDoc)
	}
}

// servedNamespace is a namespace of the server's provider list.
type servedNamespace struct {
	Namespace     string `json:"namespace"`
	ResourceTypes []struct {
		ResourceType string   `json:"resourceType"`
		APIVersions  []string `json:"apiVersions"`
	} `json:"resourceTypes"`
}

// providerList is what a new instance lists of its providers.
func providerList(t *testing.T) []servedNamespace {
	endpoint, sub, token, client := benchInstance(t)
	req, _ := http.NewRequest(http.MethodGet, endpoint+"/subscriptions/"+sub+"/providers?api-version=2021-04-01", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var list struct {
		Value []servedNamespace `json:"value"`
	}
	if err := json.Unmarshal(data, &list); err != nil || len(list.Value) == 0 {
		t.Fatalf("provider list: %v %s", err, data)
	}
	return list.Value
}
