package dnsresolver

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// BenchmarkIndexAfterWrite: the forwarding index is rebuilt at the first
// query after any write. A real store with its in-memory copy holds 4,000
// records of other kinds; each iteration writes one and asks for the index.
func BenchmarkIndexAfterWrite(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, b.TempDir(), log)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rec := arm.NewRecords(st)
	rec.CacheReads(ctx, log)
	p := &Provider{rec: rec, log: log}
	const sub = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
	filler, _ := json.Marshal(map[string]any{"properties": map[string]any{"note": strings.Repeat("x", 1500)}})
	put := func(i int) {
		id := fmt.Sprintf("%s/providers/Microsoft.Network/networkSecurityGroups/n%d", sub, i)
		if _, err := rec.Put(ctx, id, arm.Record{Body: filler}, -1); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 4000 {
		put(i)
	}
	b.ResetTimer()
	for i := range b.N {
		put(i % 4000)
		if idx := p.current(); idx.gen != rec.Generation() {
			b.Fatal("the index did not follow the write")
		}
	}
}
