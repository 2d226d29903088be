package cli

import (
	"context"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/spf13/cobra"
)

// ref names a resource: its group, its parent's name for a child of a
// virtual network, and its name. For list, rg may be empty (the whole
// subscription) and name is.
type ref struct{ rg, parent, name string }

// networkAPIVersion is the Microsoft.Network api-version of az 2.45,
// for the raw list calls.
const networkAPIVersion = "2022-01-01"

// kind is a Microsoft.Network resource type with az's show, list and
// delete commands: show and delete through the SDK, list as a raw call
// (a group's, or the subscription's when no group is given).
type kind struct {
	what      string // e.g. "virtual network"
	typ       string // e.g. "virtualNetworks", or "subnets" for a child of one
	parent    string // flag naming the parent virtual network; "" for a top-level type
	names     names
	table     func(any) any // -o table of show and list
	listTable func(any) any // -o table of list only
	get       func(ctx context.Context, c *clients, r ref) (any, error)
	del       func(ctx context.Context, c *clients, r ref) (waiter, error)
}

// listPath is the ARM path listing the kind under r.
func (k kind) listPath(sub string, r ref) string {
	p := "/subscriptions/" + sub
	if r.rg != "" {
		p += "/resourceGroups/" + url.PathEscape(r.rg)
	}
	p += "/providers/Microsoft.Network/"
	if k.parent != "" {
		return p + "virtualNetworks/" + url.PathEscape(r.parent) + "/" + k.typ
	}
	return p + k.typ
}

// waiter waits for a long-running operation that has begun.
type waiter func(ctx context.Context) error

func begun[T any](p *runtime.Poller[T], err error) (waiter, error) {
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		_, err := p.PollUntilDone(ctx, nil)
		return err
	}, nil
}

// flags adds -g, the parent's flag and (with name) -n.
func (k kind) flags(cmd *cobra.Command, r *ref, name bool) {
	cmd.Flags().StringVarP(&r.rg, "resource-group", "g", "", "name of the resource group")
	if k.parent != "" {
		cmd.Flags().StringVar(&r.parent, k.parent, "", "name of the virtual network")
	}
	if name {
		cmd.Flags().StringVarP(&r.name, "name", "n", "", "name of the "+k.what)
	}
}

// required are the flags naming one resource.
func (k kind) required() []string {
	if k.parent != "" {
		return []string{"resource-group", k.parent, "name"}
	}
	return []string{"resource-group", "name"}
}

// commands are the kind's show, list and delete.
func (a *App) commands(k kind) []*cobra.Command {
	var sr, lr, dr ref
	var noWait bool
	show := a.simple(simpleCmd{use: "show", short: "Get the details of a " + k.what, names: k.names, table: k.table,
		required: k.required(),
		call:     func(ctx context.Context, c *clients) (any, error) { return k.get(ctx, c, sr) }})
	k.flags(show, &sr, true)
	listRequired := []string{"resource-group", k.parent}
	if k.parent == "" {
		listRequired = nil
	}
	if k.listTable == nil {
		k.listTable = k.table
	}
	plural := k.what + "s"
	if strings.HasSuffix(k.what, "s") {
		plural = k.what + "es"
	}
	list := a.simple(simpleCmd{use: "list", short: "List " + plural, names: k.names, table: k.listTable, required: listRequired,
		call: func(ctx context.Context, c *clients) (any, error) {
			return c.List(ctx, k.listPath(c.Subscription, lr), networkAPIVersion)
		}})
	k.flags(list, &lr, false)
	del := a.simple(simpleCmd{use: "delete", short: "Delete a " + k.what, required: k.required(),
		call: func(ctx context.Context, c *clients) (any, error) {
			w, err := k.del(ctx, c, dr)
			return a.finish(ctx, noWait, w, err)
		}})
	k.flags(del, &dr, true)
	noWaitFlag(del, &noWait)
	return []*cobra.Command{show, list, del}
}
