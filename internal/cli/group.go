package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func groupCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "group", Short: "Manage resource groups"}
	g.AddCommand(groupCreateCmd(a), groupShowCmd(a), groupListCmd(a), groupDeleteCmd(a),
		groupExistsCmd(a), groupWaitCmd(a), groupUpdateCmd(a))
	return g
}

func (a *App) groupsClient() (*armresources.ResourceGroupsClient, *Conn, error) {
	c, err := a.Connect()
	if err != nil {
		return nil, nil, err
	}
	gc, err := armresources.NewResourceGroupsClient(c.Subscription, c.Cred, c.Options)
	return gc, c, err
}

// groupTable is az's table transformer for groups: Name, Location, Status.
func groupTable(v any) any {
	row := func(g map[string]any) output.Ordered {
		props, _ := g["properties"].(map[string]any)
		return row("Name", g["name"], "Location", g["location"], "Status", props["provisioningState"])
	}
	return mapRows(v, row)
}

func groupCreateCmd(a *App) *cobra.Command {
	var name, location, managedBy string
	var tags []string
	cmd := &cobra.Command{
		Use: "create", Short: "Create a new resource group",
		Args: extraTagArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name", "location"); err != nil {
				return err
			}
			t, err := parseTags(tags, args)
			if err != nil {
				return err
			}
			gc, _, err := a.groupsClient()
			if err != nil {
				return err
			}
			rg := armresources.ResourceGroup{Location: to.Ptr(location), Tags: strPtrMap(t)}
			if managedBy != "" {
				rg.ManagedBy = to.Ptr(managedBy)
			}
			resp, err := gc.CreateOrUpdate(cmd.Context(), name, rg, nil)
			if err != nil {
				return err
			}
			return a.printModel(resp.ResourceGroup, nil)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "name of the new resource group")
	cmd.Flags().StringVarP(&name, "resource-group", "g", "", "name of the new resource group")
	cmd.Flags().StringVarP(&location, "location", "l", "", "location, e.g. westus2")
	cmd.Flags().StringVar(&managedBy, "managed-by", "", "ID of the resource that manages this group")
	cmd.Flags().StringArrayVar(&tags, "tags", nil, "space-separated tags: key[=value] [key[=value] ...]")
	markAlias(cmd, "name", "resource-group")
	return cmd
}

func groupShowCmd(a *App) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use: "show", Short: "Get a resource group", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name"); err != nil {
				return err
			}
			gc, _, err := a.groupsClient()
			if err != nil {
				return err
			}
			resp, err := gc.Get(cmd.Context(), name, nil)
			if err != nil {
				return err
			}
			return a.printModel(resp.ResourceGroup, groupTable)
		},
	}
	nameFlags(cmd, &name)
	return cmd
}

func groupListCmd(a *App) *cobra.Command {
	var tag string
	cmd := &cobra.Command{
		Use: "list", Short: "List resource groups", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			gc, _, err := a.groupsClient()
			if err != nil {
				return err
			}
			opts := &armresources.ResourceGroupsClientListOptions{}
			if tag != "" {
				k, v, hasV := strings.Cut(tag, "=")
				f := fmt.Sprintf("tagName eq '%s'", k)
				if hasV {
					f += fmt.Sprintf(" and tagValue eq '%s'", v)
				}
				opts.Filter = &f
			}
			var all []*armresources.ResourceGroup
			pager := gc.NewListPager(opts)
			for pager.More() {
				page, err := pager.NextPage(cmd.Context())
				if err != nil {
					return err
				}
				all = append(all, page.Value...)
			}
			return a.printModel(all, groupTable)
		},
	}
	cmd.Flags().StringVar(&tag, "tag", "", "a single tag in 'key[=value]' format")
	return cmd
}

func groupDeleteCmd(a *App) *cobra.Command {
	var name string
	var yes, noWait bool
	cmd := &cobra.Command{
		Use: "delete", Short: "Delete a resource group and everything in it", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name"); err != nil {
				return err
			}
			if err := a.confirm(yes, "Are you sure you want to perform this operation?"); err != nil {
				return err
			}
			gc, _, err := a.groupsClient()
			if err != nil {
				return err
			}
			poller, err := gc.BeginDelete(cmd.Context(), name, nil)
			if err != nil || noWait {
				return err
			}
			return a.withProgress(cmd.Context(), func(ctx context.Context) error {
				_, err := poller.PollUntilDone(ctx, nil)
				return err
			})
		},
	}
	nameFlags(cmd, &name)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not prompt for confirmation")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "do not wait for the long-running operation to finish")
	return cmd
}

func groupExistsCmd(a *App) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use: "exists", Short: "Check if a resource group exists", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name"); err != nil {
				return err
			}
			gc, _, err := a.groupsClient()
			if err != nil {
				return err
			}
			resp, err := gc.CheckExistence(cmd.Context(), name, nil)
			if err != nil {
				return err
			}
			return a.Print(resp.Success, nil)
		},
	}
	nameFlags(cmd, &name)
	return cmd
}

func groupUpdateCmd(a *App) *cobra.Command {
	var name string
	var tags []string
	cmd := &cobra.Command{
		Use: "update", Short: "Update a resource group's tags", Args: extraTagArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name"); err != nil {
				return err
			}
			t, err := parseTags(tags, args)
			if err != nil {
				return err
			}
			gc, _, err := a.groupsClient()
			if err != nil {
				return err
			}
			patch := armresources.ResourceGroupPatchable{}
			if cmd.Flags().Changed("tags") {
				patch.Tags = strPtrMap(t)
			}
			resp, err := gc.Update(cmd.Context(), name, patch, nil)
			if err != nil {
				return err
			}
			return a.printModel(resp.ResourceGroup, nil)
		},
	}
	nameFlags(cmd, &name)
	cmd.Flags().StringArrayVar(&tags, "tags", nil, "space-separated tags: key[=value] [key[=value] ...]; \"\" clears them")
	return cmd
}

func groupWaitCmd(a *App) *cobra.Command {
	var name string
	var w waitFlags
	cmd := &cobra.Command{
		Use: "wait", Short: "Wait until a resource group meets a condition", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name"); err != nil {
				return err
			}
			gc, _, err := a.groupsClient()
			if err != nil {
				return err
			}
			return w.wait(cmd.Context(), func(ctx context.Context) (string, bool, error) {
				resp, err := gc.Get(ctx, name, nil)
				if isNotFound(err) {
					return "", false, nil
				}
				if err != nil {
					return "", false, err
				}
				return deref(resp.Properties.ProvisioningState), true, nil
			})
		},
	}
	nameFlags(cmd, &name)
	w.add(cmd)
	return cmd
}

// nameFlags adds -n/--name with -g/--resource-group as its alias, as az's
// group commands have.
func nameFlags(cmd *cobra.Command, name *string) {
	cmd.Flags().StringVarP(name, "name", "n", "", "name of the resource group")
	cmd.Flags().StringVarP(name, "resource-group", "g", "", "name of the resource group")
	markAlias(cmd, "name", "resource-group")
}
