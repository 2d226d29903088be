package arm

import (
	"fmt"
	"slices"
	"testing"
)

// TestOfTypes: records of the asked types, of every subscription, and no
// others (not a child type sharing the first segment, not another
// namespace's type of the same name); with and without the in-memory copy,
// and seeing a write made just before.
func TestOfTypes(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprintf("cached=%v", cached), func(t *testing.T) {
			ctx, st, log := openStore(t)
			rs := NewRecords(st)
			if cached {
				rs.CacheReads(ctx, log)
			}
			const rg = "/subscriptions/s1/resourceGroups/g"
			ids := []string{
				rg,
				rg + "/providers/Microsoft.Network/virtualNetworks/v",
				rg + "/providers/Microsoft.Network/virtualNetworks/v/subnets/a",
				rg + "/providers/Microsoft.Network/networkInterfaces/n1",
				"/subscriptions/s2/resourceGroups/h/providers/Microsoft.Network/networkInterfaces/N2",
				rg + "/providers/Microsoft.Compute/networkInterfaces/fake",
				rg + "/providers/Microsoft.Compute/virtualMachines/vm",
			}
			for _, id := range ids {
				if _, err := rs.Put(ctx, id, Record{Body: []byte(`{"id":"` + id + `"}`)}, 0); err != nil {
					t.Fatal(err)
				}
			}
			got := func(types ...string) []string {
				t.Helper()
				all, err := rs.OfTypes(ctx, types...)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, s := range all {
					out = append(out, IDOf(s.Body))
				}
				return out
			}
			if g := got("Microsoft.Network/virtualNetworks"); !slices.Equal(g, ids[1:2]) {
				t.Errorf("virtual networks = %v, want %v", g, ids[1:2])
			}
			want := []string{ids[3], ids[2], ids[4]} // key order
			if g := got("microsoft.network/virtualnetworks/subnets", "Microsoft.Network/networkInterfaces"); !slices.Equal(g, want) {
				t.Errorf("subnets and NICs = %v, want %v", g, want)
			}
			extra := rg + "/providers/Microsoft.Network/networkInterfaces/n3"
			if _, err := rs.Put(ctx, extra, Record{Body: []byte(`{"id":"` + extra + `"}`)}, 0); err != nil {
				t.Fatal(err)
			}
			if g := got("Microsoft.Network/networkInterfaces"); !slices.Contains(g, extra) || len(g) != 3 {
				t.Errorf("NICs right after a write = %v, want n1, n3 and N2", g)
			}
		})
	}
}
