package fabric

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
)

// An isolated host has lo alone, holding its addresses: a server there is
// reached from inside, and nothing else is reachable at all.
func TestIsolatedHost(t *testing.T) {
	f := newTestFabric(t)
	addr := netip.MustParseAddr("10.255.0.4")
	ns, err := f.EnsureIsolatedHost("warm/a", addr)
	must(t, err)
	again, err := f.EnsureIsolatedHost("warm/a", addr)
	must(t, err)
	if again != ns || ns != f.HostNamespace("warm/a") {
		t.Fatalf("namespaces %q, %q, want %q", ns, again, f.HostNamespace("warm/a"))
	}
	must(t, f.Do(ns, func() error {
		links, err := netlink.LinkList()
		if err != nil {
			return err
		}
		if len(links) != 1 || links[0].Attrs().Name != "lo" || links[0].Attrs().Flags&net.FlagUp == 0 {
			t.Errorf("links %v, want lo alone, up", links)
		}
		held, err := labelled(isolatedLabel)
		if err != nil {
			return err
		}
		if len(held) != 1 || held[0] != addr {
			t.Errorf("lo holds %v, want %v", held, addr)
		}
		ln, err := net.Listen("tcp", netip.AddrPortFrom(addr, 443).String())
		if err != nil {
			return err
		}
		defer ln.Close()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Errorf("dialing the server inside: %v", err)
		} else {
			c.Close()
		}
		// Inside this namespace a packet to another address has no route.
		if _, err := net.Dial("tcp", "10.255.0.5:443"); !errors.Is(err, syscall.ENETUNREACH) {
			t.Errorf("dialing 10.255.0.5 from the isolated host: %v, want network unreachable", err)
		}
		return nil
	}))
	must(t, f.RemoveHost("warm/a"))
	if nsExists(ns) {
		t.Fatalf("namespace %s left", ns)
	}
}
