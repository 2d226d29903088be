package nodeagent

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startDNS serves A records for the given names (lower case, no trailing
// dot) on 127.0.0.1 over UDP and TCP, NXDOMAIN for other names, and returns
// its address.
func startDNS(t *testing.T, records map[string]netip.Addr) string {
	t.Helper()
	return startDNSWith(t, records, false)
}

// startDNSWith is startDNS, or a server that refuses every query.
func startDNSWith(t *testing.T, records map[string]netip.Addr, refuse bool) string {
	t.Helper()
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		name := strings.ToLower(strings.TrimSuffix(q.Question[0].Name, "."))
		ip, ok := records[name]
		switch {
		case refuse:
			m.Authoritative, m.Rcode = false, dns.RcodeRefused
		case !ok:
			m.Rcode = dns.RcodeNameError
		case q.Question[0].Qtype == dns.TypeA && ip.Is4():
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 10},
				A:   ip.AsSlice(),
			})
		}
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	udp := &dns.Server{PacketConn: pc, Handler: handler}
	tcp := &dns.Server{Listener: ln, Handler: handler}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return pc.LocalAddr().String()
}

// dialLog is a Dial for tests: a plain dialer (to loopback addresses only)
// that records what it was asked to dial.
type dialLog struct {
	mu    sync.Mutex
	calls []string // "network addr"
}

func (d *dialLog) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.calls = append(d.calls, network+" "+addr)
	d.mu.Unlock()
	if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() {
		return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError("test dials loopback only: " + addr)}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (d *dialLog) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}

func TestLookupThroughDial(t *testing.T) {
	const fqdn = "c1-dns-0a1b2c3d.5e6f.privatelink.eastus.azmk8s.io"
	dnsAddr := startDNS(t, map[string]netip.Addr{fqdn: netip.MustParseAddr("127.0.0.1")})
	for _, tc := range []struct {
		name, host string
		want       string // "" means an error
		queries    bool   // whether DNS is asked
	}{
		{"private FQDN", fqdn, "127.0.0.1", true},
		{"rooted name", fqdn + ".", "127.0.0.1", true},
		{"mixed case", strings.ToUpper(fqdn), "127.0.0.1", true},
		{"unknown name", "nope.privatelink.eastus.azmk8s.io", "", true},
		{"IPv4 literal", "127.0.0.7", "127.0.0.7", false},
		{"IPv6 literal", "::1", "::1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &dialLog{}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			ips, err := lookup(ctx, newResolver(d.Dial, func() []string { return []string{dnsAddr} }), tc.host)
			switch {
			case tc.want == "" && err == nil:
				t.Fatalf("want an error, got %v", ips)
			case tc.want != "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (len(ips) == 0 || ips[0].String() != tc.want):
				t.Fatalf("got %v, want %s", ips, tc.want)
			}
			calls := d.list()
			if tc.queries != (len(calls) > 0) {
				t.Fatalf("DNS dials %v, want queries=%v", calls, tc.queries)
			}
			for _, c := range calls {
				if !strings.HasSuffix(c, " "+dnsAddr) {
					t.Errorf("dialed %q; every query must go to %s", c, dnsAddr)
				}
			}
		})
	}
}

// TestDialerResolvesEveryTime checks that the API server dialer resolves the
// host name through DNS on every connection and connects to the answer.
func TestDialerResolvesEveryTime(t *testing.T) {
	const host = "api.test.privatelink.eastus.azmk8s.io"
	dnsAddr := startDNS(t, map[string]netip.Addr{host: netip.MustParseAddr("127.0.0.1")})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	log := &dialLog{}
	d := &dialer{dial: log.Dial, resolver: newResolver(log.Dial, func() []string { return []string{dnsAddr} }), log: testLogger(t)}
	for range 2 {
		c, err := d.DialContext(t.Context(), "tcp", net.JoinHostPort(host, port))
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	var dns, api int
	for _, c := range log.list() {
		switch c {
		case "tcp 127.0.0.1:" + port:
			api++
		case "udp " + dnsAddr, "tcp " + dnsAddr:
			dns++
		default:
			t.Errorf("unexpected dial %q", c)
		}
	}
	if api != 2 || dns < 2 {
		t.Errorf("got %d API and %d DNS dials, want 2 and at least 2: %v", api, dns, log.list())
	}
}

// Without a dialer of the node's namespace, an agent dials from the host,
// and there only loopback: anything else is refused before a packet leaves.
func TestDefaultDialIsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"10.1.2.4:443", "168.63.129.16:53", "example.com:443", "192.168.1.1:443"} {
		if c, err := HostDial(context.Background(), "tcp", addr); err == nil {
			c.Close()
			t.Fatalf("%s was dialed from the host", addr)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := HostDial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("loopback: %v", err)
	}
	c.Close()
}
