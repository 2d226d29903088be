package cli

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/spf13/cobra"
)

func networkCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "network", Short: "Manage network resources: virtual networks, NICs, public IPs"}
	g.AddCommand(vnetCmd(a), nicCmd(a), publicIPCmd(a), privateDNSCmd(a), privateEndpointCmd(a), privateLinkServiceCmd(a), watcherCmd(a))
	return g
}

// clients is a connection with the Microsoft.Network and
// Microsoft.Compute SDK clients.
type clients struct {
	*Conn
	net  *armnetwork.ClientFactory
	comp *armcompute.ClientFactory
}

func (a *App) clients() (*clients, error) {
	c, err := a.Connect()
	if err != nil {
		return nil, err
	}
	nf, err := armnetwork.NewClientFactory(c.Subscription, c.Cred, c.Options)
	if err != nil {
		return nil, err
	}
	cf, err := armcompute.NewClientFactory(c.Subscription, c.Cred, c.Options)
	if err != nil {
		return nil, err
	}
	return &clients{Conn: c, net: nf, comp: cf}, nil
}

// names says how a command's result is printed (see azShape).
type names int

const (
	aazNames    names = iota // flattened, names as in the API (az's aaz commands)
	pythonNames              // flattened, Python SDK spelling (network nic, vm)
	asIs                     // already what az prints
)

// simpleCmd is a command that connects, makes its calls and prints what
// they return (nothing for nil), after checking its required flags.
type simpleCmd struct {
	use, short string
	required   []string
	names      names
	table      func(any) any
	check      func() error // local checks, before connecting (may be nil)
	call       func(ctx context.Context, c *clients) (any, error)
}

// simple builds the command; the caller adds its flags, then (for
// commands with space-separated values) azArgs.
func (a *App) simple(s simpleCmd) *cobra.Command {
	return &cobra.Command{
		Use: s.use, Short: s.short, Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, s.required...); err != nil {
				return err
			}
			if s.check != nil {
				if err := s.check(); err != nil {
					return err
				}
			}
			c, err := a.clients()
			if err != nil {
				return err
			}
			v, err := s.call(cmd.Context(), c)
			if err != nil || v == nil {
				return err
			}
			if s.names != asIs {
				if v, err = shaped(v, s.names == pythonNames); err != nil {
					return err
				}
			}
			return a.Print(v, s.table)
		},
	}
}

// shaped is an SDK result as az prints it (see azShape).
func shaped(v any, pythonNames bool) (any, error) {
	j, err := toJSON(v)
	if err != nil {
		return nil, err
	}
	return azShape(j, pythonNames), nil
}

// location is the -l value or, like az, the resource group's location.
func (c *clients) location(ctx context.Context, flag, rg string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	gc, err := armresources.NewResourceGroupsClient(c.Subscription, c.Cred, c.Options)
	if err != nil {
		return "", err
	}
	resp, err := gc.Get(ctx, rg, nil)
	if err != nil {
		return "", err
	}
	return deref(resp.Location), nil
}

// resourceID formats an ID as Azure does: .../providers/{ns}/{type}/{name}
// followed by child type/name pairs.
func (c *Conn) resourceID(rg, ns, typ, name string, children ...string) string {
	id := "/subscriptions/" + c.Subscription + "/resourceGroups/" + rg + "/providers/" + ns + "/" + typ + "/" + name
	for i := 0; i+1 < len(children); i += 2 {
		id += "/" + children[i] + "/" + children[i+1]
	}
	return id
}

// orID takes a name (in rg) or an ID, and returns the ID.
func (c *Conn) orID(v, rg, ns, typ string) string {
	if strings.Contains(v, "/") {
		return v
	}
	return c.resourceID(rg, ns, typ, v)
}

// isResourceID tells a full resource ID from a name, like msrestazure's
// is_valid_resource_id.
func isResourceID(s string) bool {
	if !strings.HasPrefix(strings.ToLower(s), "/subscriptions/") {
		return false
	}
	id, err := arm.ParseResourceID(s)
	return err == nil && id.ResourceGroupName != "" && id.Name != ""
}

// idParts gives the group and name of a resource ID ("" if it is none).
func idParts(id string) (rg, name string) {
	r, err := arm.ParseResourceID(id)
	if err != nil {
		return "", ""
	}
	return r.ResourceGroupName, r.Name
}

// pollDone waits for a long-running operation with the progress display.
func pollDone[T any](ctx context.Context, a *App, p *runtime.Poller[T]) (T, error) {
	var out T
	err := a.withProgress(ctx, func(ctx context.Context) error {
		var err error
		out, err = p.PollUntilDone(ctx, nil)
		return err
	})
	return out, err
}

// finish waits for a begun operation unless --no-wait, and returns
// nothing to print: the end of a delete, start or stop.
func (a *App) finish(ctx context.Context, noWait bool, w waiter, err error) (any, error) {
	if err != nil || noWait {
		return nil, err
	}
	return nil, a.withProgress(ctx, w)
}

// collect reads every page of an SDK pager.
func collect[P any, T any](ctx context.Context, pager interface {
	More() bool
	NextPage(context.Context) (P, error)
}, items func(P) []*T) ([]*T, error) {
	all := []*T{}
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, items(page)...)
	}
	return all, nil
}

// rgNameFlags adds az's -g/--resource-group and -n/--name.
func rgNameFlags(cmd *cobra.Command, rg, name *string, what string) {
	cmd.Flags().StringVarP(rg, "resource-group", "g", "", "name of the resource group")
	cmd.Flags().StringVarP(name, "name", "n", "", "name of the "+what)
}

// childFlags adds -g, --vnet-name and (unless name is nil) -n for a child
// of a virtual network.
func childFlags(cmd *cobra.Command, rg, vnet, name *string, what string) {
	cmd.Flags().StringVarP(rg, "resource-group", "g", "", "name of the resource group")
	cmd.Flags().StringVar(vnet, "vnet-name", "", "name of the virtual network")
	if name != nil {
		cmd.Flags().StringVarP(name, "name", "n", "", "name of the "+what)
	}
}

// noWaitFlag adds az's --no-wait.
func noWaitFlag(cmd *cobra.Command, noWait *bool) {
	cmd.Flags().BoolVar(noWait, "no-wait", false, "do not wait for the long-running operation to finish")
}

// locationTagFlags adds -l/--location (default: the group's) and --tags.
func locationTagFlags(cmd *cobra.Command, location *string, tags *[]string) {
	cmd.Flags().StringVarP(location, "location", "l", "", "location; default: the resource group's location")
	multiFlag(cmd.Flags(), tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]")
}
