package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// ErrNoSpace is returned for writes while the store's file system is
// nearly full: etcd dies on a failed write of its log, so the store stops
// writing before that happens. Reads and deletes go on.
var ErrNoSpace = errors.New("out of disk space")

// DefaultMinFree is the free space the store keeps on its file system;
// AKSBOX_STORE_MIN_FREE (bytes) changes it.
const DefaultMinFree = 256 << 20

// spaceCheckInterval is how often the guard looks at the file system.
const spaceCheckInterval = time.Second

// space watches the free space of the store's file system and holds etcd's
// NOSPACE alarm while it is below the reserve. The alarm makes etcd refuse
// every write, the Kubernetes control planes' included, until it is
// disarmed.
type space struct {
	s       *Store
	dir     string
	minFree uint64

	mu     sync.Mutex
	raised bool   // the alarm is ours
	free   uint64 // at the last look
	stop   chan struct{}
	done   chan struct{}
}

func minFree() uint64 {
	if v, err := strconv.ParseUint(os.Getenv("AKSBOX_STORE_MIN_FREE"), 10, 64); err == nil {
		return v
	}
	return DefaultMinFree
}

func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

func (s *Store) watchSpace(dir string) {
	g := &space{s: s, dir: dir, minFree: minFree(), stop: make(chan struct{}), done: make(chan struct{})}
	s.space = g
	g.check()
	go func() {
		defer close(g.done)
		t := time.NewTicker(spaceCheckInterval)
		defer t.Stop()
		for {
			select {
			case <-g.stop:
				return
			case <-t.C:
				g.check()
			}
		}
	}()
}

// check raises the alarm below the reserve and disarms it once a quarter
// more than the reserve is free again.
func (g *space) check() {
	free, err := freeBytes(g.dir)
	if err != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.free = free
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv := g.s.etcd.Server
	switch {
	case free < g.minFree && !g.raised:
		_, err := srv.Alarm(ctx, &pb.AlarmRequest{Action: pb.AlarmRequest_ACTIVATE, MemberID: uint64(srv.ID()), Alarm: pb.AlarmType_NOSPACE})
		if err == nil {
			g.raised = true
			g.s.log.Error("the store's file system is nearly full: writes are refused", "dir", g.dir, "free", free, "reserve", g.minFree)
		}
	case free >= g.minFree+g.minFree/4 && (g.raised || g.staleAlarm()):
		_, err := srv.Alarm(ctx, &pb.AlarmRequest{Action: pb.AlarmRequest_DEACTIVATE, MemberID: uint64(srv.ID()), Alarm: pb.AlarmType_NOSPACE})
		if err == nil {
			g.raised = false
			g.s.log.Info("the store's file system has room again: writes resume", "dir", g.dir, "free", free)
		}
	}
}

// staleAlarm tells whether a NOSPACE alarm is left from before a restart
// while the database is well within etcd's own quota (so the alarm was the
// guard's, not etcd's).
func (g *space) staleAlarm() bool {
	for _, a := range g.s.etcd.Server.Alarms() {
		if a.Alarm == pb.AlarmType_NOSPACE {
			return g.s.etcd.Server.Backend().Size() < g.s.quota/2
		}
	}
	return false
}

func (g *space) close() {
	close(g.stop)
	<-g.done
}

// noSpace turns etcd's refusal into ErrNoSpace with what the operator
// needs to know; other errors pass unchanged.
func (s *Store) noSpace(err error) error {
	if err == nil || !strings.Contains(err.Error(), "database space exceeded") {
		return err
	}
	free, reserve := uint64(0), uint64(DefaultMinFree)
	if s.space != nil {
		s.space.mu.Lock()
		free, reserve = s.space.free, s.space.minFree
		s.space.mu.Unlock()
	}
	return fmt.Errorf("%w: the file system of %s has %d MiB free, below the %d MiB aksbox keeps so its store is never corrupted; "+
		"free some space there and writes resume within seconds", ErrNoSpace, s.dir, free>>20, reserve>>20)
}
