package network

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/google/uuid"
)

// buildVNet validates a PUT of a virtual network and returns its record,
// with its subnets as given and its peerings kept.
func (p *Provider) buildVNet(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in VNet
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	var errs []*arm.Error
	if e := validName("virtual network", id.Name(), 64); e != nil {
		errs = append(errs, e)
	}
	loc, ok := arm.NormalizeLocation(in.Location)
	if !ok {
		if in.Location == "" {
			errs = append(errs, arm.InvalidParameter("location", "The location property is required for virtual network '%s'; give a region such as 'westus2'.", id.Name()))
		} else {
			errs = append(errs, arm.InvalidLocation("location", in.Location))
		}
	}
	var old *VNet
	var internal json.RawMessage
	if cur != nil {
		var err error
		if old, err = decodeVNet(cur.Body); err != nil {
			return arm.Record{}, err
		}
		internal = cur.Internal
		if ok && old.Location != loc {
			errs = append(errs, arm.InvalidParameter("location", "Virtual network '%s' is in '%s' and cannot move to '%s'.", id.Name(), old.Location, loc))
		}
	}
	spaces, es := parseSpaces(id.Name(), in.Properties.AddressSpace.AddressPrefixes)
	errs = append(errs, es...)
	if d := in.Properties.DhcpOptions; d != nil {
		errs = append(errs, checkDNSServers("properties.dhcpOptions.dnsServers", "virtual network '"+id.Name()+"'", d.DNSServers)...)
	}
	if len(errs) == 0 {
		_, es = checkSubnets(id.Name(), spaces, in.Properties.Subnets)
		errs = append(errs, es...)
	}
	for _, s := range in.Properties.Subnets {
		errs = append(errs, checkDelegations(id.Child("subnets", s.Name), s.Properties.Delegations)...)
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	v := &VNet{ID: id.String(), Name: id.Name(), Type: Namespace + "/virtualNetworks", Location: loc, Etag: "", Tags: in.Tags}
	v.Properties = VNetProperties{
		ResourceGUID: uuid.NewString(),
		AddressSpace: AddressSpace{AddressPrefixes: prefixStrings(spaces)},
		DhcpOptions:  &DhcpOptions{DNSServers: []string{}},
		Subnets:      []*Subnet{},
	}
	if in.Properties.DhcpOptions != nil && in.Properties.DhcpOptions.DNSServers != nil {
		v.Properties.DhcpOptions = in.Properties.DhcpOptions
	}
	if old != nil {
		v.Properties.ResourceGUID = old.Properties.ResourceGUID
		v.Properties.VirtualNetworkPeerings = old.Properties.VirtualNetworkPeerings
		if err := p.checkRemovedSubnets(ctx, id, old.Properties.Subnets, in.Properties.Subnets); err != nil {
			return arm.Record{}, err
		}
		if err := p.checkKeptDelegations(ctx, id, in.Properties.Subnets); err != nil {
			return arm.Record{}, err
		}
	}
	for _, s := range in.Properties.Subnets {
		v.Properties.Subnets = append(v.Properties.Subnets, normalizeSubnet(id, s))
	}
	if v.Properties.VirtualNetworkPeerings == nil {
		v.Properties.VirtualNetworkPeerings = []*Peering{}
	}
	out, err := json.Marshal(v)
	return arm.Record{Body: out, Internal: internal}, err
}

func parseSpaces(vnet string, raw []string) ([]netip.Prefix, []*arm.Error) {
	if len(raw) == 0 {
		return nil, []*arm.Error{arm.InvalidParameter("properties.addressSpace.addressPrefixes",
			"Virtual network '%s' needs at least one address prefix in properties.addressSpace.addressPrefixes, e.g. 10.0.0.0/16.", vnet)}
	}
	var errs []*arm.Error
	var spaces []netip.Prefix
	for _, s := range raw {
		pfx, e := parsePrefix("virtual network '"+vnet+"'", s, 8, 29)
		if e != nil {
			errs = append(errs, e)
			continue
		}
		for _, o := range spaces {
			if overlaps(pfx, o) {
				errs = append(errs, arm.BadRequest("VnetAddressSpaceOverlaps",
					"The address prefixes %s and %s of virtual network '%s' overlap; each address may belong to one prefix only.", o, pfx, vnet))
			}
		}
		spaces = append(spaces, pfx)
	}
	return spaces, errs
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// normalizeSubnet fills in what Azure returns for a subnet.
func normalizeSubnet(vnet arm.ResourceID, s *Subnet) *Subnet {
	n := *s
	n.ID = vnet.Child("subnets", s.Name).String()
	n.Type = Namespace + "/virtualNetworks/subnets"
	n.Etag = ""
	n.Properties.ProvisioningState = arm.Succeeded
	if n.Properties.PrivateEndpointNetworkPolicies == "" {
		n.Properties.PrivateEndpointNetworkPolicies = "Disabled"
	}
	if n.Properties.PrivateLinkServiceNetworkPolicies == "" {
		n.Properties.PrivateLinkServiceNetworkPolicies = "Enabled"
	}
	n.Properties.IPConfigurations = nil
	n.Properties.PrivateEndpoints = nil
	n.Properties.Delegations = normalizeDelegations(vnet.Child("subnets", s.Name), s.Properties.Delegations)
	for _, e := range n.Properties.ServiceEndpoints {
		e.ProvisioningState = arm.Succeeded
	}
	n.Properties.Purpose = nil
	if len(n.Properties.Delegations) > 0 {
		n.Properties.Purpose = new(string)
	}
	return &n
}

// checkRemovedSubnets refuses to drop subnets that are in use.
func (p *Provider) checkRemovedSubnets(ctx context.Context, vnet arm.ResourceID, old, new []*Subnet) error {
	keep := map[string]bool{}
	for _, s := range new {
		keep[strings.ToLower(s.Name)] = true
	}
	for _, s := range old {
		if keep[strings.ToLower(s.Name)] {
			continue
		}
		if err := p.subnetFree(ctx, vnet.Child("subnets", s.Name)); err != nil {
			return err
		}
	}
	return nil
}

// subnetFree answers InUseSubnetCannotBeDeleted when something uses the
// subnet: an IP configuration, a private endpoint, a service's resource.
func (p *Provider) subnetFree(ctx context.Context, subnet arm.ResourceID) error {
	links, err := p.serviceLinks(ctx, subnet.String())
	if err != nil {
		return err
	}
	if len(links) > 0 {
		return arm.Errorf(http.StatusBadRequest, "InUseSubnetCannotBeDeleted",
			"Subnet %s is in use by %s and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet.",
			subnet.Name(), links[0].ID)
	}
	for _, u := range p.users {
		ids, err := u(ctx, subnet.String())
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return arm.Errorf(http.StatusBadRequest, "InUseSubnetCannotBeDeleted",
				"Subnet %s is in use by %s and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet.",
				subnet.Name(), strings.Join(ids, ", "))
		}
	}
	return nil
}

func (p *Provider) checkDeleteVNet(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	v, err := decodeVNet(st.Body)
	if err != nil {
		return err
	}
	for _, s := range v.Properties.Subnets {
		if err := p.subnetFree(ctx, id.Child("subnets", s.Name)); err != nil {
			return err
		}
	}
	return nil
}

// fabricVNet is the fabric's view of a stored virtual network.
func fabricVNet(v *VNet) fabric.VNet {
	fv := fabric.VNet{ID: v.ID}
	for _, s := range v.Properties.AddressSpace.AddressPrefixes {
		if p, err := netip.ParsePrefix(s); err == nil {
			fv.AddressSpace = append(fv.AddressSpace, p)
		}
	}
	for _, s := range v.Properties.Subnets {
		if p, err := netip.ParsePrefix(s.Prefix()); err == nil {
			fv.Subnets = append(fv.Subnets, fabric.Subnet{Name: s.Name, Prefix: p})
		}
	}
	return fv
}

func (p *Provider) realizeVNet(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	v, err := decodeVNet(st.Body)
	if err != nil {
		return err
	}
	if err := p.fab.EnsureVNet(fabricVNet(v)); err != nil {
		return err
	}
	if err := p.syncPeeringsOf(ctx, v); err != nil {
		return err
	}
	p.tellDNSServers(ctx, v.ID)
	return nil
}

func (p *Provider) unrealizeVNet(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	v, err := decodeVNet(st.Body)
	if err != nil {
		return err
	}
	for _, peer := range v.Properties.VirtualNetworkPeerings {
		if peer.Properties.RemoteVirtualNetwork != nil {
			if err := p.fab.RemovePeering(v.ID, peer.Properties.RemoteVirtualNetwork.ID); err != nil {
				return err
			}
		}
	}
	return p.fab.RemoveVNet(v.ID)
}
