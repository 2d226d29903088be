package instance

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestLockIsExclusive(t *testing.T) {
	d := Dir(t.TempDir() + "/state") // Lock creates the dir
	unlock, err := d.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if held, err := d.Locked(); err != nil || !held {
		t.Fatalf("Locked while held = %v, %v", held, err)
	}
	// A second holder (another open file, as another process has) fails.
	if _, err := d.Lock(); !errors.Is(err, ErrRunning) || !strings.Contains(err.Error(), string(d)) {
		t.Fatalf("second Lock: %v, want ErrRunning naming %s", err, d)
	}
	unlock()
	unlock() // idempotent
	if held, err := d.Locked(); err != nil || held {
		t.Fatalf("Locked after unlock = %v, %v", held, err)
	}
	unlock, err = d.Lock()
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock()
}

func TestReadServer(t *testing.T) {
	live := Server{Endpoint: "https://127.0.0.1:1", PID: os.Getpid(), Started: time.Now().UTC()}
	for _, tc := range []struct {
		name    string
		write   bool // a server file exists
		lock    bool // a server holds the lock
		running bool
	}{
		{name: "no server file", running: false},
		{name: "stale file with a live pid and no lock holder", write: true, running: false},
		{name: "lock held, file not yet written", lock: true, running: false},
		{name: "lock held and file written", write: true, lock: true, running: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Dir(t.TempDir())
			if tc.write {
				if err := d.WriteServer(live); err != nil {
					t.Fatal(err)
				}
			}
			if tc.lock {
				unlock, err := d.Lock()
				if err != nil {
					t.Fatal(err)
				}
				defer unlock()
			}
			srv, err := d.ReadServer()
			if tc.running {
				if err != nil || srv.PID != live.PID || srv.Endpoint != live.Endpoint {
					t.Fatalf("ReadServer = %+v, %v", srv, err)
				}
				return
			}
			if !errors.Is(err, ErrNotRunning) {
				t.Fatalf("ReadServer error = %v, want ErrNotRunning", err)
			}
		})
	}
}
