package fabric

import (
	"net"
	"net/netip"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
	"github.com/miekg/dns"
)

// startDnsmasq runs the real dnsmasq in a VM's namespace with args, and
// waits until it answers name at addr. The test stops it.
func startDnsmasq(b *testing.B, f *Fabric, ns, addr, name string, args ...string) {
	b.Helper()
	path := testenv.Tool(b, "dnsmasq", "install dnsmasq-base")
	args = append([]string{"netns", "exec", ns, path, "--keep-in-foreground", "--no-resolv", "--no-hosts",
		"--bind-interfaces", "--listen-address=" + addr, "--log-facility=/dev/null", "--pid-file="}, args...)
	cmd := exec.Command("ip", args...)
	must(b, cmd.Start())
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if in, err := askWithin(f, ns, addr, name, 200*time.Millisecond); err == nil && len(in.Answer) == 1 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("dnsmasq at %s does not answer %s", addr, name)
		}
	}
}

// BenchmarkDNSPaths measures an A query from a VM, over one UDP socket
// of its namespace, answered along four paths in one VNet: by
// 168.63.129.16 directly; by a forwarder VM (dnsmasq, no cache, asking
// 168.63.129.16); by a DNS resolver's inbound endpoint (a listener on a
// subnet's bridge); and by 168.63.129.16 forwarding to a DNS server VM
// (dnsmasq answering locally) through a forwarding rule.
func BenchmarkDNSPaths(b *testing.B) {
	f := newTestFabric(b)
	zone := zoneResolver{vnet: "hub", zone: "z.", records: map[string]netip.Addr{"a.z.": netip.MustParseAddr("10.103.1.99")}}
	var n atomic.Int32
	f.SetResolver(forwardingResolver{zoneResolver: zone, suffix: "corp.example.", n: &n,
		fw: &Forward{VNet: "hub", Source: Gateway(pfx("10.103.3.0/28")), Targets: []netip.AddrPort{netip.MustParseAddrPort("10.103.1.6:53")}}})
	must(b, f.EnsureVNet(VNet{ID: "hub", AddressSpace: []netip.Prefix{pfx("10.103.0.0/16")},
		Subnets: []Subnet{{"vms", pfx("10.103.1.0/24")}, {"inbound", pfx("10.103.2.0/28")}, {"outbound", pfx("10.103.3.0/28")}}}))
	client := vm(b, f, "client", "hub", "vms", "10.103.1.4")
	forwarder := vm(b, f, "forwarder", "hub", "vms", "10.103.1.5")
	server := vm(b, f, "server", "hub", "vms", "10.103.1.6")
	startDnsmasq(b, f, forwarder, "10.103.1.5", "a.z.", "--server=168.63.129.16", "--cache-size=0")
	startDnsmasq(b, f, server, "10.103.1.6", "app.corp.example.", "--address=/corp.example/10.50.0.9")
	must(b, f.EnsureDNSListener("hub", "inbound", netip.MustParseAddr("10.103.2.4")))
	for _, path := range []struct{ name, server, q string }{
		{"azure-dns", AzureDNS.String(), "a.z."},
		{"forwarder-vm", "10.103.1.5", "a.z."},
		{"inbound-endpoint", "10.103.2.4", "a.z."},
		{"forwarding-rule", AzureDNS.String(), "app.corp.example."},
	} {
		b.Run(path.name, func(b *testing.B) {
			c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
			var conn *dns.Conn
			must(b, f.Do(client, func() (err error) {
				conn, err = c.Dial(net.JoinHostPort(path.server, "53"))
				return err
			}))
			defer conn.Close()
			q := new(dns.Msg).SetQuestion(path.q, dns.TypeA)
			for b.Loop() {
				in, _, err := c.ExchangeWithConn(q, conn)
				if err != nil || len(in.Answer) != 1 {
					b.Fatalf("query: %v, %v", in, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1000/float64(b.N), "µs/query")
			b.ReportMetric(0, "ns/op")
		})
	}
	must(b, f.RemoveDNSListener("hub", netip.MustParseAddr("10.103.2.4")))
	for _, h := range []string{"client", "forwarder", "server"} {
		must(b, f.RemoveHost(h))
	}
	must(b, f.RemoveVNet("hub"))
}
