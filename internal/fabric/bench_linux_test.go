package fabric

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// BenchmarkEnsureHostNIC creates VMs (a namespace and a NIC each) in one
// VNet and reports milliseconds per VM. Run with -benchtime=200x for the
// 200-VM target.
func BenchmarkEnsureHostNIC(b *testing.B) {
	f := newTestFabric(b)
	subnet := pfx("10.100.0.0/16")
	must(b, f.EnsureVNet(VNet{ID: "bench", AddressSpace: []netip.Prefix{subnet},
		Subnets: []Subnet{{"default", subnet}}}))
	if b.N > 60000 {
		b.Fatalf("b.N = %d: more VMs than the subnet holds", b.N)
	}
	ip := subnet.Addr().Next().Next().Next() // .4, the first NIC Azure hands out
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("vm%d", i)
		if _, err := f.EnsureHost(id, nil); err != nil {
			b.Fatal(err)
		}
		if err := f.EnsureNIC(NIC{ID: id + "-nic", VNet: "bench", Subnet: "default", IP: ip, Host: id}); err != nil {
			b.Fatal(err)
		}
		ip = ip.Next()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/vm")
	b.ReportMetric(0, "ns/op")
	for i := range b.N {
		must(b, f.RemoveHost(fmt.Sprintf("vm%d", i)))
	}
	must(b, f.RemoveVNet("bench"))
}

// BenchmarkDNSQuery measures a UDP A query from a VM to 168.63.129.16 and
// back, over one socket opened inside the VM's namespace.
func BenchmarkDNSQuery(b *testing.B) {
	f := newTestFabric(b)
	f.SetResolver(zoneResolver{vnet: "dns", zone: "z.", records: map[string]netip.Addr{"a.z.": netip.MustParseAddr("10.101.0.5")}})
	must(b, f.EnsureVNet(VNet{ID: "dns", AddressSpace: []netip.Prefix{pfx("10.101.0.0/16")},
		Subnets: []Subnet{{"default", pfx("10.101.0.0/24")}}}))
	ns := vm(b, f, "vm", "dns", "default", "10.101.0.4")
	client := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	var conn *dns.Conn
	must(b, f.Do(ns, func() (err error) {
		conn, err = client.Dial(net.JoinHostPort(AzureDNS.String(), "53"))
		return err
	}))
	defer conn.Close()
	q := new(dns.Msg).SetQuestion("a.z.", dns.TypeA)
	for b.Loop() {
		in, _, err := client.ExchangeWithConn(q, conn)
		if err != nil || len(in.Answer) != 1 {
			b.Fatalf("query: %v, %v", in, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1000/float64(b.N), "µs/query")
	b.ReportMetric(0, "ns/op")
	must(b, f.RemoveVNet("dns"))
	must(b, f.RemoveHost("vm"))
}
