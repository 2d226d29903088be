package cli

import (
	"context"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func vnetCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "vnet", Short: "Manage virtual networks"}
	g.AddCommand(vnetCreateCmd(a), vnetUpdateCmd(a), subnetCmd(a), peeringCmd(a))
	g.AddCommand(a.commands(kind{typ: "virtualNetworks", what: "virtual network", listTable: vnetTable,
		get: func(ctx context.Context, c *clients, r ref) (any, error) {
			resp, err := c.net.NewVirtualNetworksClient().Get(ctx, r.rg, r.name, nil)
			return resp.VirtualNetwork, err
		},
		del: func(ctx context.Context, c *clients, r ref) (waiter, error) {
			return begun(c.net.NewVirtualNetworksClient().BeginDelete(ctx, r.rg, r.name, nil))
		}})...)
	return g
}

// vnetTable is az's table for 'network vnet list'.
func vnetTable(v any) any {
	return mapRows(v, func(n map[string]any) output.Ordered {
		space, _ := n["addressSpace"].(map[string]any)
		dhcp, _ := n["dhcpOptions"].(map[string]any)
		subnets, _ := n["subnets"].([]any)
		vmProtection, ok := n["enableVmProtection"]
		if !ok {
			vmProtection = false
		}
		return row("Name", n["name"], "ResourceGroup", n["resourceGroup"], "Location", n["location"],
			"NumSubnets", len(subnets), "Prefixes", joinOrBlank(space["addressPrefixes"], ", "),
			"DnsServers", joinOrBlank(dhcp["dnsServers"], ", "), "DDOSProtection", n["enableDdosProtection"],
			"VMProtection", vmProtection)
	})
}

// joinOrBlank joins a JSON list of strings; az shows " " for none.
func joinOrBlank(v any, sep string) string {
	list, _ := v.([]any)
	var s []string
	for _, e := range list {
		if str, ok := e.(string); ok {
			s = append(s, str)
		}
	}
	if len(s) == 0 {
		return " "
	}
	return strings.Join(s, sep)
}

// defaultSubnetPrefix is az's subnet for --subnet-name without
// --subnet-prefixes: the VNet's first prefix, narrowed to a /24.
func defaultSubnetPrefix(vnetPrefix string) string {
	addr, bits, ok := strings.Cut(vnetPrefix, "/")
	if !ok {
		return vnetPrefix
	}
	if n, err := strconv.Atoi(bits); err == nil && n < 24 {
		bits = "24"
	}
	return addr + "/" + bits
}

// subnetModel is a subnet with one prefix (addressPrefix) or several
// (addressPrefixes), as az sends it.
func subnetModel(name string, prefixes []string) *armnetwork.Subnet {
	s := &armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{}}
	if name != "" {
		s.Name = to.Ptr(name)
	}
	switch len(prefixes) {
	case 0:
	case 1:
		s.Properties.AddressPrefix = to.Ptr(prefixes[0])
	default:
		s.Properties.AddressPrefixes = to.SliceOfPtrs(prefixes...)
	}
	return s
}

// nonEmpty drops az's "" (clear the list) from a list flag's values.
func nonEmpty(vals []string) []string {
	out := []string{}
	for _, s := range vals {
		if s != "" && s != `""` && s != "''" {
			out = append(out, s)
		}
	}
	return out
}

func vnetCreateCmd(a *App) *cobra.Command {
	var rg, name, location, subnetName string
	var prefixes, subnetPrefixes, dnsServers, tags []string
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create a virtual network, optionally with a subnet",
		required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			v := armnetwork.VirtualNetwork{Location: to.Ptr(loc), Tags: strPtrMap(t), Properties: &armnetwork.VirtualNetworkPropertiesFormat{
				AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: to.SliceOfPtrs(prefixes...)}}}
			if len(dnsServers) > 0 {
				v.Properties.DhcpOptions = &armnetwork.DhcpOptions{DNSServers: to.SliceOfPtrs(dnsServers...)}
			}
			if subnetName != "" {
				sp := subnetPrefixes
				if len(sp) == 0 && len(prefixes) > 0 {
					sp = []string{defaultSubnetPrefix(prefixes[0])}
				}
				v.Properties.Subnets = []*armnetwork.Subnet{subnetModel(subnetName, sp)}
			}
			p, err := c.net.NewVirtualNetworksClient().BeginCreateOrUpdate(ctx, rg, name, v, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return map[string]any{"newVNet": resp.VirtualNetwork}, err
		}})
	rgNameFlags(cmd, &rg, &name, "virtual network")
	f := cmd.Flags()
	multiFlag(f, &prefixes, "address-prefixes", "", []string{"10.0.0.0/16"}, "space-separated IP address prefixes in CIDR format")
	f.StringVar(&subnetName, "subnet-name", "", "name of a new subnet to create within the VNet")
	multiFlag(f, &subnetPrefixes, "subnet-prefixes", "", nil, "space-separated address prefixes of the new subnet; default: a /24 at the start of the VNet")
	multiFlag(f, &dnsServers, "dns-servers", "", nil, "space-separated DNS server IP addresses")
	locationTagFlags(cmd, &location, &tags)
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}

func vnetUpdateCmd(a *App) *cobra.Command {
	var rg, name string
	var prefixes, dnsServers, tags []string
	var noWait bool
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "update", short: "Update a virtual network's address prefixes, DNS servers or tags",
		required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			vc := c.net.NewVirtualNetworksClient()
			cur, err := vc.Get(ctx, rg, name, nil)
			if err != nil {
				return nil, err
			}
			v := cur.VirtualNetwork
			if v.Properties == nil {
				v.Properties = &armnetwork.VirtualNetworkPropertiesFormat{}
			}
			set := cmd.Flags().Changed
			if set("address-prefixes") {
				v.Properties.AddressSpace = &armnetwork.AddressSpace{AddressPrefixes: to.SliceOfPtrs(prefixes...)}
			}
			if set("dns-servers") {
				v.Properties.DhcpOptions = &armnetwork.DhcpOptions{DNSServers: to.SliceOfPtrs(nonEmpty(dnsServers)...)}
			}
			if set("tags") {
				v.Tags = strPtrMap(t)
			}
			p, err := vc.BeginCreateOrUpdate(ctx, rg, name, v, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.VirtualNetwork, err
		}})
	rgNameFlags(cmd, &rg, &name, "virtual network")
	f := cmd.Flags()
	multiFlag(f, &prefixes, "address-prefixes", "", nil, "space-separated IP address prefixes in CIDR format")
	multiFlag(f, &dnsServers, "dns-servers", "", nil, "space-separated DNS server IP addresses; \"\" clears them")
	multiFlag(f, &tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]; \"\" clears them")
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}
