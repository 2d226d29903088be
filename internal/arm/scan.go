package arm

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Scanned is one record met by Scan: its key and revision, and the record
// itself, which Load and Peek decode (from the in-memory copy, once per
// revision).
type Scanned struct {
	Key      string
	Revision int64
	obj      *cachedObject // from the in-memory copy, or
	st       *Stored       // read from the store
}

// Load is the record, for the caller to change if it likes.
func (s Scanned) Load() (*Stored, error) {
	if s.obj != nil {
		return s.obj.load()
	}
	return s.st, nil
}

// Peek is the record for a reader that changes nothing of it, as
// Records.Peek.
func (s Scanned) Peek() (*Stored, error) {
	if s.obj != nil {
		return s.obj.shared()
	}
	return s.st, nil
}

// catchUpWait bounds how long Scan waits for the in-memory copy to apply
// the writes made before it, before it reads the store instead.
const catchUpWait = 100 * time.Millisecond

// Scan lists the records whose IDs start with idPrefix followed by "/", in
// key order, without decoding them: a reader that keeps what it derived
// from each record by revision decodes only those written since. It reads
// the in-memory copy once that has applied every write made before the
// call (waiting up to catchUpWait for it), the store otherwise.
func (rs *Records) Scan(ctx context.Context, idPrefix string) ([]Scanned, error) {
	return rs.ScanKeys(ctx, idPrefix, nil)
}

// ScanKeys is Scan of the records whose keys keep accepts (nil: all), as
// the keys are met: a reader that wants few of many records pays for
// sorting and handing out those alone.
func (rs *Records) ScanKeys(ctx context.Context, idPrefix string, keep func(key string) bool) ([]Scanned, error) {
	prefix := ResourceKey(strings.TrimSuffix(idPrefix, "/")) + "/"
	if c := rs.cache; c != nil {
		want := rs.written.Load()
		deadline := time.Now().Add(catchUpWait)
		for c.ready.Load() && c.applied.Load() < want && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		if c.ready.Load() && c.applied.Load() >= want {
			c.mu.RLock()
			var objs []*cachedObject
			for k, o := range c.objs {
				if strings.HasPrefix(k, prefix) && (keep == nil || keep(k)) {
					objs = append(objs, o)
				}
			}
			c.mu.RUnlock()
			slices.SortFunc(objs, func(a, b *cachedObject) int { return strings.Compare(a.Key, b.Key) })
			out := make([]Scanned, len(objs))
			for i, o := range objs {
				out[i] = Scanned{Key: o.Key, Revision: o.Revision, obj: o}
			}
			return out, nil
		}
	}
	all, err := rs.List(ctx, idPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]Scanned, 0, len(all))
	for _, st := range all {
		if keep == nil || keep(st.Key) {
			out = append(out, Scanned{Key: st.Key, Revision: st.Revision, st: st})
		}
	}
	return out, nil
}

// load is the record decoded (once) and copied.
func (o *cachedObject) load() (*Stored, error) {
	s, err := o.shared()
	if err != nil {
		return nil, err
	}
	return s.clone(), nil
}

// shared is the record decoded once, itself: every reader gets the same
// one, which none may change.
func (o *cachedObject) shared() (*Stored, error) {
	if s := o.decoded.Load(); s != nil {
		return s, nil
	}
	s, err := decodeRecord(&o.Object)
	if err != nil {
		return nil, err
	}
	o.decoded.Store(s)
	return s, nil
}

// OfTypes reads the records of every subscription whose resource type is
// one of types (e.g. "Microsoft.Network/networkInterfaces"), in key order.
// It picks them by key from Scan and decodes those alone, so its cost
// grows with the store's keys, not with decoding every record.
func (rs *Records) OfTypes(ctx context.Context, types ...string) ([]*Stored, error) {
	want := map[string]bool{}
	var hints []string // a key of a wanted type holds one of these
	for _, t := range types {
		t = strings.ToLower(t)
		want[t] = true
		ns, rest, _ := strings.Cut(t, "/")
		first, _, _ := strings.Cut(rest, "/")
		hints = append(hints, "/providers/"+ns+"/"+first+"/")
	}
	all, err := rs.Scan(ctx, "/subscriptions")
	if err != nil {
		return nil, err
	}
	var out []*Stored
	for _, s := range all {
		if !slices.ContainsFunc(hints, func(h string) bool { return strings.Contains(s.Key, h) }) {
			continue
		}
		if id, err := ParseID(IDOfKey(s.Key)); err != nil || !want[strings.ToLower(id.Type())] {
			continue
		}
		st, err := s.Load()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}
