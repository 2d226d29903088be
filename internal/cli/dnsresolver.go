package cli

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dnsresolver/armdnsresolver"
	"github.com/spf13/cobra"
)

// dnsResolverCmd is az's dns-resolver extension: resolvers, their inbound
// and outbound endpoints, forwarding rulesets, their rules and links.
func dnsResolverCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "dns-resolver", Short: "Manage DNS Private Resolvers, their endpoints and DNS forwarding rulesets"}
	g.AddCommand(dnsResolverCreateCmd(a))
	g.AddCommand(a.resolverCommands(resolverKind{what: "DNS resolver", alias: "dns-resolver-name", noWait: true,
		get: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			resp, err := f.NewDNSResolversClient().Get(ctx, r.rg, r.name, nil)
			return resp.DNSResolver, err
		},
		list: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
			if r.rg == "" {
				return collect(ctx, f.NewDNSResolversClient().NewListPager(nil),
					func(p armdnsresolver.DNSResolversClientListResponse) []*armdnsresolver.DNSResolver { return p.Value })
			}
			return collect(ctx, f.NewDNSResolversClient().NewListByResourceGroupPager(r.rg, nil),
				func(p armdnsresolver.DNSResolversClientListByResourceGroupResponse) []*armdnsresolver.DNSResolver {
					return p.Value
				})
		},
		del: func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (waiter, error) {
			return begun(f.NewDNSResolversClient().BeginDelete(ctx, r.rg, r.name, nil))
		}})...)
	g.AddCommand(inboundEndpointCmd(a), outboundEndpointCmd(a), forwardingRulesetCmd(a), forwardingRuleCmd(a), rulesetLinkCmd(a))
	return g
}

// dnsResolvers is the DNS resolver client factory of a connection.
func dnsResolvers(c *clients) (*armdnsresolver.ClientFactory, error) {
	return armdnsresolver.NewClientFactory(c.Subscription, c.Cred, c.Options)
}

// resolverKind is a type of the dns-resolver extension with its show, list
// and delete: top-level (named by -n), or a child of the resource the
// parent flag names.
type resolverKind struct {
	what   string
	parent string // flag of the parent's name ("dns-resolver-name", "ruleset-name"); "" for a top-level type
	alias  string // the extension's long spelling of -n, e.g. inbound-endpoint-name
	noWait bool   // delete is long-running
	get    func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error)
	list   func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error)
	del    func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (waiter, error)
}

func (k resolverKind) flags(cmd *cobra.Command, r *ref, name bool) {
	cmd.Flags().StringVarP(&r.rg, "resource-group", "g", "", "name of the resource group")
	if k.parent != "" {
		cmd.Flags().StringVar(&r.parent, k.parent, "", "name of the parent "+parentWhat(k.parent))
	}
	if name {
		cmd.Flags().StringVarP(&r.name, "name", "n", "", "name of the "+k.what)
		cmd.Flags().StringVar(&r.name, k.alias, "", "name of the "+k.what)
		markAlias(cmd, "name", k.alias)
	}
}

func parentWhat(flag string) string {
	if flag == "ruleset-name" {
		return "DNS forwarding ruleset"
	}
	return "DNS resolver"
}

func (k resolverKind) required(name bool) []string {
	req := []string{"resource-group"}
	if k.parent != "" {
		req = append(req, k.parent)
	}
	if name {
		req = append(req, "name")
	}
	return req
}

func (k resolverKind) call(r *ref, fn func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error)) func(ctx context.Context, c *clients) (any, error) {
	return func(ctx context.Context, c *clients) (any, error) {
		f, err := dnsResolvers(c)
		if err != nil {
			return nil, err
		}
		return fn(ctx, f, *r)
	}
}

// resolverCommands are the kind's show, list and delete.
func (a *App) resolverCommands(k resolverKind) []*cobra.Command {
	var sr, lr, dr ref
	var yes, noWait bool
	show := a.simple(simpleCmd{use: "show", short: "Get the details of a " + k.what, required: k.required(true), call: k.call(&sr, k.get)})
	k.flags(show, &sr, true)
	listRequired := k.required(false)
	if k.parent == "" {
		listRequired = nil // the subscription's without -g
	}
	list := a.simple(simpleCmd{use: "list", short: "List " + k.what + "s", required: listRequired, call: k.call(&lr, k.list)})
	k.flags(list, &lr, false)
	del := a.simple(simpleCmd{use: "delete", short: "Delete a " + k.what, required: k.required(true),
		check: func() error { return a.confirm(yes, areYouSure) },
		call: k.call(&dr, func(ctx context.Context, f *armdnsresolver.ClientFactory, r ref) (any, error) {
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

// createFlags adds what every create of a tracked type has: -g, -n with
// its long spelling, -l and --tags, and --no-wait.
func createFlags(cmd *cobra.Command, rg, name *string, alias string, location *string, tags *[]string, noWait *bool, what string) {
	f := cmd.Flags()
	f.StringVarP(rg, "resource-group", "g", "", "name of the resource group")
	f.StringVarP(name, "name", "n", "", "name of the "+what)
	f.StringVar(name, alias, "", "name of the "+what)
	markAlias(cmd, "name", alias)
	if location != nil {
		f.StringVarP(location, "location", "l", "", "location; defaults to the resource group's")
	}
	if tags != nil {
		multiFlag(f, tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]")
	}
	if noWait != nil {
		noWaitFlag(cmd, noWait)
	}
}

func dnsResolverCreateCmd(a *App) *cobra.Command {
	var rg, name, location, vnet string
	var tags []string
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create a DNS resolver in a virtual network", required: []string{"resource-group", "name", "id"},
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
			p, err := f.NewDNSResolversClient().BeginCreateOrUpdate(ctx, rg, name, armdnsresolver.DNSResolver{Location: to.Ptr(loc), Tags: strPtrMap(t),
				Properties: &armdnsresolver.Properties{VirtualNetwork: &armdnsresolver.SubResource{ID: to.Ptr(c.orID(vnet, rg, "Microsoft.Network", "virtualNetworks"))}}}, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.DNSResolver, err
		}})
	createFlags(cmd, &rg, &name, "dns-resolver-name", &location, &tags, &noWait, "DNS resolver")
	cmd.Flags().StringVar(&vnet, "id", "", "ID of the virtual network the resolver serves")
	azArgs(cmd, false)
	return cmd
}
