package fabric

import (
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
	"github.com/miekg/dns"
)

// zoneResolver owns one zone, linked to one VNet: names it has answer,
// other names of the zone are NXDOMAIN, the rest of the world is not ours.
type zoneResolver struct {
	vnet, zone string
	records    map[string]netip.Addr
}

func (z zoneResolver) Resolve(vnetID string, q dns.Question) ([]dns.RR, bool, int) {
	name := strings.ToLower(q.Name)
	if vnetID != z.vnet || !dns.IsSubDomain(z.zone, name) {
		return nil, false, 0
	}
	ip, ok := z.records[name]
	if !ok {
		return nil, true, dns.RcodeNameError
	}
	if q.Qtype != dns.TypeA {
		return nil, true, dns.RcodeSuccess
	}
	hdr := dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 10}
	return []dns.RR{&dns.A{Hdr: hdr, A: ip.AsSlice()}}, true, dns.RcodeSuccess
}

// getent runs `getent hosts NAME` inside a namespace, where `ip netns exec`
// puts the host's resolv.conf over /etc/resolv.conf.
func getent(t *testing.T, ns, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "getent", "hosts", name).CombinedOutput()
	return string(out), err
}

// query asks 168.63.129.16 from inside a namespace.
func query(f *Fabric, ns, network, name string) (*dns.Msg, error) {
	var in *dns.Msg
	err := f.Do(ns, func() (err error) {
		c := &dns.Client{Net: network, Timeout: 2 * time.Second}
		in, _, err = c.Exchange(new(dns.Msg).SetQuestion(name, dns.TypeA), net.JoinHostPort(AzureDNS.String(), "53"))
		return err
	})
	return in, err
}

func TestDNS(t *testing.T) {
	testenv.Tool(t, "getent", "install libc-bin")
	f := newTestFabric(t)
	f.SetResolver(zoneResolver{vnet: "linked", zone: "corp.internal.",
		records: map[string]netip.Addr{"db.corp.internal.": netip.MustParseAddr("10.81.1.4")}})
	for i, id := range []string{"linked", "unlinked"} {
		space := pfx("10.8" + string(rune('1'+i)) + ".0.0/16")
		must(t, f.EnsureVNet(VNet{ID: id, AddressSpace: []netip.Prefix{space},
			Subnets: []Subnet{{"default", pfx(space.Addr().String() + "/24")}}}))
	}
	inLinked := vm(t, f, "vm-linked", "linked", "default", "10.81.0.4")
	inUnlinked := vm(t, f, "vm-unlinked", "unlinked", "default", "10.82.0.4")
	conf, err := os.ReadFile("/etc/netns/" + inLinked + "/resolv.conf")
	must(t, err)
	if string(conf) != "nameserver 168.63.129.16\n" {
		t.Errorf("resolv.conf = %q", conf)
	}

	// Through the VM's own resolv.conf, as any program there resolves.
	out, err := getent(t, inLinked, "db.corp.internal")
	if err != nil || !strings.HasPrefix(out, "10.81.1.4") {
		t.Errorf("getent db.corp.internal in linked VNet = %q, %v; want 10.81.1.4", out, err)
	}
	if out, err := getent(t, inLinked, "nope.corp.internal"); err == nil {
		t.Errorf("getent nope.corp.internal = %q; want not found", out)
	}
	if out, err := getent(t, inUnlinked, "db.corp.internal"); err == nil {
		t.Errorf("getent db.corp.internal in unlinked VNet = %q; want not found", out)
	}

	for _, tc := range []struct {
		ns, network, name string
		rcode             int
		answer            string
	}{
		{inLinked, "udp", "db.corp.internal.", dns.RcodeSuccess, "10.81.1.4"},
		{inLinked, "tcp", "DB.corp.internal.", dns.RcodeSuccess, "10.81.1.4"},
		{inLinked, "udp", "nope.corp.internal.", dns.RcodeNameError, ""},
		{inLinked, "udp", "example.com.", dns.RcodeRefused, ""},
		{inUnlinked, "udp", "db.corp.internal.", dns.RcodeRefused, ""},
		{inUnlinked, "tcp", "db.corp.internal.", dns.RcodeRefused, ""},
	} {
		in, err := query(f, tc.ns, tc.network, tc.name)
		if err != nil {
			t.Errorf("%s %s from %s: %v", tc.network, tc.name, tc.ns, err)
			continue
		}
		got := ""
		if len(in.Answer) == 1 {
			if a, ok := in.Answer[0].(*dns.A); ok {
				got = a.A.String()
			}
		}
		if in.Rcode != tc.rcode || got != tc.answer {
			t.Errorf("%s %s from %s = %s %q; want %s %q", tc.network, tc.name, tc.ns,
				dns.RcodeToString[in.Rcode], got, dns.RcodeToString[tc.rcode], tc.answer)
		}
		if in.Authoritative != (tc.rcode != dns.RcodeRefused) || in.RecursionAvailable {
			t.Errorf("%s %s: aa=%v ra=%v", tc.network, tc.name, in.Authoritative, in.RecursionAvailable)
		}
	}

	f.SetResolver(nil)
	if in, err := query(f, inLinked, "udp", "db.corp.internal."); err != nil || in.Rcode != dns.RcodeRefused {
		t.Errorf("without a resolver: %v, %v; want REFUSED", in, err)
	}
	must(t, f.RemoveVNet("linked"))
	if _, err := query(f, inLinked, "udp", "db.corp.internal."); err == nil {
		t.Error("dns answered after its VNet was removed")
	}
	must(t, f.RemoveVNet("unlinked"))
	must(t, f.RemoveHost("vm-linked"))
	must(t, f.RemoveHost("vm-unlinked"))
	if _, err := os.Stat("/etc/netns/" + inLinked); !os.IsNotExist(err) {
		t.Errorf("/etc/netns/%s survived its host: %v", inLinked, err)
	}
}
