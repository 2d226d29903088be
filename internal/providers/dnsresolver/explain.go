package dnsresolver

import (
	"context"
	"fmt"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/miekg/dns"
)

// ExplainForwarding says how the DNS of a VNet (its 168.63.129.16, or an
// inbound endpoint in it) forwards name: by which rule of which ruleset
// linked to the VNet, to which servers; or that no ruleset is linked to
// it, or none of its rules matches ("" when nothing forwards and no
// ruleset is involved at all).
func (p *Provider) ExplainForwarding(vnetID, name string) string {
	idx := p.current()
	set := idx.byVNet[strings.ToLower(vnetID)]
	fq := strings.ToLower(dns.Fqdn(name))
	if set == nil {
		for _, other := range idx.byVNet {
			if r := other.match(fq); r != nil && r.domain != "." {
				return fmt.Sprintf("No DNS forwarding ruleset is linked to this VNet, so no rule forwards %s here (ruleset '%s' has rule '%s' for %s, but a ruleset applies only to the VNets linked to it).",
					name, other.name, r.name, r.domain)
			}
		}
		return ""
	}
	r := set.match(fq)
	if r == nil {
		return fmt.Sprintf("DNS forwarding ruleset '%s' is linked to this VNet, but none of its rules matches %s.", set.name, name)
	}
	targets := make([]string, len(r.targets))
	for i, t := range r.targets {
		targets[i] = t.String()
	}
	return fmt.Sprintf("DNS forwarding ruleset '%s' is linked to this VNet: its rule '%s' (%s, the longest matching domain) forwards %s to %s, asked from the outbound endpoint's subnet; if they do not know the name, nothing else is asked.",
		set.name, r.name, r.domain, name, strings.Join(targets, ", "))
}

// InboundEndpointAt is the VNet and name of the inbound endpoint whose
// address is ip, if any.
func (p *Provider) InboundEndpointAt(ctx context.Context, ip string) (vnetID, endpoint string, ok bool) {
	all, err := p.inbound.All(ctx, p.rec)
	if err != nil {
		return "", "", false
	}
	for _, st := range all {
		ep, err := decode[InboundEndpoint](st.Body)
		if err != nil {
			continue
		}
		for _, c := range ep.Properties.IPConfigurations {
			if c.PrivateIPAddress == ip {
				sid, err := arm.ParseID(refOf(c.Subnet))
				if err != nil {
					continue
				}
				return sid.Parent().String(), ep.Name, true
			}
		}
	}
	return "", "", false
}
