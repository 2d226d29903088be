package cli

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

// dnsLinkCmd is 'private-dns link': az has one kind of link, 'vnet'.
func dnsLinkCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "link", Short: "Manage links of private DNS zones"}
	v := &cobra.Command{Use: "vnet", Short: "Manage links between private DNS zones and virtual networks"}
	v.AddCommand(dnsLinkCreateCmd(a))
	v.AddCommand(a.dnsCommands(dnsKind{what: "virtual network link", inZone: true, noWait: true, table: dnsLinkTable,
		get: func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			resp, err := f.NewVirtualNetworkLinksClient().Get(ctx, r.rg, r.parent, r.name, nil)
			return resp.VirtualNetworkLink, err
		},
		list: func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			return collect(ctx, f.NewVirtualNetworkLinksClient().NewListPager(r.rg, r.parent, nil),
				func(p armprivatedns.VirtualNetworkLinksClientListResponse) []*armprivatedns.VirtualNetworkLink {
					return p.Value
				})
		},
		del: func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (waiter, error) {
			return begun(f.NewVirtualNetworkLinksClient().BeginDelete(ctx, r.rg, r.parent, r.name, nil))
		}})...)
	g.AddCommand(v)
	return g
}

// dnsLinkTable is az's table of virtual network links.
func dnsLinkTable(v any) any {
	return mapRows(v, func(l map[string]any) output.Ordered {
		vnet, _ := l["virtualNetwork"].(map[string]any)
		return row("LinkName", l["name"], "ResourceGroup", l["resourceGroup"], "RegistrationEnabled", l["registrationEnabled"],
			"VirtualNetwork", vnet["id"], "LinkState", l["virtualNetworkLinkState"], "ProvisioningState", l["provisioningState"])
	})
}

func dnsLinkCreateCmd(a *App) *cobra.Command {
	var rg, zone, name, vnet string
	var registration *bool
	var tags []string
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Link a private DNS zone to a virtual network",
		required: []string{"resource-group", "zone-name", "name", "virtual-network", "registration-enabled"},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			f, err := privateDNS(c)
			if err != nil {
				return nil, err
			}
			link := armprivatedns.VirtualNetworkLink{Location: to.Ptr("global"), Tags: strPtrMap(t),
				Properties: &armprivatedns.VirtualNetworkLinkProperties{RegistrationEnabled: registration,
					VirtualNetwork: &armprivatedns.SubResource{ID: to.Ptr(c.orID(vnet, rg, "Microsoft.Network", "virtualNetworks"))}}}
			p, err := f.NewVirtualNetworkLinksClient().BeginCreateOrUpdate(ctx, rg, zoneName(zone), name, link,
				&armprivatedns.VirtualNetworkLinksClientBeginCreateOrUpdateOptions{IfNoneMatch: createOnly})
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.VirtualNetworkLink, err
		}})
	f := cmd.Flags()
	f.StringVarP(&rg, "resource-group", "g", "", "name of the resource group")
	zoneFlag(cmd, &zone)
	f.StringVarP(&name, "name", "n", "", "name of the virtual network link")
	f.StringVarP(&vnet, "virtual-network", "v", "", "name or ID of the virtual network")
	f.VarP(&triBool{dst: &registration}, "registration-enabled", "e",
		"whether VMs of the virtual network get A records in the zone automatically (true/false)")
	f.Lookup("registration-enabled").NoOptDefVal = "true"
	multiFlag(f, &tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]")
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}
