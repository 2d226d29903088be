package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
)

// TestDiskFull fills the store's file system (a small tmpfs of its own):
// writes are refused with ErrNoSpace before etcd could fail a write of its
// log, reads go on, etcd stays up, and writes resume once space is freed,
// with everything written before intact — after a restart too.
func TestDiskFull(t *testing.T) {
	testenv.Root(t)
	dir := t.TempDir()
	if err := syscall.Mount("aksbox-test", dir, "tmpfs", 0, "size=192m"); err != nil {
		t.Fatalf("mounting a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	t.Setenv("AKSBOX_STORE_MIN_FREE", strconv.Itoa(32<<20))
	s := open(t, filepath.Join(dir, "store"))
	ctx := context.Background()
	if _, err := s.Put(ctx, "/before", []byte("kept"), 0); err != nil {
		t.Fatal(err)
	}

	// Leave 16 MiB free.
	free, err := freeBytes(dir)
	if err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, int64(free-16<<20)); err != nil {
		t.Fatalf("fallocate: %v", err)
	}
	f.Close()
	var perr error
	refused := ""
	for i := 0; i < 50; i++ {
		// Writes go on until the guard's next look (within a second).
		refused = "/during-" + strconv.Itoa(i)
		if _, perr = s.Put(ctx, refused, []byte("x"), -1); errors.Is(perr, ErrNoSpace) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !errors.Is(perr, ErrNoSpace) {
		t.Fatalf("a write on a full disk: %v, want ErrNoSpace", perr)
	}
	t.Logf("refused: %v", perr)
	if o, err := s.Get(ctx, "/before"); err != nil || string(o.Value) != "kept" {
		t.Fatalf("a read on a full disk: %v %v", o, err)
	}

	os.Remove(filler)
	var werr error
	for i := 0; i < 50; i++ {
		if _, werr = s.Put(ctx, "/after", []byte("y"), -1); werr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if werr != nil {
		t.Fatalf("writes did not resume with space free: %v", werr)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, filepath.Join(dir, "store"))
	for key, want := range map[string]string{"/before": "kept", "/after": "y"} {
		if o, err := s.Get(ctx, key); err != nil || string(o.Value) != want {
			t.Errorf("after a restart, %s = %v, %v", key, o, err)
		}
	}
	if _, err := s.Get(ctx, refused); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused write is there: %v", err)
	}
}
