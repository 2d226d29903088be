package privatedns

import (
	"log/slog"
	"net"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/miekg/dns"
)

func testResolver() *Provider {
	z := &zoneData{id: "z", name: "contoso.internal", records: map[string]map[uint16][]dns.RR{}, auto: map[string]string{}}
	z.add(&dns.A{Hdr: hdr("db.contoso.internal.", dns.TypeA, 60), A: net.ParseIP("10.0.0.9")})
	z.add(&dns.CNAME{Hdr: hdr("www.contoso.internal.", dns.TypeCNAME, 60), Target: "db.contoso.internal."})
	z.add(&dns.TXT{Hdr: hdr("db.contoso.internal.", dns.TypeTXT, 60), Txt: []string{"hi"}})
	p := &Provider{rec: &arm.Records{}, log: slog.New(slog.DiscardHandler)}
	p.index = &index{gen: 0, byVNet: map[string][]*zoneData{"vnet-a": {z}}, byID: map[string]*zoneData{"z": z}}
	return p
}

func TestResolve(t *testing.T) {
	p := testResolver()
	q := func(vnet, name string, t uint16) ([]dns.RR, bool, int) {
		return p.Resolve(vnet, dns.Question{Name: name, Qtype: t, Qclass: dns.ClassINET})
	}
	if rr, auth, rc := q("VNET-A", "DB.contoso.internal.", dns.TypeA); !auth || rc != dns.RcodeSuccess || len(rr) != 1 {
		t.Fatalf("A: %v %v %v", rr, auth, rc)
	}
	if rr, _, rc := q("vnet-a", "www.contoso.internal.", dns.TypeA); rc != dns.RcodeSuccess || len(rr) != 2 {
		t.Fatalf("CNAME chase: %v %v", rr, rc)
	}
	if rr, auth, rc := q("vnet-a", "db.contoso.internal.", dns.TypeAAAA); !auth || rc != dns.RcodeSuccess || len(rr) != 0 {
		t.Fatalf("NODATA: %v %v %v", rr, auth, rc)
	}
	if _, auth, rc := q("vnet-a", "nope.contoso.internal.", dns.TypeA); !auth || rc != dns.RcodeNameError {
		t.Fatalf("NXDOMAIN: %v %v", auth, rc)
	}
	if _, auth, rc := q("vnet-b", "db.contoso.internal.", dns.TypeA); auth || rc != dns.RcodeRefused {
		t.Fatalf("unlinked VNet: %v %v", auth, rc)
	}
	if _, auth, rc := q("vnet-a", "example.com.", dns.TypeA); auth || rc != dns.RcodeRefused {
		t.Fatalf("outside name: %v %v", auth, rc)
	}
}

func TestOverlappingZones(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"a.b", "a.b", true}, {"x.a.b", "a.b", true}, {"a.b", "A.B.", true}, {"a.b", "c.b", false}, {"xa.b", "a.b", false}} {
		if overlapping(c.a, c.b) != c.want {
			t.Errorf("%s vs %s: want %v", c.a, c.b, c.want)
		}
	}
}

func TestResolveFallsBackToPublicDNS(t *testing.T) {
	p := testResolver()
	pub := &zoneData{id: "pub", name: "hcp.westus2.azmk8s.io", records: map[string]map[uint16][]dns.RR{}, auto: map[string]string{}}
	pub.add(&dns.A{Hdr: hdr("c1-1234.hcp.westus2.azmk8s.io.", dns.TypeA, 300), A: net.ParseIP("10.1.1.5")})
	pub.add(&dns.CNAME{Hdr: hdr("alias.hcp.westus2.azmk8s.io.", dns.TypeCNAME, 300), Target: "db.contoso.internal."})
	p.index.public = []*zoneData{pub}
	q := func(vnet, name string) ([]dns.RR, bool, int) {
		return p.Resolve(vnet, dns.Question{Name: name, Qtype: dns.TypeA, Qclass: dns.ClassINET})
	}
	for _, vnet := range []string{"vnet-a", "vnet-b"} {
		if rr, auth, rc := q(vnet, "c1-1234.hcp.westus2.azmk8s.io."); !auth || rc != dns.RcodeSuccess || len(rr) != 1 {
			t.Fatalf("public name from %s: %v %v %v", vnet, rr, auth, rc)
		}
		if _, auth, rc := q(vnet, "gone.hcp.westus2.azmk8s.io."); !auth || rc != dns.RcodeNameError {
			t.Fatalf("a missing public name from %s: %v %v", vnet, auth, rc)
		}
	}
	// A public CNAME is followed into the zones linked to the asking VNet.
	if rr, _, rc := q("vnet-a", "alias.hcp.westus2.azmk8s.io."); rc != dns.RcodeSuccess || len(rr) != 2 {
		t.Fatalf("public CNAME into a linked zone: %v %v", rr, rc)
	}
	if rr, _, _ := q("vnet-b", "alias.hcp.westus2.azmk8s.io."); len(rr) != 1 {
		t.Fatalf("public CNAME from an unlinked VNet: %v", rr)
	}
	if _, auth, rc := q("vnet-b", "example.com."); auth || rc != dns.RcodeRefused {
		t.Fatalf("a name the cloud does not own: %v %v", auth, rc)
	}
}
