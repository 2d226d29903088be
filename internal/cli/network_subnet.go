package cli

import (
	"context"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/spf13/cobra"
)

func subnetCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "subnet", Short: "Manage subnets of a virtual network"}
	g.AddCommand(subnetCreateCmd(a, false), subnetCreateCmd(a, true))
	g.AddCommand(a.commands(kind{typ: "subnets", what: "subnet", parent: "vnet-name",
		get: func(ctx context.Context, c *clients, r ref) (any, error) {
			resp, err := c.net.NewSubnetsClient().Get(ctx, r.rg, r.parent, r.name, nil)
			return resp.Subnet, err
		},
		del: func(ctx context.Context, c *clients, r ref) (waiter, error) {
			return begun(c.net.NewSubnetsClient().BeginDelete(ctx, r.rg, r.parent, r.name, nil))
		}})...)
	return g
}

// netPolicy turns --disable-...-network-policies into the API's value.
func netPolicy(disable *bool) *string {
	if disable == nil {
		return nil
	}
	if *disable {
		return to.Ptr("Disabled")
	}
	return to.Ptr("Enabled")
}

// subnetCreateCmd is 'subnet create', or 'subnet update' (which keeps
// what is not given).
func subnetCreateCmd(a *App, update bool) *cobra.Command {
	var rg, vnet, name string
	var prefixes, delegations []string
	var noPE, noPLS *bool
	var noWait bool
	var cmd *cobra.Command
	use, short := "create", "Create a subnet in a virtual network"
	if update {
		use, short = "update", "Update a subnet's address prefixes or network policies"
	}
	cmd = a.simple(simpleCmd{use: use, short: short, required: []string{"resource-group", "vnet-name", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			sc := c.net.NewSubnetsClient()
			s := subnetModel("", prefixes)
			if update {
				cur, err := sc.Get(ctx, rg, vnet, name, nil)
				if err != nil {
					return nil, err
				}
				s = &cur.Subnet
				if s.Properties == nil {
					s.Properties = &armnetwork.SubnetPropertiesFormat{}
				}
				if cmd.Flags().Changed("address-prefixes") {
					n := subnetModel("", prefixes)
					s.Properties.AddressPrefix, s.Properties.AddressPrefixes = n.Properties.AddressPrefix, n.Properties.AddressPrefixes
				}
			}
			if !update || cmd.Flags().Changed("delegations") {
				s.Properties.Delegations = subnetDelegations(delegations)
			}
			if p := netPolicy(noPE); p != nil {
				s.Properties.PrivateEndpointNetworkPolicies = (*armnetwork.VirtualNetworkPrivateEndpointNetworkPolicies)(p)
			}
			if p := netPolicy(noPLS); p != nil {
				s.Properties.PrivateLinkServiceNetworkPolicies = (*armnetwork.VirtualNetworkPrivateLinkServiceNetworkPolicies)(p)
			}
			p, err := sc.BeginCreateOrUpdate(ctx, rg, vnet, name, *s, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.Subnet, err
		}})
	childFlags(cmd, &rg, &vnet, &name, "subnet")
	f := cmd.Flags()
	multiFlag(f, &prefixes, "address-prefixes", "", nil, "space-separated address prefixes in CIDR format")
	multiFlag(f, &delegations, "delegations", "", nil, "space-separated services the subnet is delegated to, e.g. Microsoft.Network/dnsResolvers")
	triBoolFlag(f, &noPE, "disable-private-endpoint-network-policies", "disable private endpoint network policies on the subnet")
	triBoolFlag(f, &noPLS, "disable-private-link-service-network-policies", "disable private link service network policies on the subnet")
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}

// subnetDelegations are az's delegations of --delegations: named by their
// position ("0", "1", ...), a service written Microsoft.Network.dnsResolvers
// read as Microsoft.Network/dnsResolvers; an empty value clears them.
func subnetDelegations(services []string) []*armnetwork.Delegation {
	out := []*armnetwork.Delegation{}
	for _, svc := range services {
		if svc == "" || svc == `""` || svc == "''" {
			continue
		}
		if parts := strings.Split(svc, "."); !strings.Contains(svc, "/") && len(parts) == 3 {
			svc = "Microsoft." + parts[1] + "/" + parts[2]
		}
		out = append(out, &armnetwork.Delegation{Name: to.Ptr(strconv.Itoa(len(out))),
			Properties: &armnetwork.ServiceDelegationPropertiesFormat{ServiceName: to.Ptr(svc)}})
	}
	return out
}
