package identity

import (
	"sync"
)

// maxVerified bounds the verified-token cache; past it the cache starts
// over (tokens live an hour, clients reuse theirs, so it rarely fills).
const maxVerified = 4096

// verifiedTokens remembers the claims of tokens whose RS256 signature was
// checked, so that a client sending the same token again costs a map
// lookup instead of an RSA verification. Only the signature check is
// cached: expiry, issuer, audience and that the service principal still
// exists are checked on every request, so a principal deleted since still
// loses access at once.
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[string]accessClaims
}

func (v *verifiedTokens) get(raw string) (accessClaims, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	c, ok := v.m[raw]
	return c, ok
}

func (v *verifiedTokens) put(raw string, c accessClaims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerified {
		v.m = make(map[string]accessClaims)
	}
	v.m[raw] = c
}
