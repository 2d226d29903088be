package cli

import (
	"context"
	"strconv"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dnsresolver/armdnsresolver"
	"github.com/spf13/cobra"
)

func forwardingRulesetCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "forwarding-ruleset", Short: "Manage DNS forwarding rulesets"}
	g.AddCommand(rulesetCreateCmd(a))
	g.AddCommand(a.resolverCommands(resolverKind{what: "DNS forwarding ruleset", alias: "ruleset-name", noWait: true,
		get: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			resp, err := f.NewDNSForwardingRulesetsClient().Get(ctx, r.rg, r.name, nil)
			return resp.DNSForwardingRuleset, err
		},
		list: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			if r.rg == "" {
				return collect(ctx, f.NewDNSForwardingRulesetsClient().NewListPager(nil),
					func(p armdnsresolver.DNSForwardingRulesetsClientListResponse) []*armdnsresolver.DNSForwardingRuleset {
						return p.Value
					})
			}
			return collect(ctx, f.NewDNSForwardingRulesetsClient().NewListByResourceGroupPager(r.rg, nil),
				func(p armdnsresolver.DNSForwardingRulesetsClientListByResourceGroupResponse) []*armdnsresolver.DNSForwardingRuleset {
					return p.Value
				})
		},
		del: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (waiter, error) {
			return begun(f.NewDNSForwardingRulesetsClient().BeginDelete(ctx, r.rg, r.name, nil))
		}})...)
	return g
}

func rulesetCreateCmd(a *App) *cobra.Command {
	var rg, name, location string
	var endpoints, tags []string
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create a DNS forwarding ruleset",
		required: []string{"resource-group", "name", "outbound-endpoints"},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			objs, err := shorthandObjects("outbound-endpoints", endpoints)
			if err != nil {
				return nil, err
			}
			var refs []*armdnsresolver.SubResource
			for _, o := range objs {
				if field(o, "id") == "" {
					return nil, usagef("--outbound-endpoints: each endpoint needs id, e.g. [{id:<outbound endpoint ID>}]")
				}
				refs = append(refs, &armdnsresolver.SubResource{ID: to.Ptr(field(o, "id"))})
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			f, err := dnsResolvers(c)
			if err != nil {
				return nil, err
			}
			p, err := f.NewDNSForwardingRulesetsClient().BeginCreateOrUpdate(ctx, rg, name, armdnsresolver.DNSForwardingRuleset{
				Location: to.Ptr(loc), Tags: strPtrMap(t),
				Properties: &armdnsresolver.DNSForwardingRulesetProperties{DNSResolverOutboundEndpoints: refs}}, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.DNSForwardingRuleset, err
		}})
	createFlags(cmd, &rg, &name, "ruleset-name", &location, &tags, &noWait, "DNS forwarding ruleset")
	multiFlag(cmd.Flags(), &endpoints, "outbound-endpoints", "", nil, "outbound endpoints: [{id:<outbound endpoint ID>}]")
	azArgs(cmd, false)
	return cmd
}

func forwardingRuleCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "forwarding-rule", Short: "Manage forwarding rules of DNS forwarding rulesets"}
	g.AddCommand(ruleCreateCmd(a))
	g.AddCommand(a.resolverCommands(resolverKind{what: "forwarding rule", parent: "ruleset-name", alias: "forwarding-rule-name",
		get: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			resp, err := f.NewForwardingRulesClient().Get(ctx, r.rg, r.parent, r.name, nil)
			return resp.ForwardingRule, err
		},
		list: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			return collect(ctx, f.NewForwardingRulesClient().NewListPager(r.rg, r.parent, nil),
				func(p armdnsresolver.ForwardingRulesClientListResponse) []*armdnsresolver.ForwardingRule {
					return p.Value
				})
		},
		del: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (waiter, error) {
			_, err := f.NewForwardingRulesClient().Delete(ctx, r.rg, r.parent, r.name, nil)
			return func(context.Context) error { return nil }, err
		}})...)
	return g
}

// targetServers reads --target-dns-servers: [{ip-address:10.0.0.1,port:53}].
func targetServers(vals []string) ([]*armdnsresolver.TargetDNSServer, error) {
	objs, err := shorthandObjects("target-dns-servers", vals)
	if err != nil {
		return nil, err
	}
	var out []*armdnsresolver.TargetDNSServer
	for _, o := range objs {
		ip := field(o, "ip-address", "ipAddress")
		if ip == "" {
			return nil, usagef("--target-dns-servers: each server needs ip-address, e.g. [{ip-address:10.0.0.4,port:53}]")
		}
		port := int32(53)
		if s := field(o, "port"); s != "" {
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return nil, usagef("--target-dns-servers: port %q is not a number", s)
			}
			port = int32(n)
		}
		out = append(out, &armdnsresolver.TargetDNSServer{IPAddress: to.Ptr(ip), Port: to.Ptr(port)})
	}
	return out, nil
}

func ruleCreateCmd(a *App) *cobra.Command {
	var rg, ruleset, name, domain, state string
	var targets, metadata []string
	cmd := a.simple(simpleCmd{use: "create", short: "Create a forwarding rule in a DNS forwarding ruleset",
		required: []string{"resource-group", "ruleset-name", "name", "domain-name", "target-dns-servers"},
		call: func(ctx context.Context, c *clients) (any, error) {
			md, err := parseTags(metadata, nil)
			if err != nil {
				return nil, err
			}
			ts, err := targetServers(targets)
			if err != nil {
				return nil, err
			}
			props := &armdnsresolver.ForwardingRuleProperties{DomainName: to.Ptr(domain), TargetDNSServers: ts}
			if len(md) > 0 {
				props.Metadata = strPtrMap(md)
			}
			if state != "" {
				props.ForwardingRuleState = to.Ptr(armdnsresolver.ForwardingRuleState(state))
			}
			f, err := dnsResolvers(c)
			if err != nil {
				return nil, err
			}
			resp, err := f.NewForwardingRulesClient().CreateOrUpdate(ctx, rg, ruleset, name, armdnsresolver.ForwardingRule{Properties: props}, nil)
			return resp.ForwardingRule, err
		}})
	createFlags(cmd, &rg, &name, "forwarding-rule-name", nil, nil, nil, "forwarding rule")
	f := cmd.Flags()
	f.StringVar(&ruleset, "ruleset-name", "", "name of the DNS forwarding ruleset")
	f.StringVar(&domain, "domain-name", "", "the domain name the rule forwards, ending with a dot, e.g. contoso.com.")
	f.StringVar(&state, "forwarding-rule-state", "", "Enabled or Disabled")
	multiFlag(f, &targets, "target-dns-servers", "", nil, "DNS servers to forward to: [{ip-address:10.0.0.1,port:53}]")
	multiFlag(f, &metadata, "metadata", "", nil, "metadata: key=value [key=value ...]")
	azArgs(cmd, false)
	return cmd
}

func rulesetLinkCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "vnet-link", Short: "Manage links of DNS forwarding rulesets to virtual networks"}
	g.AddCommand(rulesetLinkCreateCmd(a))
	g.AddCommand(a.resolverCommands(resolverKind{what: "virtual network link", parent: "ruleset-name", alias: "virtual-network-link-name", noWait: true,
		get: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			resp, err := f.NewVirtualNetworkLinksClient().Get(ctx, r.rg, r.parent, r.name, nil)
			return resp.VirtualNetworkLink, err
		},
		list: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			return collect(ctx, f.NewVirtualNetworkLinksClient().NewListPager(r.rg, r.parent, nil),
				func(p armdnsresolver.VirtualNetworkLinksClientListResponse) []*armdnsresolver.VirtualNetworkLink {
					return p.Value
				})
		},
		del: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (waiter, error) {
			return begun(f.NewVirtualNetworkLinksClient().BeginDelete(ctx, r.rg, r.parent, r.name, nil))
		}})...)
	return g
}

func rulesetLinkCreateCmd(a *App) *cobra.Command {
	var rg, ruleset, name, vnet string
	var metadata []string
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Link a DNS forwarding ruleset to a virtual network",
		required: []string{"resource-group", "ruleset-name", "name", "id"},
		call: func(ctx context.Context, c *clients) (any, error) {
			md, err := parseTags(metadata, nil)
			if err != nil {
				return nil, err
			}
			props := &armdnsresolver.VirtualNetworkLinkProperties{VirtualNetwork: &armdnsresolver.SubResource{
				ID: to.Ptr(c.orID(vnet, rg, "Microsoft.Network", "virtualNetworks"))}}
			if len(md) > 0 {
				props.Metadata = strPtrMap(md)
			}
			f, err := dnsResolvers(c)
			if err != nil {
				return nil, err
			}
			p, err := f.NewVirtualNetworkLinksClient().BeginCreateOrUpdate(ctx, rg, ruleset, name, armdnsresolver.VirtualNetworkLink{Properties: props}, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.VirtualNetworkLink, err
		}})
	createFlags(cmd, &rg, &name, "virtual-network-link-name", nil, nil, &noWait, "virtual network link")
	f := cmd.Flags()
	f.StringVar(&ruleset, "ruleset-name", "", "name of the DNS forwarding ruleset")
	f.StringVar(&vnet, "id", "", "ID of the virtual network to link")
	multiFlag(f, &metadata, "metadata", "", nil, "metadata: key=value [key=value ...]")
	azArgs(cmd, false)
	return cmd
}
