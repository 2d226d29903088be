package arm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/store"
)

// TestReadCache: reads come from the in-memory copy once it has applied
// the Records' writes, and see every write made before them.
func TestReadCache(t *testing.T) {
	ctx, st, log := openStore(t)
	rs := NewRecords(st)
	if NewRecords(st) != rs {
		t.Fatal("two Records for one store: their writes would not be seen by each other's cache")
	}
	const g = "/subscriptions/s/resourceGroups/g"
	if _, err := rs.Put(ctx, g, Record{Body: []byte(`{"v":1}`)}, 0); err != nil {
		t.Fatal(err)
	}
	rs.CacheReads(ctx, log)
	fromCache := func(id, want string) {
		t.Helper()
		for i := 0; i < 200; i++ {
			s, ok, err := rs.cached(ResourceKey(id), false)
			if ok {
				if want == "" {
					if !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("cached %s = %v, %v; want not found", id, s, err)
					}
					return
				}
				if err != nil || string(s.Body) != want {
					t.Fatalf("cached %s = %v, %v; want %s", id, s, err, want)
				}
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("the cache did not catch up with %s", id)
	}
	fromCache(g, `{"v":1}`)
	for v := 2; v < 50; v++ {
		body := []byte(`{"v":` + string(rune('0'+v%10)) + `}`)
		if _, err := rs.Put(ctx, g, Record{Body: body}, -1); err != nil {
			t.Fatal(err)
		}
		// A read right after the write's answer sees it, from the cache or not.
		if s, err := rs.Get(ctx, g); err != nil || string(s.Body) != string(body) {
			t.Fatalf("Get after Put %d = %v, %v", v, s, err)
		}
		if s, err := rs.Peek(ctx, g); err != nil || string(s.Body) != string(body) {
			t.Fatalf("Peek after Put %d = %v, %v", v, s, err)
		}
	}
	if _, err := rs.Put(ctx, g+"/providers/X/y/z", Record{Body: []byte(`{"c":1}`)}, 0); err != nil {
		t.Fatal(err)
	}
	fromCache(g+"/providers/X/y/z", `{"c":1}`)
	if err := rs.DeleteUnder(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Get(ctx, g+"/providers/X/y/z"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after DeleteUnder = %v", err)
	}
	fromCache(g+"/providers/X/y/z", "")
	if err := rs.Delete(ctx, g, -1); err != nil {
		t.Fatal(err)
	}
	fromCache(g, "")
}

// TestPeekSharesGetCopies: from the in-memory copy, Peek (and a scanned
// record's Peek) hands every reader the copy's own record, and Get (and
// Load) a copy of it that its reader may change without changing what
// others read.
func TestPeekSharesGetCopies(t *testing.T) {
	ctx, st, log := openStore(t)
	rs := NewRecords(st)
	const g = "/subscriptions/s/resourceGroups/g"
	if _, err := rs.Put(ctx, g, Record{Body: []byte(`{"v":1}`), Sent: []byte(`{"s":1}`)}, 0); err != nil {
		t.Fatal(err)
	}
	rs.CacheReads(ctx, log)
	var a *Stored
	for i := 0; i < 200 && a == nil; i++ {
		if s, ok, err := rs.cached(ResourceKey(g), true); ok && err == nil {
			a = s
		}
		time.Sleep(10 * time.Millisecond)
	}
	if a == nil {
		t.Fatal("the cache never served reads")
	}
	if b, err := rs.Peek(ctx, g); err != nil || b != a {
		t.Fatalf("Peek = %p, %v; want the cache's own record %p", b, err, a)
	}
	c, err := rs.Get(ctx, g)
	if err != nil || c == a {
		t.Fatalf("Get = %p, %v; want a copy, not the cache's own record", c, err)
	}
	c.Body[1], c.Sent[1] = 'X', 'X'
	if b, _ := rs.Peek(ctx, g); string(b.Body) != `{"v":1}` || string(b.Sent) != `{"s":1}` {
		t.Fatalf("a change to Get's copy reached the cache: %s %s", b.Body, b.Sent)
	}
	all, err := rs.Scan(ctx, "/subscriptions/s")
	if err != nil || len(all) != 1 {
		t.Fatalf("Scan = %v, %v; want the group", all, err)
	}
	if b, err := all[0].Peek(); err != nil || b != a {
		t.Fatalf("Scanned.Peek = %p, %v; want the cache's own record %p", b, err, a)
	}
	if c, err := all[0].Load(); err != nil || c == a || string(c.Body) != `{"v":1}` {
		t.Fatalf("Scanned.Load = %p, %v; want a copy of the record", c, err)
	}
}

// TestReadCacheAcrossRestartAndReconnect: a read right after a write's
// answer sees the write when the server restarted on the same store, and
// while the cache's watch is being set up again.
func TestReadCacheAcrossRestartAndReconnect(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	open := func() (context.Context, *Records, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		st, err := store.Open(ctx, dir, log)
		if err != nil {
			t.Fatal(err)
		}
		rs := NewRecords(st)
		rs.CacheReads(ctx, log)
		return ctx, rs, func() { cancel(); st.Close() }
	}
	const g = "/subscriptions/s/resourceGroups/g"
	n := 0
	writeRead := func(ctx context.Context, rs *Records) {
		t.Helper()
		n++
		body := fmt.Sprintf(`{"v":%d}`, n)
		if _, err := rs.Put(ctx, g, Record{Body: []byte(body)}, -1); err != nil {
			t.Fatal(err)
		}
		if s, err := rs.Get(ctx, g); err != nil || string(s.Body) != body {
			t.Fatalf("Get after Put %d = %v, %v", n, s, err)
		}
	}
	cachedIs := func(rs *Records) {
		t.Helper()
		want := fmt.Sprintf(`{"v":%d}`, n)
		for i := 0; i < 300; i++ {
			if s, ok, err := rs.cached(ResourceKey(g), false); ok {
				if err != nil || string(s.Body) != want {
					t.Fatalf("cached = %v, %v; want %s", s, err, want)
				}
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("the cache never served reads")
	}

	ctx, rs, stop := open()
	writeRead(ctx, rs)
	cachedIs(rs)
	stop()

	ctx, rs, stop = open() // a restart
	defer stop()
	if s, err := rs.Get(ctx, g); err != nil || string(s.Body) != fmt.Sprintf(`{"v":%d}`, n) {
		t.Fatalf("Get after restart = %v, %v", s, err)
	}
	writeRead(ctx, rs)
	cachedIs(rs)

	rs.cache.dropWatch()
	for i := 0; i < 30; i++ { // during and after the reconnect
		writeRead(ctx, rs)
		time.Sleep(5 * time.Millisecond)
	}
	cachedIs(rs)
}
