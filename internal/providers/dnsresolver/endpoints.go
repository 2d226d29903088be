package dnsresolver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/google/uuid"
)

// endpointSubnet checks that a subnet can hold an endpoint of the resolver
// of id's parent, as Azure does: in the resolver's network, delegated to
// Microsoft.Network/dnsResolvers, /28 to /24, used by nothing else.
func (p *Provider) endpointSubnet(ctx context.Context, id arm.ResourceID, kind, subnetID string) (network.SubnetInfo, *Resolver, error) {
	res, err := read[Resolver](ctx, p.rec, id.Parent().String())
	if err != nil || res == nil {
		return network.SubnetInfo{}, nil, orNotFound(err, id.Parent())
	}
	info, err := p.net.Subnet(ctx, subnetID)
	if err != nil {
		return network.SubnetInfo{}, nil, err
	}
	unusable := func(why string) error {
		return arm.BadRequest("BadRequest",
			"The specified subnet %s could not be used to provision the %s endpoint: %s. Please make sure you use a subnet of at least /%d and at most /%d size, delegated to %s, which is not currently in use by any other DNS resolver endpoint or any other Azure service workloads.",
			info.ID, kind, why, maxSubnetBits, minSubnetBits, network.DNSResolvers)
	}
	if !strings.EqualFold(info.VNet, refOf(res.Properties.VirtualNetwork)) {
		return info, res, arm.InvalidParameter("properties.subnet.id",
			"Subnet %s is not in virtual network %s of DNS resolver '%s': an endpoint's subnet must be in the resolver's virtual network.",
			info.ID, refOf(res.Properties.VirtualNetwork), res.Name)
	}
	if !slices.ContainsFunc(info.Delegations, func(s string) bool { return strings.EqualFold(s, network.DNSResolvers) }) {
		return info, res, unusable("it is not delegated to " + network.DNSResolvers)
	}
	if b := info.Prefix.Bits(); b < minSubnetBits || b > maxSubnetBits {
		return info, res, unusable(fmt.Sprintf("it is a /%d", b))
	}
	if len(info.Users) > 0 {
		return info, res, unusable("it is used by " + info.Users[0])
	}
	users, err := p.endpointsIn(ctx, info.ID)
	if err != nil {
		return info, res, err
	}
	for _, u := range users {
		if !strings.EqualFold(u, id.String()) {
			return info, res, unusable("it is used by DNS resolver endpoint " + u)
		}
	}
	return info, res, nil
}

// countSiblings counts the other resources of typ under parent.
func (p *Provider) countSiblings(ctx context.Context, id arm.ResourceID, typ string) (int, error) {
	all, err := children[struct {
		ID string `json:"id"`
	}](ctx, p.rec, id.Parent(), typ)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range all {
		if !strings.EqualFold(c.ID, id.String()) {
			n++
		}
	}
	return n, nil
}

func orNotFound(err error, id arm.ResourceID) error {
	if err != nil {
		return err
	}
	return arm.NotFound(id)
}

// inboundState is the fabric's listener of an inbound endpoint, and the
// one it replaces (an address changed by an update).
type inboundState struct {
	VNet     string `json:"vnet"`
	Subnet   string `json:"subnet"`
	Addr     string `json:"addr"`
	Previous *struct {
		VNet string `json:"vnet"`
		Addr string `json:"addr"`
	} `json:"previous,omitempty"`
}

func (p *Provider) buildInbound(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in InboundEndpoint
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	loc, errs := checkTracked("inbound endpoint", id.Name(), in.Location)
	if len(in.Properties.IPConfigurations) != 1 || in.Properties.IPConfigurations[0] == nil || refOf(in.Properties.IPConfigurations[0].Subnet) == "" {
		errs = append(errs, arm.InvalidParameter("properties.ipConfigurations",
			"Inbound endpoint '%s' needs one IP configuration with subnet.id, a subnet delegated to %s; it has %d.",
			id.Name(), network.DNSResolvers, len(in.Properties.IPConfigurations)))
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	c := in.Properties.IPConfigurations[0]
	method := c.PrivateIPAllocationMethod
	switch {
	case method == "" || strings.EqualFold(method, "Dynamic"):
		method = "Dynamic"
	case strings.EqualFold(method, "Static"):
		method = "Static"
	default:
		return arm.Record{}, arm.InvalidParameter("properties.ipConfigurations[0].privateIpAllocationMethod",
			"The allocation method '%s' is neither Dynamic nor Static.", c.PrivateIPAllocationMethod)
	}
	old := kept[InboundEndpoint](cur)
	if old == nil {
		if n, err := p.countSiblings(ctx, id, "inboundEndpoints"); err != nil {
			return arm.Record{}, err
		} else if n >= maxInbound {
			return arm.Record{}, arm.InvalidParameter("name", "DNS resolver '%s' has %d inbound endpoints already, the most it can have.", id.Parent().Name(), n)
		}
	}
	info, res, err := p.endpointSubnet(ctx, id, "inbound", refOf(c.Subnet))
	if err != nil {
		return arm.Record{}, err
	}
	if !strings.EqualFold(res.Location, loc) {
		return arm.Record{}, arm.InvalidParameter("location", "Inbound endpoint '%s' must be in '%s', the region of its DNS resolver, not '%s'.", id.Name(), res.Location, loc)
	}
	var keep netip.Addr
	var st inboundState
	if old != nil && len(old.Properties.IPConfigurations) > 0 {
		oc := old.Properties.IPConfigurations[0]
		if strings.EqualFold(refOf(oc.Subnet), info.ID) {
			keep, _ = netip.ParseAddr(oc.PrivateIPAddress)
		}
		_ = json.Unmarshal(cur.Internal, &st)
	}
	addr, method, err := p.net.AllocateAddress(ctx, info.ID, id.String(), method, c.PrivateIPAddress, keep)
	if err != nil {
		return arm.Record{}, err
	}
	next := inboundState{VNet: info.VNet, Subnet: subnetName(info.ID), Addr: addr.String()}
	if st.Addr != "" && (st.Addr != next.Addr || !strings.EqualFold(st.VNet, next.VNet)) {
		next.Previous = &struct {
			VNet string `json:"vnet"`
			Addr string `json:"addr"`
		}{st.VNet, st.Addr}
	}
	out := InboundEndpoint{ID: id.String(), Name: id.Name(), Type: Namespace + "/" + typeInbound, Location: loc, Tags: in.Tags,
		Properties: InboundProps{ResourceGUID: uuid.NewString(), IPConfigurations: []*IPConfig{{Subnet: &SubRef{ID: info.ID},
			PrivateIPAddress: addr.String(), PrivateIPAllocationMethod: method}}}}
	if old != nil {
		out.Properties.ResourceGUID = old.Properties.ResourceGUID
	}
	b, err := json.Marshal(out)
	if err != nil {
		return arm.Record{}, err
	}
	internal, err := json.Marshal(next)
	return arm.Record{Body: b, Internal: internal}, err
}

func subnetName(subnetID string) string {
	id, _ := arm.ParseID(subnetID)
	return id.Name()
}

// realizeInbound makes the endpoint's address answer DNS in its network,
// after taking down the address it replaces.
func (p *Provider) realizeInbound(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var s inboundState
	if err := json.Unmarshal(st.Internal, &s); err != nil {
		return fmt.Errorf("reading inbound endpoint %s: %w", id, err)
	}
	if prev := s.Previous; prev != nil {
		if a, err := netip.ParseAddr(prev.Addr); err == nil {
			if err := p.fab.RemoveDNSListener(prev.VNet, a); err != nil {
				return err
			}
		}
	}
	return p.restartInbound(ctx, id, st)
}

// restartInbound makes the endpoint's address answer DNS again.
func (p *Provider) restartInbound(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var s inboundState
	if err := json.Unmarshal(st.Internal, &s); err != nil {
		return fmt.Errorf("reading inbound endpoint %s: %w", id, err)
	}
	a, err := netip.ParseAddr(s.Addr)
	if err != nil {
		return fmt.Errorf("inbound endpoint %s has no address: %w", id, err)
	}
	return p.fab.EnsureDNSListener(s.VNet, s.Subnet, a)
}

func (p *Provider) unrealizeInbound(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var s inboundState
	if err := json.Unmarshal(st.Internal, &s); err != nil {
		return nil // never realized
	}
	a, err := netip.ParseAddr(s.Addr)
	if err != nil {
		return nil
	}
	return p.fab.RemoveDNSListener(s.VNet, a)
}

func (p *Provider) buildOutbound(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in OutboundEndpoint
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	loc, errs := checkTracked("outbound endpoint", id.Name(), in.Location)
	if refOf(in.Properties.Subnet) == "" {
		errs = append(errs, arm.InvalidParameter("properties.subnet.id",
			"Outbound endpoint '%s' needs properties.subnet.id, a subnet delegated to %s.", id.Name(), network.DNSResolvers))
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	old := kept[OutboundEndpoint](cur)
	if old == nil {
		if n, err := p.countSiblings(ctx, id, "outboundEndpoints"); err != nil {
			return arm.Record{}, err
		} else if n >= maxOutbound {
			return arm.Record{}, arm.InvalidParameter("name", "DNS resolver '%s' has %d outbound endpoints already, the most it can have.", id.Parent().Name(), n)
		}
	}
	info, res, err := p.endpointSubnet(ctx, id, "outbound", refOf(in.Properties.Subnet))
	if err != nil {
		return arm.Record{}, err
	}
	if !strings.EqualFold(res.Location, loc) {
		return arm.Record{}, arm.InvalidParameter("location", "Outbound endpoint '%s' must be in '%s', the region of its DNS resolver, not '%s'.", id.Name(), res.Location, loc)
	}
	if old != nil && !strings.EqualFold(refOf(old.Properties.Subnet), info.ID) {
		return arm.Record{}, arm.Errorf(http.StatusConflict, "Conflict",
			"The subnet of outbound endpoint '%s' is %s and cannot be changed; create another endpoint.", id.Name(), refOf(old.Properties.Subnet))
	}
	out := OutboundEndpoint{ID: id.String(), Name: id.Name(), Type: Namespace + "/" + typeOutbound, Location: loc, Tags: in.Tags,
		Properties: OutboundProps{Subnet: &SubRef{ID: info.ID}, ResourceGUID: uuid.NewString()}}
	if old != nil {
		out.Properties.ResourceGUID = old.Properties.ResourceGUID
	}
	b, err := json.Marshal(out)
	return arm.Record{Body: b}, err
}

// checkDeleteOutbound refuses to delete an endpoint a ruleset forwards through.
func (p *Provider) checkDeleteOutbound(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	sets, err := allOf[Ruleset](ctx, p.rulesets, p.rec)
	if err != nil {
		return err
	}
	for _, s := range sets {
		for _, e := range s.Properties.DNSResolverOutboundEndpoints {
			if strings.EqualFold(e.ID, id.String()) {
				return arm.Errorf(http.StatusConflict, "Conflict",
					"Outbound endpoint '%s' cannot be deleted while DNS forwarding ruleset %s uses it; delete the ruleset (and its virtual network links) first.",
					id.Name(), s.ID)
			}
		}
	}
	return nil
}
