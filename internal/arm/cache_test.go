package arm

import (
	"errors"
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
			s, ok, err := rs.cached(ResourceKey(id))
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
