package nodeagent

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// refusingDNS is a server on loopback that answers REFUSED to everything, as
// a custom DNS server that does not forward a zone does.
func refusingDNS(t *testing.T) string {
	t.Helper()
	return startDNSWith(t, nil, true)
}

func TestLookupAsksNameServersInOrder(t *testing.T) {
	const host = "api.example.internal"
	good := startDNS(t, map[string]netip.Addr{host: netip.MustParseAddr("127.0.0.9")})
	none := startDNS(t, map[string]netip.Addr{})
	refused := refusingDNS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d dialLog
	for _, tc := range []struct {
		name    string
		servers []string
		want    bool
	}{
		{"the first answers", []string{good, refused}, true},
		{"a refusing server is passed over", []string{refused, good}, true},
		{"no such name stops the search", []string{none, good}, false},
		{"only refusals fail", []string{refused}, false},
		{"no server fails", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			servers := tc.servers
			ips, err := lookup(ctx, newResolver(d.Dial, func() []string { return servers }), host)
			if tc.want != (err == nil) {
				t.Fatalf("lookup = %v, %v; want success %v", ips, err, tc.want)
			}
			if tc.want && (len(ips) != 1 || ips[0] != netip.MustParseAddr("127.0.0.9")) {
				t.Fatalf("lookup = %v", ips)
			}
		})
	}
}

func TestResolvConfServersReadsTheFileEachTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	servers := ResolvConfServers(path)
	if got := servers(); len(got) != 0 {
		t.Fatalf("a missing file lists %v, want none", got)
	}
	if err := os.WriteFile(path, []byte("# custom\nnameserver 10.1.0.4\nnameserver bogus\noptions ndots:1\nnameserver 10.1.0.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := servers(), []string{"10.1.0.4:53", "10.1.0.5:53"}; !slices.Equal(got, want) {
		t.Fatalf("servers = %v, want %v", got, want)
	}
	if err := os.WriteFile(path, []byte("nameserver 168.63.129.16\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := servers(), []string{"168.63.129.16:53"}; !slices.Equal(got, want) {
		t.Fatalf("after a change servers = %v, want %v", got, want)
	}
}
