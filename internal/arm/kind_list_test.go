package arm

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestListPicksItsKind: a list answers the resources of its kind under its
// scope, in key order, and none of another type, another provider's type
// of the same name, a child type or another scope, whether it reads the
// in-memory copy or the store.
func TestListPicksItsKind(t *testing.T) {
	for _, cached := range []bool{false, true} {
		ctx, s, deps := frontDoor(t)
		rec := deps.Records
		if cached {
			rec.CacheReads(ctx, deps.Log)
		}
		for _, k := range []*Kind{
			{Namespace: "Microsoft.Test", Type: "things", APIVersions: []string{"2024-01-01"}},
			{Namespace: "Microsoft.Test", Type: "things/parts", APIVersions: []string{"2024-01-01"}},
		} {
			k.Serve(s, deps)
		}
		ids := []string{
			"/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/things/b",
			"/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/things/a",
			"/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/things/a/parts/p1",
			"/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/others/o",
			"/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Other/things/x",
			"/subscriptions/sub/resourceGroups/rg2/providers/Microsoft.Test/things/c",
			"/subscriptions/sub2/resourceGroups/rg/providers/Microsoft.Test/things/d",
		}
		for _, id := range ids {
			body, _ := json.Marshal(map[string]any{"id": id, "name": id[strings.LastIndex(id, "/")+1:]})
			if _, err := rec.Put(ctx, id, Record{Body: body}, 0); err != nil {
				t.Fatal(err)
			}
		}
		list := func(path string) []string {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, path+"?api-version=2024-01-01", nil)
			req.Header.Set("Authorization", "Bearer x")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			var page struct{ Value []struct{ ID string } }
			if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != http.StatusOK {
				t.Fatalf("cached %v: GET %s: %d %s", cached, path, w.Code, w.Body)
			}
			var got []string
			for _, v := range page.Value {
				got = append(got, v.ID[strings.Index(v.ID, "/resourceGroups/")+len("/resourceGroups/"):])
			}
			return got
		}
		for path, want := range map[string][]string{
			"/subscriptions/sub/providers/Microsoft.Test/things":                           {"rg/providers/Microsoft.Test/things/a", "rg/providers/Microsoft.Test/things/b", "rg2/providers/Microsoft.Test/things/c"},
			"/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/things":         {"rg/providers/Microsoft.Test/things/a", "rg/providers/Microsoft.Test/things/b"},
			"/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/things/a/parts": {"rg/providers/Microsoft.Test/things/a/parts/p1"},
			"/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Test/things/b/parts": nil,
			"/subscriptions/sub/resourceGroups/rg-none/providers/Microsoft.Test/things":    nil,
		} {
			if got := list(path); !slices.Equal(got, want) {
				t.Errorf("cached %v: %s lists %v, want %v", cached, path, got, want)
			}
		}
	}
}
