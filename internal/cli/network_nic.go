package cli

import (
	"context"
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/spf13/cobra"
)

func nicCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "nic", Short: "Manage network interfaces"}
	g.AddCommand(nicCreateCmd(a))
	g.AddCommand(a.commands(kind{typ: "networkInterfaces", what: "network interface", names: pythonNames,
		get: func(ctx context.Context, c *clients, r ref) (any, error) {
			resp, err := c.net.NewInterfacesClient().Get(ctx, r.rg, r.name, nil)
			return resp.Interface, err
		},
		del: func(ctx context.Context, c *clients, r ref) (waiter, error) {
			return begun(c.net.NewInterfacesClient().BeginDelete(ctx, r.rg, r.name, nil))
		}})...)
	return g
}

// subnetRef resolves az's folded subnet arguments: --subnet ID, or
// --subnet NAME with --vnet-name. ok is false for any other combination.
func (c *Conn) subnetRef(rg, vnet, subnet string) (id string, ok bool) {
	isID := isResourceID(subnet)
	switch {
	case subnet == "", isID && vnet != "", !isID && vnet == "":
		return "", false
	case isID:
		return subnet, true
	}
	return c.resourceID(rg, "Microsoft.Network", "virtualNetworks", vnet, "subnets", subnet), true
}

// nicModel is the NIC az makes: one IP configuration, ipconfig1, with a
// static private IP when one is given, and an optional public IP.
func nicModel(loc string, tags map[string]string, subnetID, privateIP, publicIPID string) armnetwork.Interface {
	ipc := &armnetwork.InterfaceIPConfiguration{Name: to.Ptr("ipconfig1"), Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{
		Subnet:                    &armnetwork.Subnet{ID: to.Ptr(subnetID)},
		PrivateIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodDynamic),
	}}
	if privateIP != "" {
		ipc.Properties.PrivateIPAllocationMethod = to.Ptr(armnetwork.IPAllocationMethodStatic)
		ipc.Properties.PrivateIPAddress = to.Ptr(privateIP)
	}
	if publicIPID != "" {
		ipc.Properties.PublicIPAddress = &armnetwork.PublicIPAddress{ID: to.Ptr(publicIPID)}
	}
	return armnetwork.Interface{Location: to.Ptr(loc), Tags: strPtrMap(tags), Properties: &armnetwork.InterfacePropertiesFormat{
		IPConfigurations: []*armnetwork.InterfaceIPConfiguration{ipc}}}
}

func nicCreateCmd(a *App) *cobra.Command {
	var rg, name, vnet, subnet, privateIP, publicIP, location string
	var dnsServers, tags []string
	var ipForwarding, accelerated *bool
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create a network interface", names: asIs,
		required: []string{"resource-group", "name", "subnet"},
		call: func(ctx context.Context, c *clients) (any, error) {
			sid, ok := c.subnetRef(rg, vnet, subnet)
			if !ok {
				return nil, errors.New("incorrect usage: ( --subnet ID | --subnet NAME --vnet-name NAME)")
			}
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			pip := ""
			if publicIP != "" {
				pip = c.orID(publicIP, rg, "Microsoft.Network", "publicIPAddresses")
			}
			n := nicModel(loc, t, sid, privateIP, pip)
			n.Properties.EnableIPForwarding = orFalse(ipForwarding)
			n.Properties.EnableAcceleratedNetworking = accelerated
			n.Properties.DNSSettings = &armnetwork.InterfaceDNSSettings{DNSServers: to.SliceOfPtrs(dnsServers...)}
			p, err := c.net.NewInterfacesClient().BeginCreateOrUpdate(ctx, rg, name, n, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			if err != nil {
				return nil, err
			}
			nic, err := shaped(resp.Interface, true)
			return map[string]any{"NewNIC": nic}, err
		}})
	rgNameFlags(cmd, &rg, &name, "network interface")
	f := cmd.Flags()
	f.StringVar(&vnet, "vnet-name", "", "the virtual network of --subnet, when --subnet is a name")
	f.StringVar(&subnet, "subnet", "", "name (with --vnet-name) or ID of the subnet")
	f.StringVar(&privateIP, "private-ip-address", "", "static private IP address to use")
	f.StringVar(&publicIP, "public-ip-address", "", "name or ID of an existing public IP address to attach")
	multiFlag(f, &dnsServers, "dns-servers", "", nil, "space-separated DNS server IP addresses")
	triBoolFlag(f, &ipForwarding, "ip-forwarding", "enable IP forwarding")
	triBoolFlag(f, &accelerated, "accelerated-networking", "enable accelerated networking")
	locationTagFlags(cmd, &location, &tags)
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}
