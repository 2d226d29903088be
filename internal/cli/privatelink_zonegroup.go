package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/spf13/cobra"
)

// 'network private-endpoint dns-zone-group': the zones an endpoint's A
// records are written to (and removed from with the group or endpoint).

func zoneGroupCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "dns-zone-group", Short: "Manage the private DNS zone groups of a private endpoint"}
	g.AddCommand(zoneGroupWriteCmd(a, "create", "Create a private DNS zone group with one zone"),
		zoneGroupWriteCmd(a, "add", "Add a zone to a private DNS zone group"),
		zoneGroupRemoveCmd(a), zoneGroupShowCmd(a), zoneGroupListCmd(a), zoneGroupDeleteCmd(a))
	return g
}

// zoneGroupFlags adds -g, --endpoint-name and (with name) -n.
func zoneGroupFlags(cmd *cobra.Command, rg, endpoint, name *string) {
	cmd.Flags().StringVarP(rg, "resource-group", "g", "", "name of the resource group")
	cmd.Flags().StringVar(endpoint, "endpoint-name", "", "name of the private endpoint")
	if name != nil {
		cmd.Flags().StringVarP(name, "name", "n", "", "name of the private DNS zone group")
	}
}

func zoneGroupWriteCmd(a *App, use, short string) *cobra.Command {
	var rg, endpoint, name, zone, config string
	cmd := a.simple(simpleCmd{use: use, short: short, names: pythonNames,
		required: []string{"resource-group", "endpoint-name", "name", "private-dns-zone", "zone-name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			zc := c.net.NewPrivateDNSZoneGroupsClient()
			group := armnetwork.PrivateDNSZoneGroup{Properties: &armnetwork.PrivateDNSZoneGroupPropertiesFormat{}}
			if use == "add" {
				cur, err := zc.Get(ctx, rg, endpoint, name, nil)
				if err != nil {
					return nil, err
				}
				group.Properties.PrivateDNSZoneConfigs = cur.Properties.PrivateDNSZoneConfigs
			}
			group.Properties.PrivateDNSZoneConfigs = append(group.Properties.PrivateDNSZoneConfigs, &armnetwork.PrivateDNSZoneConfig{
				Name: to.Ptr(config), Properties: &armnetwork.PrivateDNSZonePropertiesFormat{
					PrivateDNSZoneID: to.Ptr(c.orID(zone, rg, "Microsoft.Network", "privateDnsZones"))}})
			p, err := zc.BeginCreateOrUpdate(ctx, rg, endpoint, name, group, nil)
			if err != nil {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.PrivateDNSZoneGroup, err
		}})
	zoneGroupFlags(cmd, &rg, &endpoint, &name)
	cmd.Flags().StringVar(&zone, "private-dns-zone", "", "name (in the group) or resource ID of the private DNS zone")
	cmd.Flags().StringVar(&config, "zone-name", "", "name of the zone's configuration in the group")
	return cmd
}

func zoneGroupRemoveCmd(a *App) *cobra.Command {
	var rg, endpoint, name, config string
	cmd := a.simple(simpleCmd{use: "remove", short: "Remove a zone from a private DNS zone group", names: pythonNames,
		required: []string{"resource-group", "endpoint-name", "name", "zone-name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			zc := c.net.NewPrivateDNSZoneGroupsClient()
			cur, err := zc.Get(ctx, rg, endpoint, name, nil)
			if err != nil {
				return nil, err
			}
			var keep []*armnetwork.PrivateDNSZoneConfig
			for _, z := range cur.Properties.PrivateDNSZoneConfigs {
				if !strings.EqualFold(deref(z.Name), config) {
					z.Properties.RecordSets = nil
					keep = append(keep, z)
				}
			}
			if len(keep) == len(cur.Properties.PrivateDNSZoneConfigs) {
				return nil, fmt.Errorf("Zone '%s' is not in private DNS zone group '%s'.", config, name)
			}
			if len(keep) == 0 {
				return nil, fmt.Errorf("Zone '%s' is the last of private DNS zone group '%s'; delete the group instead.", config, name)
			}
			cur.Properties.PrivateDNSZoneConfigs = keep
			p, err := zc.BeginCreateOrUpdate(ctx, rg, endpoint, name, cur.PrivateDNSZoneGroup, nil)
			if err != nil {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.PrivateDNSZoneGroup, err
		}})
	zoneGroupFlags(cmd, &rg, &endpoint, &name)
	cmd.Flags().StringVar(&config, "zone-name", "", "name of the zone's configuration to remove")
	return cmd
}

func zoneGroupShowCmd(a *App) *cobra.Command {
	var rg, endpoint, name string
	cmd := a.simple(simpleCmd{use: "show", short: "Show a private DNS zone group", names: pythonNames,
		required: []string{"resource-group", "endpoint-name", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			resp, err := c.net.NewPrivateDNSZoneGroupsClient().Get(ctx, rg, endpoint, name, nil)
			return resp.PrivateDNSZoneGroup, err
		}})
	zoneGroupFlags(cmd, &rg, &endpoint, &name)
	return cmd
}

func zoneGroupListCmd(a *App) *cobra.Command {
	var rg, endpoint string
	cmd := a.simple(simpleCmd{use: "list", short: "List the private DNS zone groups of a private endpoint", names: pythonNames,
		required: []string{"resource-group", "endpoint-name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			return collect(ctx, c.net.NewPrivateDNSZoneGroupsClient().NewListPager(endpoint, rg, nil),
				func(p armnetwork.PrivateDNSZoneGroupsClientListResponse) []*armnetwork.PrivateDNSZoneGroup {
					return p.Value
				})
		}})
	zoneGroupFlags(cmd, &rg, &endpoint, nil)
	return cmd
}

func zoneGroupDeleteCmd(a *App) *cobra.Command {
	var rg, endpoint, name string
	cmd := a.simple(simpleCmd{use: "delete", short: "Delete a private DNS zone group and its records",
		required: []string{"resource-group", "endpoint-name", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			p, err := c.net.NewPrivateDNSZoneGroupsClient().BeginDelete(ctx, rg, endpoint, name, nil)
			if err != nil {
				return nil, err
			}
			_, err = pollDone(ctx, a, p)
			return nil, err
		}})
	zoneGroupFlags(cmd, &rg, &endpoint, &name)
	return cmd
}
