package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/spf13/cobra"
)

// 'aks check-acr': az runs a diagnostic container on a node and prints its
// log. aksbox runs no containers; it makes the same checks through the
// API: the registry exists, the kubelet identity holds a role that lets it
// pull there, and — through 'aks command invoke', on a node — the login
// server resolves in the node's network and answers HTTPS from it.

// pullRoles are the built-in roles that let a principal pull from a
// registry (at its scope or above), by ID.
var pullRoles = map[string]string{
	acrPullRole:                            "AcrPull",
	"8311e382-0749-4cb8-b61a-304f252e45ec": "AcrPush",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
}

func aksCheckACRCmd(a *App) *cobra.Command {
	var rg, name, acr string
	cmd := &cobra.Command{
		Use: "check-acr", Short: "Check that a cluster's nodes can pull from a container registry", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "resource-group", "name", "acr"); err != nil {
				return err
			}
			c, err := a.clients()
			if err != nil {
				return err
			}
			return a.checkACR(cmd.Context(), c, rg, name, acr)
		},
	}
	clusterFlags(cmd, &rg, &name)
	cmd.Flags().StringVar(&acr, "acr", "", "the registry's login server (myregistry.azurecr.io) or name")
	return cmd
}

// checkACR prints each check as it passes and fails at the first that
// does not, naming what would fix it: the registry, the network path from
// the nodes, the kubelet identity's role.
func (a *App) checkACR(ctx context.Context, c *clients, rg, name, acr string) error {
	mcs, err := managedClusters(c)
	if err != nil {
		return err
	}
	got, err := mcs.Get(ctx, rg, name, nil)
	if err != nil {
		return err
	}
	mc := &got.ManagedCluster
	reg, _, err := findRegistry(ctx, c, "", strings.TrimSuffix(strings.ToLower(acr), ".azurecr.io"))
	if err != nil {
		return fmt.Errorf("Registry %s not found in subscription %s. Pass --acr as <name>.azurecr.io of a registry of this subscription.", acr, c.Subscription)
	}
	server := deref(reg.Properties.LoginServer)
	a.say("Registry %s: %s (%s, %s)", server, deref(reg.ID), deref(reg.Location), skuName(reg))
	if ap := mc.Properties.APIServerAccessProfile; ap == nil || ap.EnablePrivateCluster == nil || !*ap.EnablePrivateCluster {
		// A public cluster's nodes pull through the registry's public endpoint.
		if reg.Properties.PublicNetworkAccess != nil && *reg.Properties.PublicNetworkAccess == armcontainerregistry.PublicNetworkAccessDisabled {
			return fmt.Errorf("Registry %s has public network access disabled, and the nodes of public cluster '%s' reach it through its public endpoint. Enable it (aksbox acr update -n %s --public-network-enabled true) or use a private cluster in a VNet that reaches the registry's private endpoint.", server, name, deref(reg.Name))
		}
		a.say("Network: the nodes reach %s through its public endpoint, which is enabled", server)
	} else if err := a.checkNodeNetwork(ctx, mcs, rg, name, server); err != nil {
		return err
	}
	principal, err := kubeletObjectID(mc)
	if err != nil {
		return err
	}
	role, err := pullRole(ctx, c, principal, deref(reg.ID))
	if err != nil {
		return err
	}
	if role == "" {
		return fmt.Errorf("The kubelet identity of cluster '%s' (object ID %s) holds no role that pulls from %s (AcrPull, AcrPush, Contributor or Owner at the registry or above). Grant it: aksbox aks update -g %s -n %s --attach-acr %s",
			name, principal, server, rg, name, deref(reg.Name))
	}
	a.say("Kubelet identity %s: %s on the registry", principal, role)
	a.say("Your cluster can pull images from %s.", server)
	return nil
}

// checkNodeNetwork checks, on a node of private cluster name, that the
// login server resolves and answers HTTPS.
func (a *App) checkNodeNetwork(ctx context.Context, mcs *armcontainerservice.ManagedClustersClient, rg, name, server string) error {
	out, err := a.nodeReaches(ctx, mcs, rg, name, server)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if addrs, ok := strings.CutPrefix(line, "resolved "); ok {
			a.say("Name resolution on a node: %s → %s", server, strings.TrimSpace(addrs))
		}
		if code, ok := strings.CutPrefix(line, "https "); ok {
			a.say("HTTPS from a node: %s answered %s", server, strings.TrimSpace(code))
		}
	}
	switch {
	case strings.Contains(out, "unresolved"):
		return fmt.Errorf("%s does not resolve from the nodes of cluster '%s'. Give the registry a private endpoint the cluster's VNet reaches (peer the VNets both ways) and link the privatelink.azurecr.io zone holding its records to the cluster's VNet.", server, name)
	case !strings.Contains(out, "https 401") && !strings.Contains(out, "https 200"):
		return fmt.Errorf("%s resolves on the nodes of cluster '%s' but does not answer HTTPS there (%s). Check that the address it resolves to is the registry's private endpoint and that the cluster's VNet is peered both ways with the endpoint's.", server, name, strings.TrimSpace(out))
	}
	return nil
}

// say prints one line of the check's progress.
func (a *App) say(format string, args ...any) { fmt.Fprintf(a.Stdout, format+"\n", args...) }

func skuName(r *armcontainerregistry.Registry) string {
	if r.SKU != nil && r.SKU.Name != nil {
		return string(*r.SKU.Name)
	}
	return ""
}

// pullRole is the name of a role the principal holds that pulls from the
// registry ("" if none).
func pullRole(ctx context.Context, c *clients, principal, registryID string) (string, error) {
	list, err := roleAssignments(ctx, c, "/subscriptions/"+c.Subscription, principal)
	if err != nil {
		return "", err
	}
	for _, ra := range list {
		role := pullRoles[ra.role()]
		scope := strings.ToLower(strings.TrimSuffix(ra.Properties.Scope, "/")) + "/"
		if role != "" && strings.HasPrefix(strings.ToLower(registryID)+"/", scope) {
			return role, nil
		}
	}
	return "", nil
}

// nodeReaches runs, on a node of the cluster through 'aks command
// invoke', the lookup of the login server in the node's DNS and an HTTPS
// request to it, trusting the instance's CA, and returns what it printed.
func (a *App) nodeReaches(ctx context.Context, mcs *armcontainerservice.ManagedClustersClient, rg, name, server string) (string, error) {
	attached, err := commandContext([]string{a.Dir().CAFile()}) // ca.crt in the command's folder
	if err != nil {
		return "", fmt.Errorf("reading the instance's CA: %w", err)
	}
	script := fmt.Sprintf(`addrs=$(getent ahostsv4 %[1]s | awk '{print $1}' | sort -u | tr '\n' ' ')
if [ -z "$addrs" ]; then echo unresolved; exit 0; fi
echo "resolved $addrs"
echo "https $(curl -sS --cacert ca.crt --max-time 10 -o /dev/null -w '%%{http_code}' https://%[1]s/v2/ 2>&1)"`, server)
	p, err := mcs.BeginRunCommand(ctx, rg, name, armcontainerservice.RunCommandRequest{Command: to.Ptr(script), Context: to.Ptr(attached)}, nil)
	if err != nil {
		return "", err
	}
	resp, err := pollDone(ctx, a, p)
	if err != nil {
		return "", err
	}
	if pr := resp.Properties; pr != nil && pr.Logs != nil {
		return *pr.Logs, nil
	}
	return "", errors.New("the check on the node printed nothing")
}
