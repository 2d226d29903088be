package network

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// Azure reserves the first four addresses of every subnet (network,
// gateway, two for DNS) and the last (broadcast); the first NIC gets .4.
func usable(p netip.Prefix, a netip.Addr) bool {
	if !p.Contains(a) {
		return false
	}
	first := p.Masked().Addr()
	for i := 0; i < 4; i++ {
		if a == first {
			return false
		}
		first = first.Next()
	}
	return a != lastAddr(p)
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	host := 32 - p.Bits()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= (1 << host) - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// taken collects every address in use in the subnet.
func (p *Provider) taken(ctx context.Context, subnetID string) (map[netip.Addr]string, error) {
	out := map[netip.Addr]string{}
	nics, err := p.nics.All(ctx, p.rec)
	if err != nil {
		return nil, err
	}
	for _, st := range nics {
		var n NIC
		if json.Unmarshal(st.Body, &n) != nil {
			continue
		}
		for _, c := range n.Properties.IPConfigurations {
			if c.Properties.Subnet != nil && strings.EqualFold(c.Properties.Subnet.ID, subnetID) {
				if a, err := netip.ParseAddr(c.Properties.PrivateIPAddress); err == nil {
					out[a] = c.ID
				}
			}
		}
	}
	return out, nil
}

// allocate picks the lowest free usable address of the subnet.
func allocate(p netip.Prefix, used map[netip.Addr]string) (netip.Addr, bool) {
	for a := p.Masked().Addr(); p.Contains(a); a = a.Next() {
		if _, busy := used[a]; !busy && usable(p, a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// subnetPrefix finds a subnet by ID and returns its prefix.
func (p *Provider) subnetPrefix(ctx context.Context, subnetID string) (netip.Prefix, *VNet, *arm.Error) {
	sid, err := arm.ParseID(subnetID)
	notFound := arm.BadRequest("InvalidResourceReference",
		"Resource %s referenced by the request was not found. Create the subnet first, or check the ID.", subnetID)
	if err != nil || !strings.EqualFold(sid.Type(), Namespace+"/virtualNetworks/subnets") {
		return netip.Prefix{}, nil, notFound
	}
	_, v, err := p.readVNet(ctx, sid.Parent().String())
	if err != nil {
		return netip.Prefix{}, nil, notFound
	}
	i := findSubnet(v, sid.Name())
	if i < 0 {
		return netip.Prefix{}, nil, notFound
	}
	pfx, err := netip.ParsePrefix(v.Properties.Subnets[i].Properties.AddressPrefix)
	if err != nil {
		return netip.Prefix{}, nil, notFound
	}
	return pfx, v, nil
}
