package dnsresolver

import (
	"net/netip"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/miekg/dns"
)

func TestCheckDomain(t *testing.T) {
	for name, ok := range map[string]bool{
		"contoso.com.": true, ".": true, "corp.": true, "a_b.example.": true,
		"contoso.com": false, "": false, "a..b.": false, "-a.b.": false, "a b.": false,
	} {
		if got := checkDomain(name) == nil; got != ok {
			t.Errorf("checkDomain(%q) accepted %v, want %v", name, got, ok)
		}
	}
	e := checkDomain("corp.example")
	if e == nil || e.Code != "InvalidParameter" || e.Target != "properties.domainName" {
		t.Fatalf("a domain without its trailing dot: %+v", e)
	}
}

func TestCheckTargets(t *testing.T) {
	out, errs := checkTargets([]TargetServer{{IPAddress: "10.0.0.4"}})
	if len(errs) != 0 || len(out) != 1 || *out[0].Port != 53 {
		t.Fatalf("a target without a port gets 53: %v %v", out, errs)
	}
	bad := 70000
	if _, errs := checkTargets([]TargetServer{{IPAddress: "10.0.0.400"}, {IPAddress: "10.0.0.5", Port: &bad}}); len(errs) != 2 {
		t.Fatalf("a bad address and a bad port: %v", errs)
	}
	if _, errs := checkTargets(nil); len(errs) != 1 {
		t.Fatalf("no target: %v", errs)
	}
}

func TestMatchLongestSuffix(t *testing.T) {
	ap := func(s string) []netip.AddrPort { return []netip.AddrPort{netip.MustParseAddrPort(s)} }
	set := &ruleSet{rules: []rule{{domain: ".", targets: ap("10.0.0.1:53")}, {domain: "example.", targets: ap("10.0.0.2:53")},
		{domain: "corp.example.", targets: ap("10.0.0.3:53")}}}
	for name, want := range map[string]string{
		"app.corp.example.": "corp.example.", "corp.example.": "corp.example.", "xcorp.example.": "example.",
		"example.": "example.", "other.org.": ".",
	} {
		if r := set.match(name); r == nil || r.domain != want {
			t.Errorf("match(%s) = %v, want %s", name, r, want)
		}
	}
}

// fakeZones holds one linked zone and one public name.
type fakeZones struct{}

func (fakeZones) Resolve(string, dns.Question) ([]dns.RR, bool, int) {
	return nil, false, dns.RcodeRefused
}
func (fakeZones) Holds(vnet, name string) (bool, bool) {
	return dns.IsSubDomain("private.example.", name), name == "api.hcp.westus2.azmk8s.io."
}

// Linked zones come before rules, and the wildcard rule leaves the
// cloud's own names to its public DNS.
func TestForwardOrder(t *testing.T) {
	p := &Provider{rec: arm.NewRecords(nil)}
	set := &ruleSet{vnet: "hub", source: netip.MustParseAddr("10.0.3.1"), rules: []rule{
		{domain: ".", targets: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:53")}},
		{domain: "example.", targets: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.2:53")}}}}
	p.index = &index{gen: p.rec.Generation(), byVNet: map[string]*ruleSet{"spoke": set}}
	f := p.Resolver(fakeZones{})
	q := func(name string) dns.Question {
		return dns.Question{Name: name, Qtype: dns.TypeA, Qclass: dns.ClassINET}
	}
	if fw := f.Forward("Spoke", q("app.example.")); fw == nil || fw.VNet != "hub" || fw.Targets[0].String() != "10.0.0.2:53" || fw.Source.String() != "10.0.3.1" {
		t.Fatalf("a name under a rule: %+v", fw)
	}
	if fw := f.Forward("spoke", q("db.private.example.")); fw != nil {
		t.Fatalf("a name of a linked zone was forwarded: %+v", fw)
	}
	if fw := f.Forward("spoke", q("api.hcp.westus2.azmk8s.io.")); fw != nil {
		t.Fatalf("the cloud's own name was forwarded by the wildcard rule: %+v", fw)
	}
	if fw := f.Forward("spoke", q("www.other.org.")); fw == nil || fw.Targets[0].String() != "10.0.0.1:53" {
		t.Fatalf("the wildcard rule: %+v", fw)
	}
	if fw := f.Forward("elsewhere", q("app.example.")); fw != nil {
		t.Fatalf("an unlinked network forwarded: %+v", fw)
	}
}
