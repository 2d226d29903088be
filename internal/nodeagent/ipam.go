package nodeagent

import (
	"errors"
	"net/netip"
	"sync"
)

// errPoolExhausted is returned when every pod address of the node is in use.
var errPoolExhausted = errors.New("pod address range exhausted")

// ipPool hands out the pod addresses of one node, one per pod UID. The
// network address, the first address (the bridge's gateway) and the last
// address (broadcast) are never handed out. Allocation continues after the
// last address handed out, so a freed address is not reused at once.
type ipPool struct {
	mu     sync.Mutex
	first  netip.Addr // lowest usable address
	last   netip.Addr // highest usable address
	next   netip.Addr // where the next search starts
	byUID  map[string]netip.Addr
	byAddr map[netip.Addr]string
}

func newIPPool(p netip.Prefix) *ipPool {
	p = p.Masked()
	pool := &ipPool{byUID: map[string]netip.Addr{}, byAddr: map[netip.Addr]string{}}
	first := p.Addr().Next().Next()
	last := lastAddr(p).Prev()
	if first.IsValid() && last.IsValid() && p.Contains(first) && !last.Less(first) {
		pool.first, pool.last, pool.next = first, last, first
	}
	return pool
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		keep := p.Bits() - i*8
		switch {
		case keep >= 8:
		case keep <= 0:
			b[i] = 0xff
		default:
			b[i] |= 0xff >> keep
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// contains reports whether a is one of the pool's usable addresses.
func (p *ipPool) contains(a netip.Addr) bool {
	return p.first.IsValid() && a.BitLen() == p.first.BitLen() && !a.Less(p.first) && !p.last.Less(a)
}

// allocate returns the address of uid, handing out a free one if it has none.
func (p *ipPool) allocate(uid string) (netip.Addr, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.byUID[uid]; ok {
		return a, nil
	}
	if !p.first.IsValid() {
		return netip.Addr{}, errPoolExhausted
	}
	a := p.next
	for {
		if _, used := p.byAddr[a]; !used {
			break
		}
		a = p.wrap(a.Next())
		if a == p.next {
			return netip.Addr{}, errPoolExhausted
		}
	}
	p.byUID[uid], p.byAddr[a] = a, uid
	p.next = p.wrap(a.Next())
	return a, nil
}

func (p *ipPool) wrap(a netip.Addr) netip.Addr {
	if !a.IsValid() || p.last.Less(a) {
		return p.first
	}
	return a
}

// reserve records that uid already holds a (a pod reported with that address
// before the agent restarted). It reports false if a is outside the pool or
// held by another pod, or uid holds another address.
func (p *ipPool) reserve(uid string, a netip.Addr) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	a = a.Unmap()
	if held, ok := p.byUID[uid]; ok {
		return held == a
	}
	if !p.contains(a) {
		return false
	}
	if _, used := p.byAddr[a]; used {
		return false
	}
	p.byUID[uid], p.byAddr[a] = a, uid
	return true
}

// release frees the address of uid, if it has one.
func (p *ipPool) release(uid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.byUID[uid]; ok {
		delete(p.byUID, uid)
		delete(p.byAddr, a)
	}
}

// lookup returns the address of uid, if it has one.
func (p *ipPool) lookup(uid string) (netip.Addr, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.byUID[uid]
	return a, ok
}

// uids returns the pods that hold an address.
func (p *ipPool) uids() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.byUID))
	for uid := range p.byUID {
		out = append(out, uid)
	}
	return out
}
