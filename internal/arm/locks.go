package arm

import (
	"strings"
	"sync"
)

// locks serialize writers of one resource inside this process, so that
// unconditional PUTs queue instead of racing; the store's revision checks
// still guard every write. There is one lock per resource ID, made when
// first asked for and dropped when nobody holds or waits for it: a handler
// that holds one resource's lock may take another's (a cluster's start
// starting its node VMs) without ever waiting on itself, as it could when
// IDs shared a fixed set of striped locks.
var locks = struct {
	sync.Mutex
	m map[string]*idLock
}{m: map[string]*idLock{}}

// idLock is the lock of one resource ID and how many hold or wait for it.
type idLock struct {
	mu   sync.Mutex
	refs int
}

// LockResource locks the resource ID (case-insensitively) and returns the
// unlock function.
func LockResource(id string) func() {
	key := strings.ToLower(id)
	locks.Lock()
	l := locks.m[key]
	if l == nil {
		l = &idLock{}
		locks.m[key] = l
	}
	l.refs++
	locks.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		locks.Lock()
		if l.refs--; l.refs == 0 {
			delete(locks.m, key)
		}
		locks.Unlock()
	}
}
