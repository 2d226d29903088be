package cli

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/aksbox/aksbox/internal/identity"
	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/nsexec"
	"github.com/spf13/cobra"
)

func envCmd(a *App) *cobra.Command {
	var terraform bool
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print shell exports that point Azure clients (az, the Azure SDKs, Terraform) at this instance",
		Long: "Prints export lines; after eval \"$(aksbox env)\" the Azure CLI logs in with\n" +
			"  az login --service-principal -u \"$AZURE_CLIENT_ID\" -p \"$AZURE_CLIENT_SECRET\" --tenant \"$AZURE_TENANT_ID\"\n" +
			"With --terraform it also prints what Terraform's azurerm provider reads: the ARM_*\n" +
			"credentials, ARM_METADATA_HOSTNAME (the provider's metadata_host) and, once\n" +
			"hack/terraform-provider.sh has built the provider, TF_CLI_CONFIG_FILE.",
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
			if terraform {
				vars = append(vars, terraformVars(srv.Endpoint, vars)...)
			}
			for _, v := range vars {
				fmt.Fprintf(a.Stdout, "export %s=%s\n", v[0], nsexec.Quote(v[1]))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&terraform, "terraform", false, "also print the variables of Terraform's azurerm provider")
	return cmd
}

// terraformVars are the variables Terraform's azurerm provider reads, made
// from the AZURE_* ones: the service principal's client credentials, the
// metadata host it loads the cloud from (the single-cloud form of
// /metadata/endpoints, AAD-shaped), no automatic provider registration
// (aksbox's providers are registered on first use), and the CLI
// configuration written by hack/terraform-provider.sh when it exists.
func terraformVars(endpoint string, azure [][2]string) [][2]string {
	get := func(name string) string {
		for _, v := range azure {
			if v[0] == name {
				return v[1]
			}
		}
		return ""
	}
	host := endpoint
	if u, err := url.Parse(endpoint); err == nil {
		host = u.Host
	}
	vars := [][2]string{
		{"ARM_CLIENT_ID", get("AZURE_CLIENT_ID")},
		{"ARM_CLIENT_SECRET", get("AZURE_CLIENT_SECRET")},
		{"ARM_TENANT_ID", get("AZURE_TENANT_ID")},
		{"ARM_SUBSCRIPTION_ID", get("AZURE_SUBSCRIPTION_ID")},
		{"ARM_METADATA_HOSTNAME", host},
		{"ARM_RESOURCE_PROVIDER_REGISTRATIONS", "none"},
	}
	if rc := TerraformCLIConfig(); rc != "" {
		vars = append(vars, [2]string{"TF_CLI_CONFIG_FILE", rc})
	}
	return vars
}

// TerraformCLIConfig is the Terraform CLI configuration that
// hack/terraform-provider.sh writes beside the provider it built, or "" when
// it has not run. The cache folder is AKSBOX_TERRAFORM_CACHE, else
// aksbox/terraform in the user's cache folder.
func TerraformCLIConfig() string {
	dir := os.Getenv("AKSBOX_TERRAFORM_CACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "aksbox", "terraform")
	}
	rc := filepath.Join(dir, "terraformrc")
	if _, err := os.Stat(rc); err != nil {
		return ""
	}
	return rc
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
