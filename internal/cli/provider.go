package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func providerCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "provider", Short: "Manage resource providers"}
	g.AddCommand(providerRegisterCmd(a, true), providerRegisterCmd(a, false), providerShowCmd(a), providerListCmd(a))
	return g
}

func (a *App) providersClient() (*armresources.ProvidersClient, error) {
	c, err := a.Connect()
	if err != nil {
		return nil, err
	}
	return armresources.NewProvidersClient(c.Subscription, c.Cred, c.Options)
}

// providerTable is az's table for providers.
func providerTable(v any) any {
	return mapRows(v, func(p map[string]any) output.Ordered {
		return row("Namespace", p["namespace"], "RegistrationPolicy", p["registrationPolicy"], "RegistrationState", p["registrationState"])
	})
}

func providerRegisterCmd(a *App, register bool) *cobra.Command {
	var ns string
	var wait bool
	verb, short, final, ongoing := "register", "Register a resource provider", "Registered", "Registering"
	if !register {
		verb, short, final, ongoing = "unregister", "Unregister a resource provider", "NotRegistered", "Unregistering"
	}
	cmd := &cobra.Command{
		Use: verb, Short: short, Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "namespace"); err != nil {
				return err
			}
			pc, err := a.providersClient()
			if err != nil {
				return err
			}
			var state *string
			if register {
				resp, err := pc.Register(cmd.Context(), ns, nil)
				if err != nil {
					return err
				}
				state = resp.RegistrationState
			} else {
				resp, err := pc.Unregister(cmd.Context(), ns, nil)
				if err != nil {
					return err
				}
				state = resp.RegistrationState
			}
			if deref(state) == final {
				return nil
			}
			if !wait {
				a.Warn("%s is still on-going. You can monitor using 'aksbox provider show -n %s'", ongoing, ns)
				return nil
			}
			return a.withProgress(cmd.Context(), func(ctx context.Context) error {
				for {
					resp, err := pc.Get(ctx, ns, nil)
					if err != nil {
						return err
					}
					if deref(resp.RegistrationState) == final {
						return nil
					}
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-time.After(time.Second):
					}
				}
			})
		},
	}
	cmd.Flags().StringVarP(&ns, "namespace", "n", "", "the resource namespace, e.g. Microsoft.ContainerService")
	cmd.Flags().BoolVar(&wait, "wait", false, fmt.Sprintf("wait until the provider is %s", final))
	return cmd
}

func providerShowCmd(a *App) *cobra.Command {
	var ns string
	cmd := &cobra.Command{
		Use: "show", Short: "Get the details of a resource provider", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "namespace"); err != nil {
				return err
			}
			pc, err := a.providersClient()
			if err != nil {
				return err
			}
			resp, err := pc.Get(cmd.Context(), ns, nil)
			if err != nil {
				return err
			}
			return a.printModel(resp.Provider, providerTable)
		},
	}
	cmd.Flags().StringVarP(&ns, "namespace", "n", "", "the resource namespace")
	return cmd
}

func providerListCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use: "list", Short: "List resource providers", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			pc, err := a.providersClient()
			if err != nil {
				return err
			}
			var all []*armresources.Provider
			pager := pc.NewListPager(nil)
			for pager.More() {
				page, err := pager.NextPage(cmd.Context())
				if err != nil {
					return err
				}
				all = append(all, page.Value...)
			}
			return a.printModel(all, providerTable)
		},
	}
	return cmd
}
