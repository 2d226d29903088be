package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aksbox/aksbox/internal/store"
)

// Record is what the store holds for one resource: the body ARM returns
// for it, and state of aksbox's own that clients never see.
type Record struct {
	Body json.RawMessage `json:"body"`
	// Operation is the name of the long-running operation now acting on
	// the resource, if any.
	Operation string `json:"operation,omitempty"`
	// Internal is provider-private state (allocations, realization facts).
	Internal json.RawMessage `json:"internal,omitempty"`
	// Sent is what the client sent for the resource (see Sent): what the
	// model does not hold is returned from it.
	Sent json.RawMessage `json:"sent,omitempty"`
}

// Stored is a Record read from the store, with its revision.
type Stored struct {
	Record
	Key      string
	Revision int64
}

// clone is a copy of s that shares nothing with it.
func (s *Stored) clone() *Stored {
	c := *s
	c.Body, c.Internal, c.Sent = bytes.Clone(s.Body), bytes.Clone(s.Internal), bytes.Clone(s.Sent)
	return &c
}

// ETag is the ETag of a revision, in the W/"guid" shape Azure uses.
func (s *Stored) ETag() string { return ETagOf(s.Revision) }

// ETagOf formats a store revision as an ETag.
func ETagOf(rev int64) string {
	return fmt.Sprintf(`W/"00000000-0000-0000-0000-%012x"`, rev)
}

// BareETagOf formats a store revision as a bare GUID, the etag property
// of types whose bodies carry one unquoted (Private DNS).
func BareETagOf(rev int64) string {
	return fmt.Sprintf("00000000-0000-0000-0000-%012x", rev)
}

// Records reads and writes Records in the store.
type Records struct {
	st      *store.Store
	gen     atomic.Int64
	written atomic.Int64 // the newest revision written through these Records
	cache   *readCache   // nil until CacheReads
}

// Generation counts the writes made through these Records; a cache of
// anything derived from resources (such as DNS answers) is current while the
// generation it was built at is.
func (rs *Records) Generation() int64 { return rs.gen.Load() }

// recordsOf holds the one Records of each store: every writer shares its
// count of written revisions, which the read cache checks.
var recordsOf sync.Map // *store.Store → *Records

// NewRecords returns the Records of a store (the same for every call).
func NewRecords(st *store.Store) *Records {
	if rs, ok := recordsOf.Load(st); ok {
		return rs.(*Records)
	}
	rs, _ := recordsOf.LoadOrStore(st, &Records{st: st})
	return rs.(*Records)
}

// Store is the underlying store.
func (rs *Records) Store() *store.Store { return rs.st }

// Get reads the record of a resource ID; store.ErrNotFound when absent.
func (rs *Records) Get(ctx context.Context, id string) (*Stored, error) {
	return rs.get(ctx, id, false)
}

// Peek is Get for a reader that changes nothing of what it is given: from
// the in-memory copy it hands out the copy's own record instead of a copy
// of it, which for a large resource is most of what a GET allocates.
func (rs *Records) Peek(ctx context.Context, id string) (*Stored, error) {
	return rs.get(ctx, id, true)
}

func (rs *Records) get(ctx context.Context, id string, shared bool) (*Stored, error) {
	if s, ok, err := rs.cached(ResourceKey(id), shared); ok {
		return s, err
	}
	o, err := rs.st.Get(ctx, ResourceKey(id))
	if err != nil {
		return nil, err
	}
	return decodeRecord(o)
}

func decodeRecord(o *store.Object) (*Stored, error) {
	var rec Record
	if err := json.Unmarshal(o.Value, &rec); err != nil {
		return nil, fmt.Errorf("decoding record %s: %w", o.Key, err)
	}
	return &Stored{Record: rec, Key: o.Key, Revision: o.Revision}, nil
}

// Put writes a record with the revision check of store.Put.
func (rs *Records) Put(ctx context.Context, id string, rec Record, expect int64) (int64, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return 0, fmt.Errorf("encoding record %s: %w", id, err)
	}
	defer rs.gen.Add(1)
	rev, err := rs.st.Put(ctx, ResourceKey(id), data, expect)
	if err == nil {
		rs.wrote(rev)
	}
	return rev, err
}

// Delete removes a record (expect -1: whatever its revision).
func (rs *Records) Delete(ctx context.Context, id string, expect int64) error {
	defer rs.gen.Add(1)
	rev, err := rs.st.DeleteAt(ctx, ResourceKey(id), expect)
	if err == nil {
		rs.wrote(rev)
	}
	return err
}

// DeleteUnder removes the records of every resource under id (its children).
func (rs *Records) DeleteUnder(ctx context.Context, id string) error {
	defer rs.gen.Add(1)
	_, rev, err := rs.st.DeletePrefixAt(ctx, ResourceKey(id)+"/")
	if err == nil {
		rs.wrote(rev)
	}
	return err
}

// List reads the records whose IDs start with idPrefix followed by "/".
// Only direct children of kind childType are returned when childType is
// set (e.g. parent ".../virtualNetworks/v", child "subnets").
func (rs *Records) List(ctx context.Context, idPrefix string) ([]*Stored, error) {
	objs, err := rs.st.List(ctx, ResourceKey(strings.TrimSuffix(idPrefix, "/"))+"/")
	if err != nil {
		return nil, err
	}
	out := make([]*Stored, 0, len(objs))
	for i := range objs {
		s, err := decodeRecord(&objs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Preconditions applies If-Match / If-None-Match to the current record
// (nil when absent) and returns the revision a following write must expect:
// the current one, or 0 for "must not exist".
func Preconditions(r *http.Request, cur *Stored) (int64, error) {
	var rev int64
	if cur != nil {
		rev = cur.Revision
	}
	failed := func(format string, args ...any) (int64, error) {
		return 0, Errorf(http.StatusPreconditionFailed, "PreconditionFailed", format, args...)
	}
	if im := r.Header.Get("If-Match"); im != "" {
		if cur == nil {
			return failed("If-Match was given (%s) but the resource does not exist.", im)
		}
		if im != "*" && !etagMatches(im, cur.Revision) {
			return failed("The ETag given in If-Match (%s) does not match the resource's current ETag %s; read the resource again and retry with its ETag.", im, cur.ETag())
		}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && cur != nil {
		if inm == "*" {
			return failed("If-None-Match: * was given but the resource already exists (ETag %s).", cur.ETag())
		}
		if etagMatches(inm, cur.Revision) {
			return failed("The resource still has the ETag given in If-None-Match (%s).", inm)
		}
	}
	return rev, nil
}

func etagMatches(header string, rev int64) bool {
	for _, t := range strings.Split(header, ",") {
		if parseETag(strings.TrimSpace(t)) == rev {
			return true
		}
	}
	return false
}

func parseETag(t string) int64 {
	t = strings.TrimPrefix(t, "W/")
	t = strings.Trim(t, `"`)
	i := strings.LastIndex(t, "-")
	n, err := strconv.ParseInt(t[i+1:], 16, 64)
	if err != nil {
		return -1
	}
	return n
}

// IsConflict tells whether err is a lost race with another writer.
func IsConflict(err error) bool {
	return errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrExists)
}
