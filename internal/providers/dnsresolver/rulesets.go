package dnsresolver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/google/uuid"
)

func (p *Provider) buildRuleset(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in Ruleset
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	loc, errs := checkTracked("DNS forwarding ruleset", id.Name(), in.Location)
	eps := in.Properties.DNSResolverOutboundEndpoints
	if len(eps) == 0 || len(eps) > maxRulesetOutbound {
		errs = append(errs, arm.InvalidParameter("properties.dnsResolverOutboundEndpoints",
			"DNS forwarding ruleset '%s' needs 1 to %d outbound endpoints of one DNS resolver; it has %d.", id.Name(), maxRulesetOutbound, len(eps)))
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	sets, err := allOf[Ruleset](ctx, p.rulesets, p.rec)
	if err != nil {
		return arm.Record{}, err
	}
	refs := make([]SubRef, 0, len(eps))
	resolver := ""
	for i, e := range eps {
		target := fmt.Sprintf("properties.dnsResolverOutboundEndpoints[%d].id", i)
		eid, perr := arm.ParseID(e.ID)
		var ep *OutboundEndpoint
		if perr == nil && strings.EqualFold(eid.Type(), Namespace+"/"+typeOutbound) {
			if ep, err = read[OutboundEndpoint](ctx, p.rec, eid.String()); err != nil {
				return arm.Record{}, err
			}
		}
		if ep == nil {
			return arm.Record{}, arm.InvalidParameter(target,
				"Outbound endpoint %s referenced by DNS forwarding ruleset '%s' was not found; create it first or check the ID.", e.ID, id.Name())
		}
		if !strings.EqualFold(ep.Location, loc) {
			return arm.Record{}, arm.InvalidParameter(target,
				"Outbound endpoint %s is in '%s', not in '%s' with DNS forwarding ruleset '%s': a ruleset's outbound endpoints are in its region.",
				ep.ID, ep.Location, loc, id.Name())
		}
		owner, _ := arm.ParseID(ep.ID)
		if resolver != "" && !strings.EqualFold(resolver, owner.Parent().String()) {
			return arm.Record{}, arm.InvalidParameter(target,
				"The outbound endpoints of DNS forwarding ruleset '%s' belong to two DNS resolvers; use endpoints of one resolver.", id.Name())
		}
		resolver = owner.Parent().String()
		n := 0
		for _, s := range sets {
			for _, o := range s.Properties.DNSResolverOutboundEndpoints {
				if strings.EqualFold(o.ID, ep.ID) && !strings.EqualFold(s.ID, id.String()) {
					n++
				}
			}
		}
		if n >= maxOutboundRuleset {
			return arm.Record{}, arm.InvalidParameter(target,
				"Outbound endpoint %s is used by %d DNS forwarding rulesets already, the most it can be.", ep.ID, n)
		}
		refs = append(refs, SubRef{ID: ep.ID})
	}
	out := Ruleset{ID: id.String(), Name: id.Name(), Type: Namespace + "/" + typeRuleset, Location: loc, Tags: in.Tags,
		Properties: RulesetProps{DNSResolverOutboundEndpoints: refs, ResourceGUID: uuid.NewString()}}
	if old := kept[Ruleset](cur); old != nil {
		out.Properties.ResourceGUID = old.Properties.ResourceGUID
	}
	b, err := json.Marshal(out)
	return arm.Record{Body: b}, err
}

// checkDeleteRuleset refuses to delete a ruleset still linked to networks.
func (p *Provider) checkDeleteRuleset(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	links, err := children[Link](ctx, p.rec, id, "virtualNetworkLinks")
	if err != nil {
		return err
	}
	if len(links) > 0 {
		return arm.Errorf(http.StatusConflict, "Conflict",
			"DNS forwarding ruleset '%s' cannot be deleted while it is linked to virtual networks (link %s); delete its virtual network links first.",
			id.Name(), links[0].ID)
	}
	return nil
}

func (p *Provider) buildRule(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in Rule
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	var errs []*arm.Error
	if e := validName("forwarding rule", id.Name()); e != nil {
		errs = append(errs, e)
	}
	domain := in.Properties.DomainName
	if domain == "" {
		errs = append(errs, arm.InvalidParameter("properties.domainName",
			"Forwarding rule '%s' needs properties.domainName, a domain name ending with a dot such as 'contoso.com.'.", id.Name()))
	} else if e := checkDomain(domain); e != nil {
		errs = append(errs, e)
	}
	targets, es := checkTargets(in.Properties.TargetDNSServers)
	errs = append(errs, es...)
	state := in.Properties.ForwardingRuleState
	switch {
	case state == "" || strings.EqualFold(state, "Enabled"):
		state = "Enabled"
	case strings.EqualFold(state, "Disabled"):
		state = "Disabled"
	default:
		errs = append(errs, arm.InvalidParameter("properties.forwardingRuleState",
			"The forwarding rule state '%s' is neither Enabled nor Disabled.", state))
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	siblings, err := children[Rule](ctx, p.rec, id.Parent(), "forwardingRules")
	if err != nil {
		return arm.Record{}, err
	}
	n := 0
	for _, s := range siblings {
		if strings.EqualFold(s.ID, id.String()) {
			continue
		}
		n++
		if strings.EqualFold(s.Properties.DomainName, domain) {
			return arm.Record{}, arm.Errorf(http.StatusConflict, "Conflict",
				"Forwarding rule %s of ruleset '%s' has the domain name '%s' already; a ruleset has one rule per domain name.", s.Name, id.Parent().Name(), domain)
		}
	}
	if n >= maxRules {
		return arm.Record{}, arm.InvalidParameter("name", "DNS forwarding ruleset '%s' has %d forwarding rules already, the most it can have.", id.Parent().Name(), n)
	}
	out := Rule{ID: id.String(), Name: id.Name(), Type: Namespace + "/" + typeRule,
		Properties: RuleProps{DomainName: domain, TargetDNSServers: targets, Metadata: in.Properties.Metadata, ForwardingRuleState: state}}
	b, err := json.Marshal(out)
	return arm.Record{Body: b}, err
}

func (p *Provider) buildLink(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in Link
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	if e := validName("virtual network link", id.Name()); e != nil {
		return arm.Record{}, e
	}
	vnetID := refOf(in.Properties.VirtualNetwork)
	if vnetID == "" {
		return arm.Record{}, arm.InvalidParameter("properties.virtualNetwork.id",
			"Virtual network link '%s' needs properties.virtualNetwork.id, the network whose DNS uses the ruleset.", id.Name())
	}
	if old := kept[Link](cur); old != nil && !strings.EqualFold(refOf(old.Properties.VirtualNetwork), vnetID) {
		return arm.Record{}, arm.Errorf(http.StatusConflict, "Conflict",
			"The virtual network of link '%s' is %s and cannot be changed; create another link.", id.Name(), refOf(old.Properties.VirtualNetwork))
	}
	v, err := p.readVNet(ctx, vnetID)
	if err != nil {
		return arm.Record{}, err
	}
	if v == nil {
		return arm.Record{}, arm.InvalidParameter("properties.virtualNetwork.id",
			"Virtual network %s referenced by link '%s' was not found; create it first or check the ID.", vnetID, id.Name())
	}
	set, err := read[Ruleset](ctx, p.rec, id.Parent().String())
	if err != nil || set == nil {
		return arm.Record{}, orNotFound(err, id.Parent())
	}
	if !strings.EqualFold(set.Location, v.Location) {
		return arm.Record{}, arm.InvalidParameter("properties.virtualNetwork.id",
			"Virtual network %s is in '%s' and DNS forwarding ruleset '%s' in '%s': a ruleset can only be linked to virtual networks in its region.",
			v.ID, v.Location, set.Name, set.Location)
	}
	links, err := allOf[Link](ctx, p.links, p.rec)
	if err != nil {
		return arm.Record{}, err
	}
	n := 0
	for _, l := range links {
		if strings.EqualFold(l.ID, id.String()) {
			continue
		}
		lid, _ := arm.ParseID(l.ID)
		if strings.EqualFold(lid.Parent().String(), id.Parent().String()) {
			n++
		}
		if strings.EqualFold(refOf(l.Properties.VirtualNetwork), v.ID) {
			return arm.Record{}, arm.Errorf(http.StatusConflict, "Conflict",
				"Virtual network %s is linked to DNS forwarding ruleset %s already (link %s); a virtual network can be linked to one ruleset only.",
				v.ID, lid.Parent().String(), l.ID)
		}
	}
	if n >= maxLinks {
		return arm.Record{}, arm.InvalidParameter("name", "DNS forwarding ruleset '%s' has %d virtual network links already, the most it can have.", set.Name, n)
	}
	out := Link{ID: id.String(), Name: id.Name(), Type: Namespace + "/" + typeLink,
		Properties: LinkProps{VirtualNetwork: &SubRef{ID: v.ID}, Metadata: in.Properties.Metadata}}
	b, err := json.Marshal(out)
	return arm.Record{Body: b}, err
}
