package arm

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aksbox/aksbox/internal/store"
)

// recordPrefix is where every record lives in the store.
const recordPrefix = "/aksbox/arm/"

// readCache is an in-memory copy of every record, kept current by a watch
// of the store, so a GET costs no round trip to etcd. Reads use it only
// while it has applied every write made through the Records (written): a
// GET after a PUT's answer sees the PUT, as ARM promises; otherwise, and
// while the watch is being set up again, they read the store.
type readCache struct {
	mu      sync.RWMutex
	objs    map[string]*cachedObject
	applied atomic.Int64 // the newest revision wholly applied
	ready   atomic.Bool
	stop    atomic.Pointer[context.CancelFunc] // ends the current watch
}

// cachedObject is a record as the store holds it, and decoded once, at its
// first read.
type cachedObject struct {
	store.Object
	decoded atomic.Pointer[Stored]
}

// CacheReads starts keeping the in-memory copy until ctx ends.
func (rs *Records) CacheReads(ctx context.Context, log interface{ Warn(string, ...any) }) {
	c := &readCache{}
	rs.cache = c
	go func() {
		for ctx.Err() == nil {
			if err := c.follow(ctx, rs.st); err != nil && ctx.Err() == nil {
				log.Warn("the records' read cache lost its watch; reads go to the store until it is back", "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
}

// follow loads every record, then applies the watch's changes until the
// watch ends.
func (c *readCache) follow(ctx context.Context, st *store.Store) error {
	c.ready.Store(false)
	objs, rev, err := st.Snapshot(ctx, recordPrefix)
	if err != nil {
		return err
	}
	m := make(map[string]*cachedObject, len(objs))
	for _, o := range objs {
		m[o.Key] = &cachedObject{Object: o}
	}
	c.mu.Lock()
	c.objs = m
	c.mu.Unlock()
	c.applied.Store(rev)
	c.ready.Store(true)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.stop.Store(&cancel)
	for ev := range st.Watch(wctx, recordPrefix, rev) {
		c.mu.Lock()
		if ev.Deleted {
			delete(c.objs, ev.Key)
		} else {
			o := &cachedObject{Object: store.Object{Key: ev.Key, Value: ev.Value, Revision: ev.Revision, CreateRevision: ev.Revision}}
			if prev := c.objs[ev.Key]; prev != nil && prev.CreateRevision != 0 {
				o.CreateRevision = prev.CreateRevision
			}
			c.objs[ev.Key] = o
		}
		c.mu.Unlock()
		if !ev.More {
			c.applied.Store(ev.Revision)
		}
	}
	c.ready.Store(false)
	return ctx.Err()
}

// dropWatch ends the current watch as a lost connection to the store
// would: reads go to the store until the copy is loaded and followed again.
func (c *readCache) dropWatch() {
	if stop := c.stop.Load(); stop != nil {
		(*stop)()
	}
}

// cached serves key from the copy when it is current; ok is false
// otherwise. With shared it hands out the copy's own record (Peek), else a
// copy of it (Get).
func (rs *Records) cached(key string, shared bool) (*Stored, bool, error) {
	c := rs.cache
	if c == nil || !c.ready.Load() || c.applied.Load() < rs.written.Load() {
		return nil, false, nil
	}
	c.mu.RLock()
	o := c.objs[key]
	c.mu.RUnlock()
	if o == nil {
		return nil, true, store.ErrNotFound
	}
	if shared {
		s, err := o.shared()
		return s, true, err
	}
	s, err := o.load()
	return s, true, err
}

// wrote notes the revision of a write made through the Records.
func (rs *Records) wrote(rev int64) {
	for {
		cur := rs.written.Load()
		if rev <= cur || rs.written.CompareAndSwap(cur, rev) {
			return
		}
	}
}
