package cli

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/identity"
	"github.com/spf13/cobra"
)

// accounts lists the subscriptions the instance's principal sees, shaped
// like az's account list.
func (a *App) accounts(ctx context.Context, c *Conn) ([]any, error) {
	v, err := c.Do(ctx, http.MethodGet, "/subscriptions", "2022-12-01", nil)
	if err != nil {
		return nil, err
	}
	page, _ := v.(map[string]any)
	subs, _ := page["value"].([]any)
	out := make([]any, 0, len(subs))
	for _, s := range subs {
		m, _ := s.(map[string]any)
		out = append(out, map[string]any{
			"cloudName":        identity.DefaultCloudName,
			"environmentName":  "aksbox",
			"homeTenantId":     m["tenantId"],
			"tenantId":         m["tenantId"],
			"id":               m["subscriptionId"],
			"name":             m["displayName"],
			"state":            m["state"],
			"isDefault":        strings.EqualFold(fmt.Sprint(m["subscriptionId"]), c.Subscription),
			"managedByTenants": []any{},
			"user":             map[string]any{"name": c.ClientID, "type": "servicePrincipal"},
		})
	}
	return out, nil
}

func loginCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use: "login", Short: "Sign in to the running instance as its service principal", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Connect()
			if err != nil {
				return err
			}
			accts, err := a.accounts(cmd.Context(), c)
			if err != nil {
				return err
			}
			return a.Print(accts, nil)
		},
	}
}

func accountCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "account", Short: "Show the subscription and principal in use"}
	show := &cobra.Command{
		Use: "show", Short: "Get the details of the subscription in use", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Connect()
			if err != nil {
				return err
			}
			accts, err := a.accounts(cmd.Context(), c)
			if err != nil {
				return err
			}
			for _, acc := range accts {
				if acc.(map[string]any)["isDefault"] == true {
					return a.Print(acc, nil)
				}
			}
			return fmt.Errorf("subscription '%s' not found; see 'aksbox account list'", c.Subscription)
		},
	}
	list := &cobra.Command{
		Use: "list", Short: "List the subscriptions of the instance", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Connect()
			if err != nil {
				return err
			}
			accts, err := a.accounts(cmd.Context(), c)
			if err != nil {
				return err
			}
			return a.Print(accts, nil)
		},
	}
	g.AddCommand(show, list)
	return g
}
