package network

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// peIPConfig is an element of a private endpoint's ipConfigurations: the
// static address of one member of the group it connects to.
type peIPConfig struct {
	Name       string `json:"name"`
	Properties struct {
		GroupID          string `json:"groupId"`
		MemberName       string `json:"memberName"`
		PrivateIPAddress string `json:"privateIPAddress"`
	} `json:"properties"`
}

// checkStaticIPs validates the static addresses a private endpoint asks
// for in ipConfigurations, one per member of what it connects to (by
// memberName when there are several), and returns them by member ("" for a
// member without one; nil when none is asked for). Each address must be
// usable and free in the endpoint's subnet, and an endpoint keeps the
// addresses it was made with, as in Azure.
func (p *Provider) checkStaticIPs(ctx context.Context, id arm.ResourceID, subnetID string, cfgs []any, cur *arm.Stored, members []Member) ([]string, error) {
	if len(cfgs) == 0 {
		return nil, nil
	}
	raw, _ := json.Marshal(cfgs)
	var in []peIPConfig
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, arm.BadRequest("InvalidRequestContent", "properties.ipConfigurations of private endpoint '%s' is not a list of {name, properties: {groupId, memberName, privateIPAddress}}: %v.", id.Name(), err)
	}
	n := max(1, len(members))
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.Name
	}
	if len(in) > n {
		return nil, arm.InvalidParameter("properties.ipConfigurations",
			"Private endpoint '%s' has %d ipConfigurations; what it connects to has %d member(s)%s, so give at most one per member.", id.Name(), len(in), n, listed(names))
	}
	pfx, _, aerr := p.subnetPrefix(ctx, subnetID)
	if aerr != nil {
		return nil, aerr
	}
	var o owner
	var have []string
	if cur != nil {
		o = ownerOf(cur)
		have = p.ownedNICAddresses(ctx, o.NIC)
	}
	out := make([]string, n)
	var picked []netip.Addr
	for k, c := range in {
		at := fmt.Sprintf("properties.ipConfigurations[%d]", k)
		i := 0
		if len(members) > 1 {
			i = slices.IndexFunc(members, func(m Member) bool { return strings.EqualFold(m.Name, c.Properties.MemberName) })
			if i < 0 || out[i] != "" {
				return nil, arm.InvalidParameter(at+".properties.memberName",
					"IP configuration '%s' of private endpoint '%s' names member '%s'; each must name a different one of%s.", c.Name, id.Name(), c.Properties.MemberName, listed(names))
			}
		}
		if _, err := netip.ParseAddr(c.Properties.PrivateIPAddress); err != nil || c.Name == "" {
			return nil, arm.InvalidParameter(at,
				"IP configuration '%s' of private endpoint '%s' needs a name and properties.privateIPAddress, an IPv4 address of its subnet; '%s' is not one.",
				c.Name, id.Name(), c.Properties.PrivateIPAddress)
		}
		self := ""
		if o.NIC != "" {
			self = o.NIC + "/ipConfigurations/" + peConfigName(owner{Members: members}, i)
			if i < len(have) && have[i] != c.Properties.PrivateIPAddress {
				return nil, arm.InvalidParameter(at+".properties.privateIPAddress",
					"Private endpoint '%s' has address %s; its address cannot change to %s. Delete the endpoint and create it again.", id.Name(), have[i], c.Properties.PrivateIPAddress)
			}
		}
		a, _, err := p.pick(ctx, pfx, subnetID, self, c.Name, "Static", c.Properties.PrivateIPAddress, netip.Addr{}, picked...)
		if err != nil {
			return nil, err
		}
		picked = append(picked, a)
		out[i] = a.String()
	}
	return out, nil
}

// listed is " (a, b)" for names, or nothing when there are none.
func listed(names []string) string {
	if len(names) == 0 || (len(names) == 1 && names[0] == "") {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}
