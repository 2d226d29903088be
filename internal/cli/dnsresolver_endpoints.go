package cli

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dnsresolver/armdnsresolver"
	"github.com/spf13/cobra"
)

func inboundEndpointCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "inbound-endpoint", Short: "Manage inbound endpoints of DNS resolvers"}
	g.AddCommand(inboundCreateCmd(a))
	g.AddCommand(a.resolverCommands(resolverKind{what: "inbound endpoint", parent: "dns-resolver-name", alias: "inbound-endpoint-name", noWait: true,
		get: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			resp, err := f.NewInboundEndpointsClient().Get(ctx, r.rg, r.parent, r.name, nil)
			return resp.InboundEndpoint, err
		},
		list: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			return collect(ctx, f.NewInboundEndpointsClient().NewListPager(r.rg, r.parent, nil),
				func(p armdnsresolver.InboundEndpointsClientListResponse) []*armdnsresolver.InboundEndpoint {
					return p.Value
				})
		},
		del: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (waiter, error) {
			return begun(f.NewInboundEndpointsClient().BeginDelete(ctx, r.rg, r.parent, r.name, nil))
		}})...)
	return g
}

// ipConfigurations reads --ip-configurations as the extension takes it:
// [{private-ip-address:”,private-ip-allocation-method:Dynamic,id:<subnet ID>}].
func ipConfigurations(vals []string) ([]*armdnsresolver.IPConfiguration, error) {
	objs, err := shorthandObjects("ip-configurations", vals)
	if err != nil {
		return nil, err
	}
	var out []*armdnsresolver.IPConfiguration
	for _, o := range objs {
		id := field(o, "id", "subnet")
		if id == "" {
			return nil, usagef("--ip-configurations: each IP configuration needs id, the subnet's ID")
		}
		method := field(o, "private-ip-allocation-method", "privateIpAllocationMethod")
		if method == "" {
			method = "Dynamic"
		}
		c := &armdnsresolver.IPConfiguration{Subnet: &armdnsresolver.SubResource{ID: to.Ptr(id)},
			PrivateIPAllocationMethod: to.Ptr(armdnsresolver.IPAllocationMethod(method))}
		if ip := field(o, "private-ip-address", "privateIpAddress"); ip != "" {
			c.PrivateIPAddress = to.Ptr(ip)
		}
		out = append(out, c)
	}
	return out, nil
}

func inboundCreateCmd(a *App) *cobra.Command {
	var rg, resolver, name, location string
	var configs, tags []string
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create an inbound endpoint for a DNS resolver",
		required: []string{"resource-group", "dns-resolver-name", "name", "ip-configurations"},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			ipc, err := ipConfigurations(configs)
			if err != nil {
				return nil, err
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			f, err := dnsResolvers(c)
			if err != nil {
				return nil, err
			}
			p, err := f.NewInboundEndpointsClient().BeginCreateOrUpdate(ctx, rg, resolver, name, armdnsresolver.InboundEndpoint{
				Location: to.Ptr(loc), Tags: strPtrMap(t), Properties: &armdnsresolver.InboundEndpointProperties{IPConfigurations: ipc}}, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.InboundEndpoint, err
		}})
	createFlags(cmd, &rg, &name, "inbound-endpoint-name", &location, &tags, &noWait, "inbound endpoint")
	cmd.Flags().StringVar(&resolver, "dns-resolver-name", "", "name of the DNS resolver")
	multiFlag(cmd.Flags(), &configs, "ip-configurations", "", nil,
		"IP configurations: [{private-ip-address:'',private-ip-allocation-method:Dynamic,id:<subnet ID>}]")
	azArgs(cmd, false)
	return cmd
}

func outboundEndpointCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "outbound-endpoint", Short: "Manage outbound endpoints of DNS resolvers"}
	g.AddCommand(outboundCreateCmd(a))
	g.AddCommand(a.resolverCommands(resolverKind{what: "outbound endpoint", parent: "dns-resolver-name", alias: "outbound-endpoint-name", noWait: true,
		get: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			resp, err := f.NewOutboundEndpointsClient().Get(ctx, r.rg, r.parent, r.name, nil)
			return resp.OutboundEndpoint, err
		},
		list: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			return collect(ctx, f.NewOutboundEndpointsClient().NewListPager(r.rg, r.parent, nil),
				func(p armdnsresolver.OutboundEndpointsClientListResponse) []*armdnsresolver.OutboundEndpoint {
					return p.Value
				})
		},
		del: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (waiter, error) {
			return begun(f.NewOutboundEndpointsClient().BeginDelete(ctx, r.rg, r.parent, r.name, nil))
		}})...)
	return g
}

func outboundCreateCmd(a *App) *cobra.Command {
	var rg, resolver, name, location, subnet string
	var tags []string
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create an outbound endpoint for a DNS resolver",
		required: []string{"resource-group", "dns-resolver-name", "name", "id"},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			f, err := dnsResolvers(c)
			if err != nil {
				return nil, err
			}
			p, err := f.NewOutboundEndpointsClient().BeginCreateOrUpdate(ctx, rg, resolver, name, armdnsresolver.OutboundEndpoint{
				Location: to.Ptr(loc), Tags: strPtrMap(t),
				Properties: &armdnsresolver.OutboundEndpointProperties{Subnet: &armdnsresolver.SubResource{ID: to.Ptr(subnet)}}}, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.OutboundEndpoint, err
		}})
	createFlags(cmd, &rg, &name, "outbound-endpoint-name", &location, &tags, &noWait, "outbound endpoint")
	cmd.Flags().StringVar(&resolver, "dns-resolver-name", "", "name of the DNS resolver")
	cmd.Flags().StringVar(&subnet, "id", "", "ID of the subnet, delegated to Microsoft.Network/dnsResolvers")
	azArgs(cmd, false)
	return cmd
}
