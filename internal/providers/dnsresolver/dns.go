package dnsresolver

import (
	"context"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/miekg/dns"
)

// Zones answers from private DNS zones and the cloud's public DNS (the
// private DNS provider) and tells which of them holds a name.
type Zones interface {
	fabric.Resolver
	Holds(vnetID, name string) (linked, public bool)
}

// Resolver is what the fabric's DNS servers answer from: a network's
// linked private zones first, then the forwarding rules of the ruleset
// linked to it, then the cloud's public DNS, in Azure's order.
func (p *Provider) Resolver(z Zones) fabric.Forwarder { return &forwarder{p: p, zones: z} }

type forwarder struct {
	p     *Provider
	zones Zones
}

func (f *forwarder) Resolve(vnetID string, q dns.Question) ([]dns.RR, bool, int) {
	return f.zones.Resolve(vnetID, q)
}

// Forward finds the rule of the ruleset linked to the network whose domain
// is the longest suffix of the name; '.' matches every name but those the
// cloud itself owns, as Azure ignores its own domains for wildcard rules.
func (f *forwarder) Forward(vnetID string, q dns.Question) *fabric.Forward {
	set := f.p.current().byVNet[strings.ToLower(vnetID)]
	if set == nil || len(set.rules) == 0 {
		return nil
	}
	name := strings.ToLower(dns.Fqdn(q.Name))
	linked, public := f.zones.Holds(vnetID, name)
	if linked {
		return nil
	}
	r := set.match(name)
	if r == nil || r.domain == "." && public {
		return nil
	}
	return &fabric.Forward{VNet: set.vnet, Source: set.source, Targets: r.targets}
}

// index is the forwarding of every linked network, as of a generation of
// the records.
type index struct {
	gen    int64
	byVNet map[string]*ruleSet
}

// ruleSet is a ruleset as the DNS servers use it: its enabled rules, and
// where forwarded queries leave from (the router of its outbound
// endpoint's network, from the gateway of the endpoint's subnet).
type ruleSet struct {
	name   string
	vnet   string
	source netip.Addr
	rules  []rule
}

type rule struct {
	name    string
	domain  string // lower case, with the trailing dot
	targets []netip.AddrPort
}

// match is the enabled rule whose domain is the longest suffix of name.
func (s *ruleSet) match(name string) *rule {
	var best *rule
	for i := range s.rules {
		r := &s.rules[i]
		if (r.domain == "." || name == r.domain || strings.HasSuffix(name, "."+r.domain)) && (best == nil || len(r.domain) > len(best.domain)) {
			best = r
		}
	}
	return best
}

// current returns the index, rebuilt when the records changed.
func (p *Provider) current() *index {
	gen := p.rec.Generation()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.index != nil && p.index.gen == gen {
		return p.index
	}
	idx, err := p.build(context.Background(), gen)
	if err != nil {
		p.log.Error("building the DNS forwarding index", "err", err)
		if p.index != nil {
			return p.index
		}
		return &index{byVNet: map[string]*ruleSet{}}
	}
	p.index = idx
	return idx
}

func (p *Provider) build(ctx context.Context, gen int64) (*index, error) {
	all, err := p.rec.OfTypes(ctx, Namespace+"/"+typeRuleset, Namespace+"/"+typeOutbound, Namespace+"/"+typeRule, Namespace+"/"+typeLink)
	if err != nil {
		return nil, err
	}
	sets := map[string]*Ruleset{}
	outbound := map[string]*OutboundEndpoint{}
	var rules []*Rule
	var links []*Link
	for _, st := range all {
		id, err := arm.ParseID(arm.IDOf(st.Body))
		if err != nil {
			continue
		}
		switch t := strings.ToLower(id.Type()); t {
		case strings.ToLower(Namespace + "/" + typeRuleset):
			if v, err := decode[Ruleset](st.Body); err == nil {
				sets[strings.ToLower(id.String())] = v
			}
		case strings.ToLower(Namespace + "/" + typeOutbound):
			if v, err := decode[OutboundEndpoint](st.Body); err == nil {
				outbound[strings.ToLower(id.String())] = v
			}
		case strings.ToLower(Namespace + "/" + typeRule):
			if v, err := decode[Rule](st.Body); err == nil {
				rules = append(rules, v)
			}
		case strings.ToLower(Namespace + "/" + typeLink):
			if v, err := decode[Link](st.Body); err == nil && arm.State(st.Body) == arm.Succeeded {
				links = append(links, v)
			}
		}
	}
	bySet := map[string]*ruleSet{}
	for key, s := range sets {
		rs := &ruleSet{name: s.Name}
		for _, e := range s.Properties.DNSResolverOutboundEndpoints {
			ep := outbound[strings.ToLower(e.ID)]
			if ep == nil {
				continue
			}
			info, err := p.net.Subnet(ctx, refOf(ep.Properties.Subnet))
			if err != nil {
				continue
			}
			rs.vnet, rs.source = info.VNet, fabric.Gateway(info.Prefix)
			break
		}
		if rs.vnet != "" {
			bySet[key] = rs
		}
	}
	for _, r := range rules {
		rid, err := arm.ParseID(r.ID)
		rs := bySet[strings.ToLower(rid.Parent().String())]
		if err != nil || rs == nil || r.Properties.ForwardingRuleState != "Enabled" {
			continue
		}
		var targets []netip.AddrPort
		for _, t := range r.Properties.TargetDNSServers {
			a, err := netip.ParseAddr(t.IPAddress)
			if err != nil {
				continue
			}
			port := 53
			if t.Port != nil {
				port = *t.Port
			}
			targets = append(targets, netip.AddrPortFrom(a, uint16(port)))
		}
		if len(targets) > 0 {
			rs.rules = append(rs.rules, rule{name: rid.Name(), domain: strings.ToLower(r.Properties.DomainName), targets: targets})
		}
	}
	idx := &index{gen: gen, byVNet: map[string]*ruleSet{}}
	for _, l := range links {
		lid, err := arm.ParseID(l.ID)
		if rs := bySet[strings.ToLower(lid.Parent().String())]; err == nil && rs != nil {
			idx.byVNet[strings.ToLower(refOf(l.Properties.VirtualNetwork))] = rs
		}
	}
	return idx, nil
}
