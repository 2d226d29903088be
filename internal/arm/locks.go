package arm

import (
	"hash/fnv"
	"strings"
	"sync"
)

// stripes serialize writers of one resource inside this process, so that
// unconditional PUTs queue instead of racing; the store's revision checks
// still guard every write.
var stripes [256]sync.Mutex

// LockResource locks the resource ID (case-insensitively) and returns the
// unlock function.
func LockResource(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(id)))
	m := &stripes[h.Sum32()%uint32(len(stripes))]
	m.Lock()
	return m.Unlock
}
