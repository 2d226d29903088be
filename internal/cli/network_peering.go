package cli

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/spf13/cobra"
)

func peeringCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "peering", Short: "Manage peerings of a virtual network"}
	g.AddCommand(peeringCreateCmd(a))
	g.AddCommand(a.commands(kind{typ: "virtualNetworkPeerings", what: "peering", parent: "vnet-name",
		get: func(ctx context.Context, c *clients, r ref) (any, error) {
			resp, err := c.net.NewVirtualNetworkPeeringsClient().Get(ctx, r.rg, r.parent, r.name, nil)
			return resp.VirtualNetworkPeering, err
		},
		del: func(ctx context.Context, c *clients, r ref) (waiter, error) {
			return begun(c.net.NewVirtualNetworkPeeringsClient().BeginDelete(ctx, r.rg, r.parent, r.name, nil))
		}})...)
	return g
}

// orFalse is az's default for the peering switches: false when not given.
func orFalse(b *bool) *bool {
	if b == nil {
		return to.Ptr(false)
	}
	return b
}

func peeringCreateCmd(a *App) *cobra.Command {
	var rg, vnet, name, remote string
	var vnetAccess, forwarded, gatewayTransit, remoteGateways *bool
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create a peering from a virtual network to another one",
		required: []string{"resource-group", "vnet-name", "name", "remote-vnet"},
		call: func(ctx context.Context, c *clients) (any, error) {
			pe := armnetwork.VirtualNetworkPeering{Properties: &armnetwork.VirtualNetworkPeeringPropertiesFormat{
				RemoteVirtualNetwork:      &armnetwork.SubResource{ID: to.Ptr(c.orID(remote, rg, "Microsoft.Network", "virtualNetworks"))},
				AllowVirtualNetworkAccess: orFalse(vnetAccess),
				AllowForwardedTraffic:     orFalse(forwarded),
				AllowGatewayTransit:       orFalse(gatewayTransit),
				UseRemoteGateways:         orFalse(remoteGateways),
			}}
			p, err := c.net.NewVirtualNetworkPeeringsClient().BeginCreateOrUpdate(ctx, rg, vnet, name, pe, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.VirtualNetworkPeering, err
		}})
	childFlags(cmd, &rg, &vnet, &name, "peering")
	f := cmd.Flags()
	f.StringVar(&remote, "remote-vnet", "", "name or ID of the remote virtual network")
	triBoolFlag(f, &vnetAccess, "allow-vnet-access", "allow access from the local VNet to the remote VNet")
	triBoolFlag(f, &forwarded, "allow-forwarded-traffic", "allow traffic forwarded from the remote VNet")
	triBoolFlag(f, &gatewayTransit, "allow-gateway-transit", "allow gateway links to be used in the remote VNet")
	triBoolFlag(f, &remoteGateways, "use-remote-gateways", "use the remote VNet's gateways")
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}
