package network

import (
	"net/netip"
	"testing"
)

func TestParsePrefix(t *testing.T) {
	for _, c := range []struct {
		in, code string
	}{
		{"10.0.0.0/16", ""},
		{"10.0.0.1/16", "InvalidCIDRNotation"},
		{"10.0.0.0/33", "InvalidCIDRNotation"},
		{"fd00::/64", "InvalidCIDRNotation"},
		{"10.0.0.0/30", "InvalidAddressPrefix"},
		{"nonsense", "InvalidCIDRNotation"},
	} {
		_, e := parsePrefix("x", c.in, 8, 29)
		got := ""
		if e != nil {
			got = e.Code
		}
		if got != c.code {
			t.Errorf("%s: %q, want %q", c.in, got, c.code)
		}
	}
}

func TestCheckSubnets(t *testing.T) {
	space := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}
	sub := func(name, p string) *Subnet {
		return &Subnet{Name: name, Properties: SubnetProperties{AddressPrefix: p}}
	}
	_, errs := checkSubnets("v", space, []*Subnet{sub("a", "10.0.0.0/24"), sub("b", "10.0.1.0/24")})
	if len(errs) != 0 {
		t.Fatalf("valid subnets refused: %v", errs)
	}
	_, errs = checkSubnets("v", space, []*Subnet{sub("a", "10.0.0.0/24"), sub("b", "10.0.0.128/25"), sub("c", "10.1.0.0/24"), sub("a", "10.0.5.0/24")})
	codes := map[string]bool{}
	for _, e := range errs {
		codes[e.Code] = true
	}
	for _, want := range []string{"NetcfgSubnetRangesOverlap", "NetcfgSubnetRangeOutsideVnet", "InvalidRequestFormat"} {
		if !codes[want] {
			t.Errorf("missing %s in %v", want, errs)
		}
	}
}

// Azure reserves the first four and the last address of a subnet: the
// first NIC gets .4, and allocation never hands out a taken address.
func TestAllocate(t *testing.T) {
	p := netip.MustParsePrefix("10.0.0.0/29")
	used := map[netip.Addr]string{}
	var got []string
	for {
		a, ok := allocate(p, used)
		if !ok {
			break
		}
		used[a] = "x"
		got = append(got, a.String())
	}
	if len(got) != 3 || got[0] != "10.0.0.4" || got[2] != "10.0.0.6" {
		t.Fatalf("allocated %v, want 10.0.0.4-10.0.0.6", got)
	}
	for _, a := range []string{"10.0.0.0", "10.0.0.1", "10.0.0.3", "10.0.0.7", "10.0.1.4"} {
		if usable(p, netip.MustParseAddr(a)) {
			t.Errorf("%s is usable in %s", a, p)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{"vnet-1": true, "a": true, "a_": true, "-a": false, "a.": false, "a b": false, "": false} {
		if (validName("x", name, 64) == nil) != ok {
			t.Errorf("%q: ok=%v", name, !ok)
		}
	}
}
