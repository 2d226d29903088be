package cloud

import (
	"crypto/sha256"
	"net/netip"
	"testing"

	"github.com/aksbox/aksbox/internal/instance"
)

// TestPublicIPPool: a /20 of 127.224.0.0/11, stable for a state dir,
// different for another, and holding the /24 earlier instances took.
func TestPublicIPPool(t *testing.T) {
	dir := t.TempDir()
	pool := PublicIPPool(instance.Dir(dir))
	if pool.Bits() != 20 || !netip.MustParsePrefix("127.224.0.0/11").Contains(pool.Addr()) || pool.Masked() != pool {
		t.Fatalf("pool %s is not a /20 of 127.224.0.0/11", pool)
	}
	if again := PublicIPPool(instance.Dir(dir)); again != pool {
		t.Errorf("pool changed for the same dir: %s then %s", pool, again)
	}
	if a, b := PublicIPPool("/var/lib/aksbox-a"), PublicIPPool("/var/lib/aksbox-b"); a == b {
		t.Errorf("two dirs share pool %s", a)
	}
	sum := sha256.Sum256([]byte("pool:" + dir))
	earlier := netip.PrefixFrom(netip.AddrFrom4([4]byte{127, 224 + sum[0]%32, sum[1], 0}), 24)
	if !pool.Contains(earlier.Addr()) || !pool.Contains(netip.AddrFrom4([4]byte{127, 224 + sum[0]%32, sum[1], 254})) {
		t.Errorf("pool %s does not hold the earlier pool %s", pool, earlier)
	}
}
