package fabric

import (
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// ask sends an A query to server from inside a namespace.
func ask(f *Fabric, ns, server, name string) (*dns.Msg, error) {
	return askWithin(f, ns, server, name, 5*time.Second)
}

func askWithin(f *Fabric, ns, server, name string, timeout time.Duration) (*dns.Msg, error) {
	var in *dns.Msg
	err := f.Do(ns, func() (err error) {
		c := &dns.Client{Net: "udp", Timeout: timeout}
		in, _, err = c.Exchange(new(dns.Msg).SetQuestion(name, dns.TypeA), net.JoinHostPort(server, "53"))
		return err
	})
	return in, err
}

// forwardingResolver forwards names under suffix as fw says (counting the
// forwards) and answers the rest from a zone.
type forwardingResolver struct {
	zoneResolver
	suffix string
	fw     *Forward
	n      *atomic.Int32
}

func (r forwardingResolver) Forward(vnetID string, q dns.Question) *Forward {
	if vnetID != r.vnet || !dns.IsSubDomain(r.suffix, strings.ToLower(q.Name)) {
		return nil
	}
	r.n.Add(1)
	return r.fw
}

// serveZone answers name with ip at addr:53 inside ns, as a DNS server VM
// does, until the test ends.
func serveZone(t *testing.T, f *Fabric, ns, addr, name, ip string) {
	t.Helper()
	var pc net.PacketConn
	must(t, f.Do(ns, func() (err error) {
		pc, err = net.ListenPacket("udp4", net.JoinHostPort(addr, "53"))
		return err
	}))
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg).SetReply(r)
		if strings.EqualFold(r.Question[0].Name, name) {
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5},
				A: net.ParseIP(ip)}}
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
}

// An inbound endpoint's address answers as 168.63.129.16 does, survives
// the VNet being re-ensured, and stops answering when removed.
func TestDNSListener(t *testing.T) {
	f := newTestFabric(t)
	f.SetResolver(zoneResolver{vnet: "hub", zone: "corp.internal.",
		records: map[string]netip.Addr{"db.corp.internal.": netip.MustParseAddr("10.91.2.9")}})
	hub := VNet{ID: "hub", AddressSpace: []netip.Prefix{pfx("10.91.0.0/16")},
		Subnets: []Subnet{{"inbound", pfx("10.91.1.0/28")}, {"vms", pfx("10.91.2.0/24")}}}
	must(t, f.EnsureVNet(hub))
	client := vm(t, f, "client", "hub", "vms", "10.91.2.4")
	listen := netip.MustParseAddr("10.91.1.4")
	if err := f.EnsureDNSListener("hub", "inbound", netip.MustParseAddr("10.91.1.1")); err == nil {
		t.Fatal("a listener on the subnet's gateway address was accepted")
	}
	if err := f.EnsureDNSListener("hub", "inbound", netip.MustParseAddr("10.91.2.5")); err == nil {
		t.Fatal("a listener outside its subnet was accepted")
	}
	must(t, f.EnsureDNSListener("hub", "inbound", listen))
	must(t, f.EnsureDNSListener("hub", "inbound", listen)) // idempotent
	for _, step := range []string{"first", "after the VNet was re-ensured"} {
		in, err := ask(f, client, listen.String(), "db.corp.internal.")
		if err != nil || len(in.Answer) != 1 || !strings.Contains(in.Answer[0].String(), "10.91.2.9") {
			t.Fatalf("%s: the listener's answer: %v %v", step, in, err)
		}
		must(t, f.EnsureVNet(hub))
	}
	must(t, f.RemoveDNSListener("hub", listen))
	must(t, f.RemoveDNSListener("hub", listen))
	if in, err := askWithin(f, client, listen.String(), "db.corp.internal.", 500*time.Millisecond); err == nil {
		t.Fatalf("a removed listener answered: %v", in)
	}
	must(t, f.RemoveHost("client"))
	must(t, f.RemoveVNet("hub"))
}

// A Forwarder's names are asked of its targets from inside the router
// namespace; the rest are answered as before; a rule forwarding to the
// VNet's own inbound endpoint loops, and the loop is cut in bounded time.
func TestDNSForward(t *testing.T) {
	f := newTestFabric(t)
	zone := zoneResolver{vnet: "hub", zone: "corp.internal.",
		records: map[string]netip.Addr{"db.corp.internal.": netip.MustParseAddr("10.92.2.9")}}
	hub := VNet{ID: "hub", AddressSpace: []netip.Prefix{pfx("10.92.0.0/16")},
		Subnets: []Subnet{{"inbound", pfx("10.92.1.0/28")}, {"outbound", pfx("10.92.3.0/28")}, {"vms", pfx("10.92.2.0/24")}}}
	must(t, f.EnsureVNet(hub))
	client := vm(t, f, "client", "hub", "vms", "10.92.2.4")
	server := vm(t, f, "dns", "hub", "vms", "10.92.2.5")
	serveZone(t, f, server, "10.92.2.5", "app.example.", "10.50.0.9")
	var n atomic.Int32
	source := Gateway(pfx("10.92.3.0/28"))
	f.SetResolver(forwardingResolver{zoneResolver: zone, suffix: "example.", n: &n,
		fw: &Forward{VNet: "hub", Source: source, Targets: []netip.AddrPort{
			netip.MustParseAddrPort("10.92.2.77:53"), // nobody: the next target is asked
			netip.MustParseAddrPort("10.92.2.5:53")}}})
	in, err := ask(f, client, AzureDNS.String(), "app.example.")
	if err != nil || in.Rcode != dns.RcodeSuccess || len(in.Answer) != 1 || !strings.Contains(in.Answer[0].String(), "10.50.0.9") {
		t.Fatalf("a forwarded name: %v %v", in, err)
	}
	if in, err := ask(f, client, AzureDNS.String(), "db.corp.internal."); err != nil || len(in.Answer) != 1 {
		t.Fatalf("a name of the zone beside the rule: %v %v", in, err)
	}

	// The rule's target is the VNet's own inbound endpoint, whose queries
	// the same rule forwards again.
	listen := netip.MustParseAddr("10.92.1.4")
	must(t, f.EnsureDNSListener("hub", "inbound", listen))
	n.Store(0)
	f.SetResolver(forwardingResolver{zoneResolver: zone, suffix: "example.", n: &n,
		fw: &Forward{VNet: "hub", Source: source, Targets: []netip.AddrPort{netip.AddrPortFrom(listen, 53)}}})
	start := time.Now()
	in, err = ask(f, client, AzureDNS.String(), "loop.example.")
	if err != nil || in.Rcode != dns.RcodeServerFailure {
		t.Fatalf("a looping rule: %v %v", in, err)
	}
	if d := time.Since(start); d > forwardBudget+time.Second {
		t.Fatalf("the loop took %s", d)
	}
	if got := n.Load(); got > maxForwardHops+1 {
		t.Fatalf("the loop forwarded %d times", got)
	}
	must(t, f.RemoveHost("client"))
	must(t, f.RemoveHost("dns"))
	must(t, f.RemoveVNet("hub"))
}
