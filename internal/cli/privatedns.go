package cli

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

// privateDNSCmd is 'network private-dns': private DNS zones, their record
// sets, and their links to virtual networks (whose DNS at 168.63.129.16
// answers from the zones linked to them).
func privateDNSCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "private-dns", Short: "Manage private DNS zones, their record sets and their links to virtual networks"}
	g.AddCommand(dnsZoneCmd(a), dnsRecordSetCmd(a), dnsLinkCmd(a))
	return g
}

// privateDNS is the Microsoft.Network/privateDnsZones client factory of a
// connection.
func privateDNS(c *clients) (*armprivatedns.ClientFactory, error) {
	return armprivatedns.NewClientFactory(c.Subscription, c.Cred, c.Options)
}

// zoneName is a zone name as az takes it: a trailing dot is dropped.
func zoneName(s string) string { return strings.TrimSuffix(s, ".") }

// createOnly is the If-None-Match of az's create commands: they fail
// (PreconditionFailed) rather than replace what exists.
var createOnly = to.Ptr("*")

// areYouSure is az's confirmation question for deletes.
const areYouSure = "Are you sure you want to perform this operation?"

func dnsZoneCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "zone", Short: "Manage private DNS zones"}
	g.AddCommand(dnsZoneCreateCmd(a))
	g.AddCommand(a.dnsCommands(dnsKind{what: "private DNS zone", table: dnsZoneTable, groupOptional: true, noWait: true,
		get: func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			resp, err := f.NewPrivateZonesClient().Get(ctx, r.rg, r.name, nil)
			return resp.PrivateZone, err
		},
		list: func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			zc := f.NewPrivateZonesClient()
			if r.rg == "" {
				return collect(ctx, zc.NewListPager(nil),
					func(p armprivatedns.PrivateZonesClientListResponse) []*armprivatedns.PrivateZone { return p.Value })
			}
			return collect(ctx, zc.NewListByResourceGroupPager(r.rg, nil),
				func(p armprivatedns.PrivateZonesClientListByResourceGroupResponse) []*armprivatedns.PrivateZone {
					return p.Value
				})
		},
		del: func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (waiter, error) {
			return begun(f.NewPrivateZonesClient().BeginDelete(ctx, r.rg, r.name, nil))
		}})...)
	return g
}

// dnsZoneTable is az's table of zones.
func dnsZoneTable(v any) any {
	return mapRows(v, func(z map[string]any) output.Ordered {
		return row("ZoneName", z["name"], "ResourceGroup", z["resourceGroup"],
			"RecordSets", z["numberOfRecordSets"], "MaxRecordSets", z["maxNumberOfRecordSets"],
			"VirtualNetworkLinks", z["numberOfVirtualNetworkLinks"], "MaxVirtualNetworkLinks", z["maxNumberOfVirtualNetworkLinks"],
			"VirtualNetworkLinksWithRegistration", z["numberOfVirtualNetworkLinksWithRegistration"],
			"MaxVirtualNetworkLinksWithRegistration", z["maxNumberOfVirtualNetworkLinksWithRegistration"],
			"ProvisioningState", z["provisioningState"])
	})
}

func dnsZoneCreateCmd(a *App) *cobra.Command {
	var rg, name string
	var tags []string
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create a private DNS zone", required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			zone := zoneName(name)
			if strings.HasSuffix(strings.ToLower(zone), ".local") {
				a.Warn("Please be aware that DNS names ending with .local are reserved for use with multicast DNS " +
					"and may not work as expected with some operating systems. For details refer to your operating systems documentation.")
			}
			f, err := privateDNS(c)
			if err != nil {
				return nil, err
			}
			p, err := f.NewPrivateZonesClient().BeginCreateOrUpdate(ctx, rg, zone,
				armprivatedns.PrivateZone{Location: to.Ptr("global"), Tags: strPtrMap(t)},
				&armprivatedns.PrivateZonesClientBeginCreateOrUpdateOptions{IfNoneMatch: createOnly})
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.PrivateZone, err
		}})
	rgNameFlags(cmd, &rg, &name, "private DNS zone, e.g. privatelink.westus2.azmk8s.io")
	multiFlag(cmd.Flags(), &tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]")
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}

// dnsKind is a private DNS resource type with az's show, list and delete:
// zones (named by -n), or record sets and links (in the zone -z names).
type dnsKind struct {
	what          string
	inZone        bool // a child of a zone: -z/--zone-name
	groupOptional bool // list without -g lists the subscription's
	noWait        bool // delete has --no-wait (zones and links; record sets are deleted at once)
	table         func(any) any
	get           func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error)
	list          func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error)
	del           func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (waiter, error)
}

// flags adds -g, -z for a child of a zone, and (with name) -n.
func (k dnsKind) flags(cmd *cobra.Command, r *ref, name bool) {
	cmd.Flags().StringVarP(&r.rg, "resource-group", "g", "", "name of the resource group")
	if k.inZone {
		zoneFlag(cmd, &r.parent)
	}
	if name {
		cmd.Flags().StringVarP(&r.name, "name", "n", "", "name of the "+k.what)
	}
}

// zoneFlag adds az's -z/--zone-name.
func zoneFlag(cmd *cobra.Command, zone *string) {
	cmd.Flags().StringVarP(zone, "zone-name", "z", "", "name of the private DNS zone")
}

func (k dnsKind) required(name bool) []string {
	req := []string{"resource-group"}
	if k.inZone {
		req = append(req, "zone-name")
	}
	if name {
		req = append(req, "name")
	}
	return req
}

// call connects to the private DNS clients and runs fn with the zone
// named as az takes it.
func (k dnsKind) call(r *ref, fn func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error)) func(ctx context.Context, c *clients) (any, error) {
	return func(ctx context.Context, c *clients) (any, error) {
		f, err := privateDNS(c)
		if err != nil {
			return nil, err
		}
		rr := *r
		if k.inZone {
			rr.parent = zoneName(rr.parent)
		} else {
			rr.name = zoneName(rr.name)
		}
		return fn(ctx, f, rr)
	}
}

// dnsCommands are the kind's show, list and delete.
func (a *App) dnsCommands(k dnsKind) []*cobra.Command {
	var sr, lr, dr ref
	var yes, noWait bool
	show := a.simple(simpleCmd{use: "show", short: "Get the details of a " + k.what, table: k.table, required: k.required(true),
		call: k.call(&sr, k.get)})
	k.flags(show, &sr, true)
	listRequired := k.required(false)
	if k.groupOptional {
		listRequired = nil
	}
	list := a.simple(simpleCmd{use: "list", short: "List " + k.what + "s", table: k.table, required: listRequired,
		call: k.call(&lr, k.list)})
	k.flags(list, &lr, false)
	del := a.simple(simpleCmd{use: "delete", short: "Delete a " + k.what, required: k.required(true),
		check: func() error { return a.confirm(yes, areYouSure) },
		call: k.call(&dr, func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			w, err := k.del(ctx, f, r)
			return a.finish(ctx, noWait, w, err)
		})})
	k.flags(del, &dr, true)
	del.Flags().BoolVarP(&yes, "yes", "y", false, "do not prompt for confirmation")
	if k.noWait {
		noWaitFlag(del, &noWait)
	}
	return []*cobra.Command{show, list, del}
}
