package cli

import (
	"context"
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/spf13/cobra"
)

// errLinkSubnetUsage is az's complaint about --subnet and --vnet-name given
// in a combination that names no subnet.
var errLinkSubnetUsage = errors.New("incorrect usage: ( --subnet ID | --subnet NAME --vnet-name NAME)")

// privateLinkServiceCmd is 'network private-link-service'. aksbox has no
// load balancers: a service forwards to an address in its own virtual
// network, properties.destinationIPAddress (Azure's Private Link Service
// Direct Connect), given with --destination-ip-address.
func privateLinkServiceCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "private-link-service", Short: "Manage private link services (forwarding to an address in their virtual network)"}
	g.AddCommand(plsCreateCmd(a))
	g.AddCommand(a.commands(kind{typ: "privateLinkServices", what: "private link service",
		get: func(ctx context.Context, c *clients, r ref) (any, error) {
			resp, err := c.net.NewPrivateLinkServicesClient().Get(ctx, r.rg, r.name, nil)
			return resp.PrivateLinkService, err
		},
		del: func(ctx context.Context, c *clients, r ref) (waiter, error) {
			return begun(c.net.NewPrivateLinkServicesClient().BeginDelete(ctx, r.rg, r.name, nil))
		}})...)
	return g
}

// noLoadBalancers is the answer to az's load balancer flags.
func noLoadBalancers(flag string) error {
	return usagef("argument --%s: aksbox has no load balancers; a private link service forwards to an address "+
		"in its virtual network instead (Private Link Service Direct Connect): give --destination-ip-address IP", flag)
}

// plsModel is the private link service az makes, with one IP
// configuration <name>_ipconfig_0 in the subnet for its NAT address.
func plsModel(name, loc string, tags map[string]string, subnetID, dest, privateIP, allocation, version string) armnetwork.PrivateLinkService {
	ipc := &armnetwork.PrivateLinkServiceIPConfigurationProperties{Subnet: &armnetwork.Subnet{ID: to.Ptr(subnetID)},
		PrivateIPAddressVersion: to.Ptr(armnetwork.IPVersion(version))}
	if privateIP != "" {
		ipc.PrivateIPAddress = to.Ptr(privateIP)
	}
	if allocation != "" {
		ipc.PrivateIPAllocationMethod = to.Ptr(armnetwork.IPAllocationMethod(allocation))
	}
	return armnetwork.PrivateLinkService{Location: to.Ptr(loc), Tags: strPtrMap(tags), Properties: &armnetwork.PrivateLinkServiceProperties{
		DestinationIPAddress: to.Ptr(dest),
		IPConfigurations:     []*armnetwork.PrivateLinkServiceIPConfiguration{{Name: to.Ptr(name + "_ipconfig_0"), Properties: ipc}}}}
}

func plsCreateCmd(a *App) *cobra.Command {
	var rg, name, vnet, subnet, dest, privateIP, allocation, version, location, lbName string
	var lbConfigs, fqdns, visibility, autoApproval, tags []string
	var proxy *bool
	var noWait bool
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "create", short: "Create a private link service forwarding to --destination-ip-address",
		required: []string{"resource-group", "name", "subnet"},
		check: func() (err error) {
			for _, f := range []string{"lb-frontend-ip-configs", "lb-name"} {
				if cmd.Flags().Changed(f) {
					return noLoadBalancers(f)
				}
			}
			if err := requireFlags(cmd, "destination-ip-address"); err != nil {
				return err
			}
			if version, err = choice("private-ip-address-version", version, "IPv4", "IPv6"); err != nil {
				return err
			}
			if allocation != "" {
				allocation, err = choice("private-ip-allocation-method", allocation, "Dynamic", "Static")
			}
			return err
		},
		call: func(ctx context.Context, c *clients) (any, error) {
			sid, ok := c.subnetRef(rg, vnet, subnet)
			if !ok {
				return nil, errLinkSubnetUsage
			}
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			s := plsModel(name, loc, t, sid, dest, privateIP, allocation, version)
			if len(fqdns) > 0 {
				s.Properties.Fqdns = to.SliceOfPtrs(fqdns...)
			}
			if len(visibility) > 0 {
				s.Properties.Visibility = &armnetwork.PrivateLinkServicePropertiesVisibility{Subscriptions: to.SliceOfPtrs(visibility...)}
			}
			if len(autoApproval) > 0 {
				s.Properties.AutoApproval = &armnetwork.PrivateLinkServicePropertiesAutoApproval{Subscriptions: to.SliceOfPtrs(autoApproval...)}
			}
			s.Properties.EnableProxyProtocol = proxy
			p, err := c.net.NewPrivateLinkServicesClient().BeginCreateOrUpdate(ctx, rg, name, s, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			if err != nil {
				return nil, err
			}
			if got := plsAddress(resp.PrivateLinkService); privateIP != "" && got != "" && got != privateIP {
				a.Warn("the private link service's NAT address is %s: aksbox allocates it dynamically and ignores --private-ip-address %s", got, privateIP)
			}
			return resp.PrivateLinkService, nil
		}})
	rgNameFlags(cmd, &rg, &name, "private link service")
	f := cmd.Flags()
	f.StringVar(&vnet, "vnet-name", "", "the virtual network of --subnet, when --subnet is a name")
	f.StringVar(&subnet, "subnet", "", "name (with --vnet-name) or ID of the subnet of the service's NAT address")
	f.StringVar(&dest, "destination-ip-address", "", "the address in the service's virtual network that it forwards to (aksbox has no load balancers)")
	f.StringVar(&privateIP, "private-ip-address", "", "static private IP address to use for NAT (aksbox allocates it dynamically)")
	f.StringVar(&version, "private-ip-address-version", "IPv4", "IP version of the private IP address: IPv4 or IPv6")
	f.StringVar(&allocation, "private-ip-allocation-method", "", "private IP address allocation method: Dynamic or Static")
	f.StringVar(&lbName, "lb-name", "", "not supported: aksbox has no load balancers; use --destination-ip-address")
	multiFlag(f, &lbConfigs, "lb-frontend-ip-configs", "", nil, "not supported: aksbox has no load balancers; use --destination-ip-address")
	multiFlag(f, &fqdns, "fqdns", "", nil, "space-separated list of FQDNs")
	multiFlag(f, &visibility, "visibility", "", nil, "space-separated list of subscription IDs for which the service is visible")
	multiFlag(f, &autoApproval, "auto-approval", "", nil, "space-separated list of subscription IDs to auto-approve")
	triBoolFlag(f, &proxy, "enable-proxy-protocol", "enable proxy protocol for the private link service")
	locationTagFlags(cmd, &location, &tags)
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}

// plsAddress is the NAT address of a private link service.
func plsAddress(s armnetwork.PrivateLinkService) string {
	if s.Properties == nil || len(s.Properties.IPConfigurations) == 0 || s.Properties.IPConfigurations[0].Properties == nil {
		return ""
	}
	return deref(s.Properties.IPConfigurations[0].Properties.PrivateIPAddress)
}

// privateEndpointCmd is 'network private-endpoint': an address in a
// customer subnet that forwards to a private link service.
func privateEndpointCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "private-endpoint", Short: "Manage private endpoints (addresses in your subnet that reach a private link service)"}
	g.AddCommand(peCreateCmd(a), zoneGroupCmd(a))
	g.AddCommand(a.commands(kind{typ: "privateEndpoints", what: "private endpoint",
		get: func(ctx context.Context, c *clients, r ref) (any, error) {
			resp, err := c.net.NewPrivateEndpointsClient().Get(ctx, r.rg, r.name, nil)
			return resp.PrivateEndpoint, err
		},
		del: func(ctx context.Context, c *clients, r ref) (waiter, error) {
			return begun(c.net.NewPrivateEndpointsClient().BeginDelete(ctx, r.rg, r.name, nil))
		}})...)
	return g
}

// peModel is the private endpoint az makes: one connection, automatic or
// (manual) waiting for approval.
func peModel(loc string, tags map[string]string, subnetID, target, connection string, groupIDs []string, message, nicName string, manual bool) armnetwork.PrivateEndpoint {
	conn := &armnetwork.PrivateLinkServiceConnection{Name: to.Ptr(connection), Properties: &armnetwork.PrivateLinkServiceConnectionProperties{
		PrivateLinkServiceID: to.Ptr(target)}}
	if len(groupIDs) > 0 {
		conn.Properties.GroupIDs = to.SliceOfPtrs(groupIDs...)
	}
	if message != "" {
		conn.Properties.RequestMessage = to.Ptr(message)
	}
	props := &armnetwork.PrivateEndpointProperties{Subnet: &armnetwork.Subnet{ID: to.Ptr(subnetID)}}
	if nicName != "" {
		props.CustomNetworkInterfaceName = to.Ptr(nicName)
	}
	if manual {
		props.ManualPrivateLinkServiceConnections = []*armnetwork.PrivateLinkServiceConnection{conn}
	} else {
		props.PrivateLinkServiceConnections = []*armnetwork.PrivateLinkServiceConnection{conn}
	}
	return armnetwork.PrivateEndpoint{Location: to.Ptr(loc), Tags: strPtrMap(tags), Properties: props}
}

func peCreateCmd(a *App) *cobra.Command {
	var rg, name, vnet, subnet, target, connection, message, nicName, location string
	var groupIDs, tags []string
	var manual *bool
	var noWait bool
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "create", short: "Create a private endpoint connected to a private link service or a managed cluster",
		required: []string{"resource-group", "name", "subnet", "private-connection-resource-id", "connection-name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			if cmd.Flags().Changed("group-ids") {
				a.Warn("Argument '--group-ids' has been deprecated and will be removed in a future release. Use '--group-id' instead.")
			}
			sid, ok := c.subnetRef(rg, vnet, subnet)
			if !ok {
				return nil, errLinkSubnetUsage
			}
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			e := peModel(loc, t, sid, target, connection, groupIDs, message, nicName, manual != nil && *manual)
			p, err := c.net.NewPrivateEndpointsClient().BeginCreateOrUpdate(ctx, rg, name, e, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.PrivateEndpoint, err
		}})
	rgNameFlags(cmd, &rg, &name, "private endpoint")
	f := cmd.Flags()
	f.StringVar(&vnet, "vnet-name", "", "the virtual network of --subnet, when --subnet is a name")
	f.StringVar(&subnet, "subnet", "", "name (with --vnet-name) or ID of the subnet the endpoint's address comes from")
	f.StringVar(&target, "private-connection-resource-id", "", "ID of the private link service, or of the private managed cluster, to connect to")
	f.StringVar(&connection, "connection-name", "", "name of the private link service connection")
	multiFlag(f, &groupIDs, "group-id", "", nil, "ID of the group of the remote resource to connect to: management for a managed cluster, none for a private link service")
	multiFlag(f, &groupIDs, "group-ids", "", nil, "deprecated: use --group-id")
	f.StringVar(&message, "request-message", "", "a message for the owner of the remote resource (aksbox approves every connection)")
	triBoolFlag(f, &manual, "manual-request", "request the connection as a manual one")
	f.StringVar(&nicName, "nic-name", "", "name of the endpoint's network interface")
	locationTagFlags(cmd, &location, &tags)
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}
