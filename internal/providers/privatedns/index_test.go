package privatedns

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/miekg/dns"
)

const (
	testSub  = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
	testVNet = testSub + "/providers/Microsoft.Network/virtualNetworks/v"
)

// indexProvider is a provider over a real store; with cached, reads come
// from the records' in-memory copy, as in the server.
func indexProvider(t testing.TB, cached bool) (*Provider, *arm.Records) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(context.Background(), t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rec := arm.NewRecords(st)
	if cached {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		rec.CacheReads(ctx, log)
	}
	return New(rec, log), rec
}

func put(t testing.TB, rec *arm.Records, id string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	if _, err := rec.Put(context.Background(), id, arm.Record{Body: b}, -1); err != nil {
		t.Fatal(err)
	}
}

// zone puts a private zone named name, linked to testVNet (with
// auto-registration when reg), holding "db" → ip.
func zone(t testing.TB, rec *arm.Records, name, ip string, reg bool) {
	t.Helper()
	zid := testSub + "/providers/Microsoft.Network/privateDnsZones/" + name
	put(t, rec, zid, map[string]any{"id": zid, "name": name})
	put(t, rec, zid+"/virtualNetworkLinks/l", map[string]any{"id": zid + "/virtualNetworkLinks/l",
		"properties": map[string]any{"virtualNetwork": map[string]any{"id": testVNet}, "registrationEnabled": reg}})
	setA(t, rec, name, ip)
}

func setA(t testing.TB, rec *arm.Records, zone, ip string) {
	t.Helper()
	id := testSub + "/providers/Microsoft.Network/privateDnsZones/" + zone + "/A/db"
	put(t, rec, id, map[string]any{"id": id, "name": "db", "properties": map[string]any{"fqdn": "db." + zone + ".", "ttl": 10,
		"aRecords": []any{map[string]any{"ipv4Address": ip}}}})
}

func answer(p *Provider, name string) string {
	rr, _, rc := p.Resolve(testVNet, dns.Question{Name: name, Qtype: dns.TypeA, Qclass: dns.ClassINET})
	if rc != dns.RcodeSuccess || len(rr) == 0 {
		return dns.RcodeToString[rc]
	}
	return rr[len(rr)-1].(*dns.A).A.String()
}

// The index is rebuilt from what changed: a changed record set, a deleted
// one, a new zone and a VM registered in a zone with auto-registration all
// show in the next answer, while unchanged records keep theirs.
func TestIndexFollowsWrites(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprintf("cached=%v", cached), func(t *testing.T) { indexFollowsWrites(t, cached) })
	}
}

func indexFollowsWrites(t *testing.T, cached bool) {
	p, rec := indexProvider(t, cached)
	ctx := context.Background()
	zone(t, rec, "a.internal", "10.0.0.4", false)
	zone(t, rec, "b.internal", "10.0.0.5", true)
	if got := answer(p, "db.a.internal."); got != "10.0.0.4" {
		t.Fatalf("db.a.internal: %s", got)
	}
	setA(t, rec, "a.internal", "10.0.0.40")
	if got := answer(p, "db.a.internal."); got != "10.0.0.40" {
		t.Fatalf("db.a.internal after its change: %s, want 10.0.0.40", got)
	}
	if got := answer(p, "db.b.internal."); got != "10.0.0.5" {
		t.Fatalf("db.b.internal (unchanged): %s", got)
	}
	if err := rec.Delete(ctx, testSub+"/providers/Microsoft.Network/privateDnsZones/b.internal/A/db", -1); err != nil {
		t.Fatal(err)
	}
	if got := answer(p, "db.b.internal."); got != "NXDOMAIN" {
		t.Fatalf("db.b.internal after its deletion: %s, want NXDOMAIN", got)
	}
	nic := testSub + "/providers/Microsoft.Network/networkInterfaces/vm1-nic"
	put(t, rec, nic, map[string]any{"id": nic, "properties": map[string]any{"ipConfigurations": []any{map[string]any{
		"properties": map[string]any{"privateIPAddress": "10.0.0.7", "subnet": map[string]any{"id": testVNet + "/subnets/s"}}}}}})
	vm := testSub + "/providers/Microsoft.Compute/virtualMachines/vm1"
	put(t, rec, vm, map[string]any{"id": vm, "name": "vm1", "properties": map[string]any{"networkProfile": map[string]any{
		"networkInterfaces": []any{map[string]any{"id": nic}}}}})
	if got := answer(p, "vm1.b.internal."); got != "10.0.0.7" {
		t.Fatalf("auto-registered vm1.b.internal: %s", got)
	}
	zone(t, rec, "c.internal", "10.0.0.6", false)
	if got := answer(p, "db.c.internal."); got != "10.0.0.6" {
		t.Fatalf("a new zone: %s", got)
	}
}

// BenchmarkIndexAfterWrite: the first DNS answer after a write, with 200
// zones and 4,000 other records in the instance (the index is rebuilt).
func BenchmarkIndexAfterWrite(b *testing.B) {
	p, rec := indexProvider(b, true)
	for i := range 200 {
		zone(b, rec, fmt.Sprintf("z%d.internal", i), "10.0.0.4", false)
	}
	filler := map[string]any{"properties": map[string]any{"note": strings.Repeat("x", 1500)}}
	for i := range 4000 {
		put(b, rec, fmt.Sprintf("%s/providers/Microsoft.Network/networkSecurityGroups/n%d", testSub, i), filler)
	}
	answer(p, "db.z0.internal.")
	b.ResetTimer()
	for i := range b.N {
		setA(b, rec, "z1.internal", fmt.Sprintf("10.0.1.%d", i%250+1))
		if got := answer(p, "db.z0.internal."); got != "10.0.0.4" {
			b.Fatal(got)
		}
	}
}
