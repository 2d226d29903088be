package resources

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// A cascade that fails leaves the group Failed, not stuck Deleting, and a
// later purge that succeeds removes the group and everything under it.
func TestPurgeFailureLeavesGroupFailed(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := arm.NewRecords(st)
	p := New(rec, arm.NewOperations(ctx, st, slog.New(slog.DiscardHandler)), arm.NewCatalog(),
		Directory{TenantID: "t", Subscriptions: []Subscription{{ID: "s"}}}, Options{}, slog.New(slog.DiscardHandler))
	id := groupID("s", "g")
	body, _ := json.Marshal(Group{ID: id.String(), Name: "g", Location: "westus2", Properties: GroupProperties{ProvisioningState: "Deleting"}})
	if _, err := rec.Put(ctx, id.String(), arm.Record{Body: body}, 0); err != nil {
		t.Fatal(err)
	}
	child := id.String() + "/providers/Microsoft.Network/virtualNetworks/v"
	if _, err := rec.Put(ctx, child, arm.Record{Body: []byte(`{}`)}, 0); err != nil {
		t.Fatal(err)
	}
	fail := true
	p.AddCascade(func(ctx context.Context, g arm.ResourceID) error {
		if fail {
			return errors.New("namespace busy")
		}
		return nil
	})
	if err := p.purge(ctx, id); err == nil {
		t.Fatal("purge succeeded despite the failing cascade")
	}
	cur, err := rec.Get(ctx, id.String())
	if err != nil {
		t.Fatal(err)
	}
	var g Group
	_ = json.Unmarshal(cur.Body, &g)
	if g.Properties.ProvisioningState != "Failed" || cur.Operation != "" {
		t.Fatalf("after a failed purge: state %s, operation %q", g.Properties.ProvisioningState, cur.Operation)
	}
	if _, err := rec.Get(ctx, child); err != nil {
		t.Fatalf("the group's resource went although the cascade failed: %v", err)
	}
	fail = false
	if err := p.purge(ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{id.String(), child} {
		if _, err := rec.Get(ctx, k); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s left after purge: %v", k, err)
		}
	}
}
