package network

import (
	"context"
	"encoding/json"
	"net/netip"

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

// checkStaticIPs validates the static address a private endpoint asks for
// in ipConfigurations (one member: the endpoint's one address) and returns
// it ("" when none is asked for). The address must be usable and free in
// the endpoint's subnet, and an endpoint keeps the address it was made
// with, as in Azure.
func (p *Provider) checkStaticIPs(ctx context.Context, id arm.ResourceID, subnetID string, cfgs []any, cur *arm.Stored) (string, error) {
	if len(cfgs) == 0 {
		return "", nil
	}
	raw, _ := json.Marshal(cfgs)
	var in []peIPConfig
	if err := json.Unmarshal(raw, &in); err != nil {
		return "", arm.BadRequest("InvalidRequestContent", "properties.ipConfigurations of private endpoint '%s' is not a list of {name, properties: {groupId, memberName, privateIPAddress}}: %v.", id.Name(), err)
	}
	if len(in) > 1 {
		return "", arm.InvalidParameter("properties.ipConfigurations",
			"Private endpoint '%s' has %d ipConfigurations; the private link services aksbox serves have one member, so give one.", id.Name(), len(in))
	}
	c := in[0]
	if _, err := netip.ParseAddr(c.Properties.PrivateIPAddress); err != nil || c.Name == "" {
		return "", arm.InvalidParameter("properties.ipConfigurations[0]",
			"IP configuration '%s' of private endpoint '%s' needs a name and properties.privateIPAddress, an IPv4 address of its subnet; '%s' is not one.",
			c.Name, id.Name(), c.Properties.PrivateIPAddress)
	}
	pfx, _, aerr := p.subnetPrefix(ctx, subnetID)
	if aerr != nil {
		return "", aerr
	}
	self := ""
	if cur != nil {
		o := ownerOf(cur)
		if o.NIC != "" {
			self = o.NIC + "/ipConfigurations/" + peIPConfigName
			if ip := p.ownedNICAddress(ctx, o.NIC); ip != "" && ip != c.Properties.PrivateIPAddress {
				return "", arm.InvalidParameter("properties.ipConfigurations[0].properties.privateIPAddress",
					"Private endpoint '%s' has address %s; its address cannot change to %s. Delete the endpoint and create it again.", id.Name(), ip, c.Properties.PrivateIPAddress)
			}
		}
	}
	a, _, err := p.pick(ctx, pfx, subnetID, self, c.Name, "Static", c.Properties.PrivateIPAddress, netip.Addr{})
	if err != nil {
		return "", err
	}
	return a.String(), nil
}
