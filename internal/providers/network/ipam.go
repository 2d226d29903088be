package network

import (
	"context"
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
		if arm.Decode(st, &n) != nil {
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
	pfx, err := netip.ParsePrefix(v.Properties.Subnets[i].Prefix())
	if err != nil {
		return netip.Prefix{}, nil, notFound
	}
	return pfx, v, nil
}

// AddressUsers lists the addresses other providers' resources hold in a
// subnet (a DNS resolver's inbound endpoint), naming each holder.
type AddressUsers func(ctx context.Context, subnetID string) (map[netip.Addr]string, error)

// AddAddressUsers registers a source of addresses held outside NICs, so
// that no NIC is given one of them.
func (p *Provider) AddAddressUsers(u AddressUsers) { p.addrs = append(p.addrs, u) }

// takenAll is every address in use in the subnet: NICs' and other holders'.
func (p *Provider) takenAll(ctx context.Context, subnetID string) (map[netip.Addr]string, error) {
	used, err := p.taken(ctx, subnetID)
	if err != nil {
		return nil, err
	}
	for _, u := range p.addrs {
		more, err := u(ctx, subnetID)
		if err != nil {
			return nil, err
		}
		for a, owner := range more {
			used[a] = owner
		}
	}
	return used, nil
}

// pick chooses the address of self (named name in errors) in a subnet:
// the requested one for Static (usable and free), else keep while it is
// still in the subnet, else the lowest free one. It returns the address
// and the allocation method as Azure spells it. siblings are the
// addresses other IP configurations of the same NIC took in this request,
// not stored yet.
func (p *Provider) pick(ctx context.Context, pfx netip.Prefix, subnetID, self, name, method, requested string, keep netip.Addr, siblings ...netip.Addr) (netip.Addr, string, error) {
	used, err := p.takenAll(ctx, subnetID)
	if err != nil {
		return netip.Addr{}, "", err
	}
	for a, owner := range used {
		if strings.EqualFold(owner, self) {
			delete(used, a) // our own address may stay
		}
	}
	for _, a := range siblings {
		used[a] = "another IP configuration of the same network interface"
	}
	if strings.EqualFold(method, "Static") {
		a, err := netip.ParseAddr(requested)
		if err != nil || !usable(pfx, a) {
			return netip.Addr{}, "", arm.BadRequest("PrivateIPAddressNotInSubnet",
				"IP address '%s' of IP configuration '%s' is not a usable address of subnet %s (%s): the first four and the last addresses are reserved.",
				requested, name, subnetID, pfx)
		}
		if owner, busy := used[a]; busy {
			return netip.Addr{}, "", arm.BadRequest("PrivateIPAddressInUse",
				"IP configuration %s is using the private IP address %s which is already allocated to resource %s.", self, a, owner)
		}
		return a, "Static", nil
	}
	if keep.IsValid() && pfx.Contains(keep) {
		return keep, "Dynamic", nil
	}
	a, ok := allocate(pfx, used)
	if !ok {
		return netip.Addr{}, "", arm.BadRequest("SubnetIsFull",
			"Subnet %s (%s) has no free address left for IP configuration '%s'; use a larger subnet or free an address.", subnetID, pfx, name)
	}
	return a, "Dynamic", nil
}

// SubnetInfo is what other providers need to know of a subnet.
type SubnetInfo struct {
	ID          string // as stored
	VNet        string // the virtual network's ID, as stored
	Location    string // the virtual network's
	Prefix      netip.Prefix
	Delegations []string // services the subnet is delegated to
	Users       []string // IP configurations and private endpoints in it
}

// Subnet describes the subnet of an ID; InvalidResourceReference when
// there is none.
func (p *Provider) Subnet(ctx context.Context, subnetID string) (SubnetInfo, error) {
	pfx, v, aerr := p.subnetPrefix(ctx, subnetID)
	if aerr != nil {
		return SubnetInfo{}, aerr
	}
	sid, _ := arm.ParseID(subnetID)
	s := v.Properties.Subnets[findSubnet(v, sid.Name())]
	vid, _ := arm.ParseID(v.ID)
	info := SubnetInfo{ID: vid.Child("subnets", s.Name).String(), VNet: v.ID, Location: v.Location, Prefix: pfx}
	for _, d := range s.Properties.Delegations {
		info.Delegations = append(info.Delegations, d.Properties.ServiceName)
	}
	for _, u := range p.users {
		ids, err := u(ctx, info.ID)
		if err != nil {
			return SubnetInfo{}, err
		}
		info.Users = append(info.Users, ids...)
	}
	return info, nil
}

// AllocateAddress picks the address owner holds in a subnet as a NIC's is
// picked (Static: requested, which must be usable and free; Dynamic: keep
// while valid, else the lowest free). Call it only while NIC writes are
// excluded: from a kind that serializes with NICs(), or inside
// NICs().Exclusive.
func (p *Provider) AllocateAddress(ctx context.Context, subnetID, owner, method, requested string, keep netip.Addr) (netip.Addr, string, error) {
	info, err := p.Subnet(ctx, subnetID)
	if err != nil {
		return netip.Addr{}, "", err
	}
	return p.pick(ctx, info.Prefix, info.ID, owner, owner, method, requested, keep)
}
