package cli

import (
	"net/http"
	"net/url"

	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

// featuresAPIVersion is the Microsoft.Features api-version az 2.45 uses.
const featuresAPIVersion = "2021-07-01"

func featureCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "feature", Short: "Manage resource provider features (previews)"}
	g.AddCommand(featureRegisterCmd(a, "register"), featureRegisterCmd(a, "unregister"), featureShowCmd(a), featureListCmd(a))
	return g
}

func featurePath(sub, ns, name string) string {
	return "/subscriptions/" + sub + "/providers/Microsoft.Features/providers/" + url.PathEscape(ns) + "/features/" + url.PathEscape(name)
}

// featureTable is az's table for features: Name, RegistrationState.
func featureTable(v any) any {
	return mapRows(v, func(f map[string]any) output.Ordered {
		props, _ := f["properties"].(map[string]any)
		return row("Name", f["name"], "RegistrationState", props["state"])
	})
}

func featureFlags(cmd *cobra.Command, ns, name *string) {
	cmd.Flags().StringVar(ns, "namespace", "", "the resource namespace, e.g. Microsoft.ContainerService")
	cmd.Flags().StringVarP(name, "name", "n", "", "the feature name, e.g. AKSPrivateLinkPreview")
}

func featureRegisterCmd(a *App, verb string) *cobra.Command {
	var ns, name string
	short := "Register a preview feature"
	if verb == "unregister" {
		short = "Unregister a preview feature"
	}
	cmd := &cobra.Command{
		Use: verb, Short: short, Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "namespace", "name"); err != nil {
				return err
			}
			c, err := a.Connect()
			if err != nil {
				return err
			}
			v, err := c.Do(cmd.Context(), http.MethodPost, featurePath(c.Subscription, ns, name)+"/"+verb, featuresAPIVersion, nil)
			if err != nil {
				return err
			}
			if verb == "register" {
				a.Warn("Once the feature '%s' is registered, invoking 'aksbox provider register -n %s' is required to get the change propagated", name, ns)
			}
			return a.Print(v, featureTable)
		},
	}
	featureFlags(cmd, &ns, &name)
	return cmd
}

func featureShowCmd(a *App) *cobra.Command {
	var ns, name string
	cmd := &cobra.Command{
		Use: "show", Short: "Get the details of a feature", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "namespace", "name"); err != nil {
				return err
			}
			c, err := a.Connect()
			if err != nil {
				return err
			}
			v, err := c.Do(cmd.Context(), http.MethodGet, featurePath(c.Subscription, ns, name), featuresAPIVersion, nil)
			if err != nil {
				return err
			}
			return a.Print(v, featureTable)
		},
	}
	featureFlags(cmd, &ns, &name)
	return cmd
}

func featureListCmd(a *App) *cobra.Command {
	var ns string
	cmd := &cobra.Command{
		Use: "list", Short: "List preview features", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Connect()
			if err != nil {
				return err
			}
			path := "/subscriptions/" + c.Subscription + "/providers/Microsoft.Features/features"
			if ns != "" {
				path = "/subscriptions/" + c.Subscription + "/providers/Microsoft.Features/providers/" + url.PathEscape(ns) + "/features"
			}
			items, err := c.List(cmd.Context(), path, featuresAPIVersion)
			if err != nil {
				return err
			}
			return a.Print(items, featureTable)
		},
	}
	cmd.Flags().StringVar(&ns, "namespace", "", "only the features of this resource namespace")
	return cmd
}
