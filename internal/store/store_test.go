package store

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func TestPutGetConditions(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()

	rev, err := s.Put(ctx, "/k", []byte("a"), 0)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := s.Put(ctx, "/k", []byte("b"), 0); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: got %v, want ErrExists", err)
	}
	rev2, err := s.Put(ctx, "/k", []byte("b"), rev)
	if err != nil || rev2 <= rev {
		t.Fatalf("update at %d: rev %d err %v", rev, rev2, err)
	}
	if _, err := s.Put(ctx, "/k", []byte("c"), rev); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: got %v, want ErrConflict", err)
	}
	if _, err := s.Put(ctx, "/missing", []byte("c"), 5); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of missing: got %v, want ErrNotFound", err)
	}
	o, err := s.Get(ctx, "/k")
	if err != nil || string(o.Value) != "b" || o.Revision != rev2 {
		t.Fatalf("get: %+v %v", o, err)
	}
	if err := s.Delete(ctx, "/k", rev); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale delete: got %v", err)
	}
	if err := s.Delete(ctx, "/k", rev2); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := s.Delete(ctx, "/k", -1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete again: got %v", err)
	}
}

// Two writers that read the same revision cannot both win.
func TestConcurrentWritersOneWins(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	rev, err := s.Put(ctx, "/r", []byte("0"), 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Put(ctx, "/r", []byte("x"), rev)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrConflict):
				conflicts++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != 7 {
		t.Fatalf("wins=%d conflicts=%d, want 1 and 7", wins, conflicts)
	}
}

func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := context.Background()
	for _, k := range []string{"/a/1", "/a/2", "/b/1"} {
		if _, err := s.Put(ctx, k, []byte(k), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	defer s.Close()
	objs, err := s.List(ctx, "/a/")
	if err != nil || len(objs) != 2 || string(objs[1].Value) != "/a/2" {
		t.Fatalf("after restart: %+v %v", objs, err)
	}
	n, err := s.DeletePrefix(ctx, "/a/")
	if err != nil || n != 2 {
		t.Fatalf("delete prefix: %d %v", n, err)
	}
}

func TestWatch(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch := s.Watch(ctx, "/w/", 0)
	time.Sleep(100 * time.Millisecond)
	if _, err := s.Put(ctx, "/w/x", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "/w/x", -1); err != nil {
		t.Fatal(err)
	}
	var got []Event
	for len(got) < 2 {
		select {
		case e := <-ch:
			got = append(got, e)
		case <-ctx.Done():
			t.Fatalf("watch: got %d events", len(got))
		}
	}
	if got[0].Deleted || string(got[0].Value) != "1" || !got[1].Deleted {
		t.Fatalf("events: %+v", got)
	}
}
