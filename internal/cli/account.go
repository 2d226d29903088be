package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/aksbox/aksbox/internal/identity"
	"github.com/aksbox/aksbox/internal/instance"
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

func envCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "env",
		Short: "Print shell exports that point Azure clients (az, the Azure SDKs) at this instance",
		Long: "Prints export lines; after eval \"$(aksbox env)\" the Azure CLI logs in with\n" +
			"  az login --service-principal -u \"$AZURE_CLIENT_ID\" -p \"$AZURE_CLIENT_SECRET\" --tenant \"$AZURE_TENANT_ID\"",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := a.Dir()
			srv, err := dir.ReadServer()
			if err != nil {
				return err
			}
			d, err := identity.LoadOrCreateDirectory(dir.IdentityFile())
			if err != nil {
				return err
			}
			bundle, err := prepareAzureConfig(dir)
			if err != nil {
				return err
			}
			p := d.Principals()[0]
			vars := [][2]string{
				{"AKSBOX_ENDPOINT", srv.Endpoint},
				{"AKSBOX_STATE_DIR", string(dir)},
				{"REQUESTS_CA_BUNDLE", bundle},
				{"SSL_CERT_FILE", bundle},
				{"ARM_CLOUD_METADATA_URL", srv.Endpoint + "/metadata/endpoints?api-version=2019-05-01"},
				{"AZURE_CONFIG_DIR", dir.AzureConfigDir()},
				{"AZURE_CLIENT_ID", p.ClientID},
				{"AZURE_CLIENT_SECRET", p.Secret},
				{"AZURE_TENANT_ID", d.TenantID()},
				{"AZURE_SUBSCRIPTION_ID", d.Subscriptions()[0].SubscriptionID},
				{"AZURE_AUTHORITY_HOST", srv.Endpoint + "/"},
				{"AZURE_CORE_COLLECT_TELEMETRY", "false"},
				{"AZURE_CORE_ERROR_RECOMMENDATION", "off"},
				{"AZURE_CORE_ONLY_SHOW_ERRORS", "false"},
				{"NO_PROXY", noProxy()},
				{"no_proxy", noProxy()},
			}
			for _, v := range vars {
				fmt.Fprintf(a.Stdout, "export %s=%s\n", v[0], shellQuote(v[1]))
			}
			return nil
		},
	}
}

// prepareAzureConfig makes the Azure CLI config dir of the instance so that
// az works offline against it: no first-run version probe, and no cloud
// metadata cached from another address. It returns the CA bundle to trust:
// the system's CAs plus the instance's, so other tools in the shell still
// verify public hosts.
func prepareAzureConfig(dir instance.Dir) (string, error) {
	cfg := dir.AzureConfigDir()
	if err := os.MkdirAll(cfg, 0o700); err != nil {
		return "", err
	}
	vc := filepath.Join(cfg, "versionCheck.json")
	if _, err := os.Stat(vc); os.IsNotExist(err) {
		if err := os.WriteFile(vc, []byte(`{"versions":{"core":{"local":"2.45.0"}}}`), 0o600); err != nil {
			return "", err
		}
	}
	// az caches the cloud metadata forever; drop it so a new address is read.
	_ = os.Remove(filepath.Join(cfg, "cloudEndpoints.json"))
	ca, err := os.ReadFile(dir.CAFile())
	if err != nil {
		return "", fmt.Errorf("reading the instance CA: %w", err)
	}
	system, _ := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	bundle := dir.Path("pki", "ca-bundle.crt")
	data := append(append(system, '\n'), ca...)
	if err := os.WriteFile(bundle, data, 0o644); err != nil {
		return "", err
	}
	return bundle, nil
}

func noProxy() string {
	v := os.Getenv("NO_PROXY")
	if v == "" {
		v = os.Getenv("no_proxy")
	}
	if v != "" {
		return v + ",127.0.0.1,localhost"
	}
	return "127.0.0.1,localhost"
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
