package resources

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// TestRequireGroup: a request into a group passes while the group exists
// in any state but Deleting, whose error names the group as stored.
func TestRequireGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := arm.NewRecords(st)
	rec.CacheReads(ctx, log)
	p := New(rec, arm.NewOperations(ctx, st, log), arm.NewCatalog(),
		Directory{TenantID: "t", Subscriptions: []Subscription{{ID: "s"}}}, Options{}, log)
	id := groupID("s", "MyGroup").String()
	code := func(err error) string {
		if err == nil {
			return ""
		}
		return arm.AsError(err).Code
	}
	if err := p.RequireGroup(ctx, "s", "mygroup"); code(err) != "ResourceGroupNotFound" {
		t.Fatalf("no group: %v, want ResourceGroupNotFound", err)
	}
	for _, state := range []string{"Succeeded", "Failed", "Deleting"} {
		body, _ := json.Marshal(Group{ID: id, Name: "MyGroup", Location: "westus2",
			Tags: map[string]string{"provisioningState": "Deleting"}, Properties: GroupProperties{ProvisioningState: state}})
		if _, err := rec.Put(ctx, id, arm.Record{Body: body}, -1); err != nil {
			t.Fatal(err)
		}
		err := p.RequireGroup(ctx, "s", "mygroup")
		switch {
		case state != "Deleting" && err != nil:
			t.Fatalf("group %s: %v, want none", state, err)
		case state == "Deleting" && (code(err) != "ResourceGroupBeingDeleted" || !strings.Contains(err.Error(), "'MyGroup'")):
			t.Fatalf("group Deleting: %v, want ResourceGroupBeingDeleted naming 'MyGroup'", err)
		}
	}
}
