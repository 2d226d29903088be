package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
	"github.com/spf13/cobra"
)

// az's acr commands print the Python SDK's Registry model, flattened as
// the other groups' (names: pythonNames). Without -g, a registry is found
// by name in the subscription, as az does.

const registryType = "Microsoft.ContainerRegistry/registries"

func acrCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "acr", Short: "Manage private registries with Azure Container Registries"}
	cred := &cobra.Command{Use: "credential", Short: "Manage login credentials of the admin user"}
	cred.AddCommand(acrCredentialShowCmd(a), acrCredentialRenewCmd(a))
	g.AddCommand(acrCreateCmd(a), acrShowCmd(a), acrListCmd(a), acrDeleteCmd(a), acrUpdateCmd(a), acrCheckNameCmd(a),
		acrLoginCmd(a), cred, acrRepositoryCmd(a), acrEndpointConnectionCmd(a))
	return g
}

func registries(c *clients) (*armcontainerregistry.RegistriesClient, error) {
	return armcontainerregistry.NewRegistriesClient(c.Subscription, c.Cred, c.Options)
}

// findRegistry is the registry named name, in rg or (rg empty) anywhere
// in the subscription.
func findRegistry(ctx context.Context, c *clients, rg, name string) (*armcontainerregistry.Registry, string, error) {
	rc, err := registries(c)
	if err != nil {
		return nil, "", err
	}
	if rg != "" {
		resp, err := rc.Get(ctx, rg, name, nil)
		return &resp.Registry, rg, err
	}
	all, err := collect(ctx, rc.NewListPager(nil), func(p armcontainerregistry.RegistriesClientListResponse) []*armcontainerregistry.Registry {
		return p.Value
	})
	if err != nil {
		return nil, "", err
	}
	for _, r := range all {
		if strings.EqualFold(deref(r.Name), name) {
			g, _ := idParts(deref(r.ID))
			return r, g, nil
		}
	}
	return nil, "", fmt.Errorf("The resource with name '%s' and type '%s' could not be found in subscription '%s'.", name, registryType, c.Subscription)
}

func skuOf(name string) *armcontainerregistry.SKU {
	return &armcontainerregistry.SKU{Name: to.Ptr(armcontainerregistry.SKUName(name))}
}

func accessOf(enabled bool) *armcontainerregistry.PublicNetworkAccess {
	if enabled {
		return to.Ptr(armcontainerregistry.PublicNetworkAccessEnabled)
	}
	return to.Ptr(armcontainerregistry.PublicNetworkAccessDisabled)
}

// registryFlags adds what create and update set alike.
func registryFlags(cmd *cobra.Command, sku *string, admin, public **bool) {
	cmd.Flags().StringVar(sku, "sku", "", "the SKU of the registry: Basic, Standard or Premium")
	triBoolFlag(cmd.Flags(), admin, "admin-enabled", "enable the admin user")
	triBoolFlag(cmd.Flags(), public, "public-network-enabled", "allow access from the public network (Premium may disable it)")
}

func acrCreateCmd(a *App) *cobra.Command {
	var rg, name, location, sku string
	var tags []string
	var admin, public *bool
	var noWait bool
	cmd := a.simple(simpleCmd{use: "create", short: "Create an Azure Container Registry", names: pythonNames,
		required: []string{"resource-group", "name", "sku"},
		call: func(ctx context.Context, c *clients) (any, error) {
			t, err := parseTags(tags, nil)
			if err != nil {
				return nil, err
			}
			loc, err := c.location(ctx, location, rg)
			if err != nil {
				return nil, err
			}
			rc, err := registries(c)
			if err != nil {
				return nil, err
			}
			in := armcontainerregistry.Registry{Location: to.Ptr(loc), SKU: skuOf(sku),
				Properties: &armcontainerregistry.RegistryProperties{AdminUserEnabled: to.Ptr(admin != nil && *admin)}}
			if public != nil {
				in.Properties.PublicNetworkAccess = accessOf(*public)
			}
			if tags != nil {
				in.Tags = strPtrMap(t)
			}
			p, err := rc.BeginCreate(ctx, rg, name, in, nil)
			if err != nil || noWait {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.Registry, err
		}})
	rgNameFlags(cmd, &rg, &name, "container registry")
	locationTagFlags(cmd, &location, &tags)
	registryFlags(cmd, &sku, &admin, &public)
	noWaitFlag(cmd, &noWait)
	azArgs(cmd, false)
	return cmd
}

func acrShowCmd(a *App) *cobra.Command {
	var rg, name string
	cmd := a.simple(simpleCmd{use: "show", short: "Get the details of an Azure Container Registry", names: pythonNames,
		required: []string{"name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			r, _, err := findRegistry(ctx, c, rg, name)
			return r, err
		}})
	rgNameFlags(cmd, &rg, &name, "container registry")
	return cmd
}

func acrListCmd(a *App) *cobra.Command {
	var rg string
	cmd := a.simple(simpleCmd{use: "list", short: "List Azure Container Registries", names: pythonNames,
		call: func(ctx context.Context, c *clients) (any, error) {
			rc, err := registries(c)
			if err != nil {
				return nil, err
			}
			if rg != "" {
				return collect(ctx, rc.NewListByResourceGroupPager(rg, nil),
					func(p armcontainerregistry.RegistriesClientListByResourceGroupResponse) []*armcontainerregistry.Registry {
						return p.Value
					})
			}
			return collect(ctx, rc.NewListPager(nil),
				func(p armcontainerregistry.RegistriesClientListResponse) []*armcontainerregistry.Registry {
					return p.Value
				})
		}})
	cmd.Flags().StringVarP(&rg, "resource-group", "g", "", "name of the resource group")
	return cmd
}

func acrDeleteCmd(a *App) *cobra.Command {
	var rg, name string
	var yes bool
	cmd := a.simple(simpleCmd{use: "delete", short: "Delete an Azure Container Registry", required: []string{"name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			if err := a.confirm(yes, "Are you sure you want to delete the registry '"+name+"'?"); err != nil {
				return nil, err
			}
			_, g, err := findRegistry(ctx, c, rg, name)
			if err != nil {
				return nil, err
			}
			rc, err := registries(c)
			if err != nil {
				return nil, err
			}
			p, err := rc.BeginDelete(ctx, g, name, nil)
			if err != nil {
				return nil, err
			}
			_, err = pollDone(ctx, a, p)
			return nil, err
		}})
	rgNameFlags(cmd, &rg, &name, "container registry")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not prompt for confirmation")
	return cmd
}

func acrUpdateCmd(a *App) *cobra.Command {
	var rg, name, sku string
	var tags []string
	var admin, public *bool
	cmd := a.simple(simpleCmd{use: "update", short: "Update an Azure Container Registry", names: pythonNames,
		required: []string{"name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			_, g, err := findRegistry(ctx, c, rg, name)
			if err != nil {
				return nil, err
			}
			in := armcontainerregistry.RegistryUpdateParameters{Properties: &armcontainerregistry.RegistryPropertiesUpdateParameters{}}
			if sku != "" {
				in.SKU = skuOf(sku)
			}
			if admin != nil {
				in.Properties.AdminUserEnabled = admin
			}
			if public != nil {
				in.Properties.PublicNetworkAccess = accessOf(*public)
			}
			if tags != nil {
				t, err := parseTags(tags, nil)
				if err != nil {
					return nil, err
				}
				in.Tags = strPtrMap(t)
			}
			rc, err := registries(c)
			if err != nil {
				return nil, err
			}
			p, err := rc.BeginUpdate(ctx, g, name, in, nil)
			if err != nil {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			return resp.Registry, err
		}})
	rgNameFlags(cmd, &rg, &name, "container registry")
	multiFlag(cmd.Flags(), &tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]")
	registryFlags(cmd, &sku, &admin, &public)
	azArgs(cmd, false)
	return cmd
}

func acrCheckNameCmd(a *App) *cobra.Command {
	var name string
	cmd := a.simple(simpleCmd{use: "check-name", short: "Check whether a registry name is available", names: pythonNames,
		required: []string{"name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			rc, err := registries(c)
			if err != nil {
				return nil, err
			}
			resp, err := rc.CheckNameAvailability(ctx, armcontainerregistry.RegistryNameCheckRequest{
				Name: to.Ptr(name), Type: to.Ptr(registryType)}, nil)
			return resp.RegistryNameStatus, err
		}})
	cmd.Flags().StringVarP(&name, "name", "n", "", "the registry name to check")
	return cmd
}

func acrCredentialShowCmd(a *App) *cobra.Command {
	var rg, name string
	cmd := a.simple(simpleCmd{use: "show", short: "Get the login credentials of the admin user", names: pythonNames,
		required: []string{"name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			r, g, err := findRegistry(ctx, c, rg, name)
			if err != nil {
				return nil, err
			}
			if r.Properties == nil || r.Properties.AdminUserEnabled == nil || !*r.Properties.AdminUserEnabled {
				return nil, fmt.Errorf("Run 'aksbox acr update -n %s --admin-enabled true' to enable admin first.", name)
			}
			rc, err := registries(c)
			if err != nil {
				return nil, err
			}
			resp, err := rc.ListCredentials(ctx, g, name, nil)
			return resp.RegistryListCredentialsResult, err
		}})
	rgNameFlags(cmd, &rg, &name, "container registry")
	return cmd
}

func acrCredentialRenewCmd(a *App) *cobra.Command {
	var rg, name, which string
	cmd := a.simple(simpleCmd{use: "renew", short: "Regenerate a password of the admin user", names: pythonNames,
		required: []string{"name", "password-name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			_, g, err := findRegistry(ctx, c, rg, name)
			if err != nil {
				return nil, err
			}
			rc, err := registries(c)
			if err != nil {
				return nil, err
			}
			resp, err := rc.RegenerateCredential(ctx, g, name, armcontainerregistry.RegenerateCredentialParameters{
				Name: to.Ptr(armcontainerregistry.PasswordName(which))}, nil)
			return resp.RegistryListCredentialsResult, err
		}})
	rgNameFlags(cmd, &rg, &name, "container registry")
	cmd.Flags().StringVar(&which, "password-name", "", "the password to regenerate: password or password2")
	return cmd
}
