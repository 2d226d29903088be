package cli

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/spf13/cobra"
)

// az's identity commands print the Python SDK's Identity model: the
// properties flattened beside id, name and location, with resourceGroup
// added; -o table is az's automatic table of those scalars (ClientId,
// Location, Name, PrincipalId, ResourceGroup, TenantId), as the identity
// module has no table transformer.

const identityType = "Microsoft.ManagedIdentity/userAssignedIdentities"

// identityAPIVersion is the api-version of az 2.45's identity commands
// (its profile's azure-mgmt-msi version): the SDK client is pinned to it so
// that what is printed is what az prints, without the fields of later
// versions (isolationScope).
const identityAPIVersion = "2022-01-31-preview"

func identityCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "identity", Short: "Manage user-assigned managed identities"}
	g.AddCommand(identityCreateCmd(a), identityShowCmd(a), identityListCmd(a), identityDeleteCmd(a))
	return g
}

func identities(c *clients) (*armmsi.UserAssignedIdentitiesClient, error) {
	opts := *c.Options
	opts.APIVersion = identityAPIVersion
	return armmsi.NewUserAssignedIdentitiesClient(c.Subscription, c.Cred, &opts)
}

func identityCreateCmd(a *App) *cobra.Command {
	var rg, name, location string
	var tags []string
	cmd := a.simple(simpleCmd{use: "create", short: "Create a user-assigned identity", names: pythonNames,
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
			ic, err := identities(c)
			if err != nil {
				return nil, err
			}
			in := armmsi.Identity{Location: to.Ptr(loc)}
			if tags != nil {
				in.Tags = strPtrMap(t)
			}
			resp, err := ic.CreateOrUpdate(ctx, rg, name, in, nil)
			return resp.Identity, err
		}})
	rgNameFlags(cmd, &rg, &name, "identity resource")
	locationTagFlags(cmd, &location, &tags)
	azArgs(cmd, false)
	return cmd
}

// idRefs names the identities a command acts on: -g and -n, or --ids.
type idRefs struct {
	rg, name string
	ids      []string
}

func (r *idRefs) flags(cmd *cobra.Command) {
	rgNameFlags(cmd, &r.rg, &r.name, "identity resource")
	multiFlag(cmd.Flags(), &r.ids, "ids", "", nil,
		"one or more resource IDs (space-delimited); give either --ids or --resource-group and --name")
}

// refs are the (group, name) pairs given, checked before connecting.
func (r *idRefs) refs(cmd *cobra.Command) ([]ref, error) {
	if len(r.ids) == 0 {
		if err := requireFlags(cmd, "resource-group", "name"); err != nil {
			return nil, err
		}
		return []ref{{rg: r.rg, name: r.name}}, nil
	}
	if changed(cmd, "resource-group") || changed(cmd, "name") {
		return nil, usagef("--ids cannot be used with --resource-group or --name; give one or the other")
	}
	out := make([]ref, 0, len(r.ids))
	for _, id := range r.ids {
		p, err := arm.ParseResourceID(id)
		if err != nil || !isResourceID(id) || !strings.EqualFold(p.ResourceType.String(), identityType) {
			return nil, usagef("'%s' is not the resource ID of a user-assigned identity; it looks like /subscriptions/{subscription}/resourceGroups/{group}/providers/%s/{name}", id, identityType)
		}
		out = append(out, ref{rg: p.ResourceGroupName, name: p.Name})
	}
	return out, nil
}

func identityShowCmd(a *App) *cobra.Command {
	var r idRefs
	var refs []ref
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "show", short: "Get the details of a user-assigned identity", names: pythonNames,
		check: func() (err error) { refs, err = r.refs(cmd); return err },
		call: func(ctx context.Context, c *clients) (any, error) {
			ic, err := identities(c)
			if err != nil {
				return nil, err
			}
			var all []*armmsi.Identity
			for _, x := range refs {
				resp, err := ic.Get(ctx, x.rg, x.name, nil)
				if err != nil {
					return nil, err
				}
				all = append(all, &resp.Identity)
			}
			if len(all) == 1 { // az prints a list only for several --ids
				return all[0], nil
			}
			return all, nil
		}})
	r.flags(cmd)
	azArgs(cmd, false)
	return cmd
}

func identityListCmd(a *App) *cobra.Command {
	var rg string
	cmd := a.simple(simpleCmd{use: "list", short: "List user-assigned identities", names: pythonNames,
		call: func(ctx context.Context, c *clients) (any, error) {
			ic, err := identities(c)
			if err != nil {
				return nil, err
			}
			if rg != "" {
				return collect(ctx, ic.NewListByResourceGroupPager(rg, nil),
					func(p armmsi.UserAssignedIdentitiesClientListByResourceGroupResponse) []*armmsi.Identity {
						return p.Value
					})
			}
			return collect(ctx, ic.NewListBySubscriptionPager(nil),
				func(p armmsi.UserAssignedIdentitiesClientListBySubscriptionResponse) []*armmsi.Identity {
					return p.Value
				})
		}})
	cmd.Flags().StringVarP(&rg, "resource-group", "g", "", "name of the resource group; default: the whole subscription")
	return cmd
}

func identityDeleteCmd(a *App) *cobra.Command {
	var r idRefs
	var refs []ref
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "delete", short: "Delete a user-assigned identity",
		check: func() (err error) { refs, err = r.refs(cmd); return err },
		call: func(ctx context.Context, c *clients) (any, error) {
			ic, err := identities(c)
			if err != nil {
				return nil, err
			}
			for _, x := range refs {
				if _, err := ic.Delete(ctx, x.rg, x.name, nil); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}})
	r.flags(cmd)
	azArgs(cmd, false)
	return cmd
}
