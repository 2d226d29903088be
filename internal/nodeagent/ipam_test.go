package nodeagent

import (
	"errors"
	"net/netip"
	"testing"
)

func TestLastAddr(t *testing.T) {
	for _, tc := range []struct{ prefix, want string }{
		{"10.244.0.0/24", "10.244.0.255"},
		{"10.244.0.0/16", "10.244.255.255"},
		{"10.224.0.0/12", "10.239.255.255"},
		{"10.0.0.64/26", "10.0.0.127"},
		{"10.0.0.1/32", "10.0.0.1"},
		{"fd00::/120", "fd00::ff"},
	} {
		if got := lastAddr(netip.MustParsePrefix(tc.prefix)); got.String() != tc.want {
			t.Errorf("lastAddr(%s) = %s, want %s", tc.prefix, got, tc.want)
		}
	}
}

func TestIPPoolAllocate(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		uids   []string // allocated in order
		want   []string // addresses, "" for exhausted
	}{
		{"10.244.1.0/24", []string{"a", "b", "a", "c"}, []string{"10.244.1.2", "10.244.1.3", "10.244.1.2", "10.244.1.4"}},
		{"10.244.1.7/24", []string{"a"}, []string{"10.244.1.2"}}, // host bits ignored
		{"10.0.0.0/30", []string{"a", "b", "a"}, []string{"10.0.0.2", "", "10.0.0.2"}},
		{"10.0.0.0/29", []string{"a", "b", "c", "d", "e", "f"}, []string{"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", ""}},
		{"10.0.0.0/31", []string{"a"}, []string{""}},
		{"10.0.0.0/32", []string{"a"}, []string{""}},
		{"fd00::/126", []string{"a", "b"}, []string{"fd00::2", ""}},
	} {
		p := newIPPool(netip.MustParsePrefix(tc.prefix))
		for i, uid := range tc.uids {
			got, err := p.allocate(uid)
			switch {
			case tc.want[i] == "" && !errors.Is(err, errPoolExhausted):
				t.Errorf("%s: allocate(%s) = %v, %v; want exhausted", tc.prefix, uid, got, err)
			case tc.want[i] != "" && (err != nil || got.String() != tc.want[i]):
				t.Errorf("%s: allocate(%s) = %v, %v; want %s", tc.prefix, uid, got, err, tc.want[i])
			}
		}
	}
}

// TestIPPoolRelease checks that a freed address is handed out again only
// after the rest of the range, and that a full pool recovers.
func TestIPPoolRelease(t *testing.T) {
	p := newIPPool(netip.MustParsePrefix("10.0.0.0/29")) // .2 to .6
	for _, uid := range []string{"a", "b", "c"} {
		p.allocate(uid)
	}
	p.release("a")
	p.release("nobody")
	steps := []struct{ uid, want string }{
		{"d", "10.0.0.5"}, {"e", "10.0.0.6"}, {"f", "10.0.0.2"}, {"g", ""},
	}
	for _, s := range steps {
		got, err := p.allocate(s.uid)
		if (s.want == "") != (err != nil) || (err == nil && got.String() != s.want) {
			t.Errorf("allocate(%s) = %v, %v; want %q", s.uid, got, err, s.want)
		}
	}
	p.release("c")
	if got, err := p.allocate("h"); err != nil || got.String() != "10.0.0.4" {
		t.Errorf("after release: %v, %v", got, err)
	}
	if _, ok := p.lookup("c"); ok {
		t.Error("released pod still has an address")
	}
	if n := len(p.uids()); n != 5 {
		t.Errorf("%d pods hold addresses, want 5", n)
	}
}

func TestIPPoolReserve(t *testing.T) {
	p := newIPPool(netip.MustParsePrefix("10.244.0.0/24"))
	for _, tc := range []struct {
		uid, ip string
		want    bool
	}{
		{"a", "10.244.0.9", true},
		{"a", "10.244.0.9", true},   // again: same address
		{"a", "10.244.0.10", false}, // a already holds .9
		{"b", "10.244.0.9", false},  // held by a
		{"b", "10.244.0.1", false},  // the gateway
		{"b", "10.244.0.0", false},  // the network
		{"b", "10.244.0.255", false},
		{"b", "10.245.0.9", false},
		{"b", "fd00::9", false},
		{"b", "10.244.0.2", true},
	} {
		if got := p.reserve(tc.uid, netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("reserve(%s, %s) = %v, want %v", tc.uid, tc.ip, got, tc.want)
		}
	}
	if got, _ := p.allocate("c"); got.String() != "10.244.0.3" {
		t.Errorf("allocate after reserve = %s, want 10.244.0.3 (skipping reserved .2)", got)
	}
}
