package cli

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func publicIPCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "public-ip", Short: "Manage public IP addresses (addresses of this host's public pool)"}
	g.AddCommand(publicIPCreateCmd(a))
	g.AddCommand(a.commands(kind{typ: "publicIPAddresses", what: "public IP address", table: publicIPTable,
		get: func(ctx context.Context, c *clients, r ref) (any, error) {
			resp, err := c.net.NewPublicIPAddressesClient().Get(ctx, r.rg, r.name, nil)
			return resp.PublicIPAddress, err
		},
		del: func(ctx context.Context, c *clients, r ref) (waiter, error) {
			return begun(c.net.NewPublicIPAddressesClient().BeginDelete(ctx, r.rg, r.name, nil))
		}})...)
	return g
}

// publicIPTable is az's table for public IPs.
func publicIPTable(v any) any {
	return mapRows(v, func(p map[string]any) output.Ordered {
		zones := " "
		if z, _ := p["zones"].([]any); len(z) > 0 {
			zones = joinOrBlank(z, " ")
		}
		return row("Name", p["name"], "ResourceGroup", p["resourceGroup"], "Location", p["location"], "Zones", zones,
			"Address", p["ipAddress"], "AddressVersion", p["publicIPAddressVersion"],
			"AllocationMethod", p["publicIPAllocationMethod"], "IdleTimeoutInMinutes", p["idleTimeoutInMinutes"],
			"ProvisioningState", p["provisioningState"])
	})
}

// publicIPModel is a public IP as az creates it; sku and allocation may be
// empty (the service's defaults).
func publicIPModel(loc string, tags map[string]string, sku, allocation string, idle int32) armnetwork.PublicIPAddress {
	ip := armnetwork.PublicIPAddress{Location: to.Ptr(loc), Tags: strPtrMap(tags), Properties: &armnetwork.PublicIPAddressPropertiesFormat{
		PublicIPAddressVersion: to.Ptr(armnetwork.IPVersionIPv4), IdleTimeoutInMinutes: to.Ptr(idle)}}
	if sku != "" {
		ip.SKU = &armnetwork.PublicIPAddressSKU{Name: to.Ptr(armnetwork.PublicIPAddressSKUName(sku))}
	}
	if allocation == "" && strings.EqualFold(sku, "Standard") {
		allocation = "Static"
	}
	if allocation != "" {
		ip.Properties.PublicIPAllocationMethod = to.Ptr(armnetwork.IPAllocationMethod(allocation))
	}
	return ip
}

func publicIPCreateCmd(a *App) *cobra.Command {
	var rg, name, location, sku, allocation string
	var idle int32
	var tags []string
	cmd := a.simple(simpleCmd{use: "create", short: "Create a public IP address", required: []string{"resource-group", "name"},
		check: func() (err error) {
			if sku != "" {
				if sku, err = choice("sku", sku, "Basic", "Standard"); err != nil {
					return err
				}
			}
			if allocation != "" {
				allocation, err = choice("allocation-method", allocation, "Dynamic", "Static")
			}
			return err
		},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			p, err := c.net.NewPublicIPAddressesClient().BeginCreateOrUpdate(ctx, rg, name, publicIPModel(loc, t, sku, allocation, idle), nil)
			if err != nil {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return map[string]any{"publicIp": resp.PublicIPAddress}, err
		}})
	rgNameFlags(cmd, &rg, &name, "public IP address")
	f := cmd.Flags()
	f.StringVar(&sku, "sku", "", "Basic or Standard (default: Standard)")
	f.StringVar(&allocation, "allocation-method", "", "Static or Dynamic IP allocation (default: Static for Standard)")
	f.Int32Var(&idle, "idle-timeout", 4, "idle timeout in minutes")
	locationTagFlags(cmd, &location, &tags)
	azArgs(cmd, false)
	return cmd
}
