package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func aksCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "aks", Short: "Manage private Azure Kubernetes Service clusters (real control planes behind private endpoints)"}
	g.AddCommand(aksCreateCmd(a), aksShowCmd(a), aksListCmd(a), aksDeleteCmd(a),
		aksPowerCmd(a, "start"), aksPowerCmd(a, "stop"), aksWaitCmd(a), aksUpdateCmd(a),
		aksGetVersionsCmd(a), aksGetUpgradesCmd(a), aksGetCredentialsCmd(a), aksCommandCmd(a), aksNodepoolCmd(a), aksCheckACRCmd(a))
	return g
}

// containerService is the Microsoft.ContainerService client factory of a
// connection (api-version 2025-02-01).
func containerService(c *clients) (*armcontainerservice.ClientFactory, error) {
	return armcontainerservice.NewClientFactory(c.Subscription, c.Cred, c.Options)
}

func managedClusters(c *clients) (*armcontainerservice.ManagedClustersClient, error) {
	f, err := containerService(c)
	if err != nil {
		return nil, err
	}
	return f.NewManagedClustersClient(), nil
}

// clusterFlags adds -g/--resource-group and -n/--name of a managed cluster.
func clusterFlags(cmd *cobra.Command, rg, name *string) {
	cmd.Flags().StringVarP(rg, "resource-group", "g", "", "name of the resource group")
	cmd.Flags().StringVarP(name, "name", "n", "", "name of the managed cluster")
}

// stillRunning explains a wait ended by Ctrl-C: the cloud owns the
// operation, the command only stopped watching it.
func stillRunning(ctx context.Context, err error, rg, name string) error {
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return fmt.Errorf("stopped waiting; the operation goes on in the cloud: follow it with "+
			"'aksbox aks show -g %s -n %s --query provisioningState'", rg, name)
	}
	return err
}

func aksShowCmd(a *App) *cobra.Command {
	var rg, name string
	cmd := a.simple(simpleCmd{use: "show", short: "Show the details for a managed Kubernetes cluster", names: asIs, table: aksTable,
		required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			mc, err := managedClusters(c)
			if err != nil {
				return nil, err
			}
			resp, err := mc.Get(ctx, rg, name, nil)
			if err != nil {
				return nil, err
			}
			return aksOut(resp.ManagedCluster)
		}})
	clusterFlags(cmd, &rg, &name)
	return cmd
}

func aksListCmd(a *App) *cobra.Command {
	var rg string
	cmd := a.simple(simpleCmd{use: "list", short: "List managed Kubernetes clusters", names: asIs, table: aksTable,
		call: func(ctx context.Context, c *clients) (any, error) {
			mc, err := managedClusters(c)
			if err != nil {
				return nil, err
			}
			var all []*armcontainerservice.ManagedCluster
			if rg != "" {
				all, err = collect(ctx, mc.NewListByResourceGroupPager(rg, nil),
					func(p armcontainerservice.ManagedClustersClientListByResourceGroupResponse) []*armcontainerservice.ManagedCluster {
						return p.Value
					})
			} else {
				all, err = collect(ctx, mc.NewListPager(nil),
					func(p armcontainerservice.ManagedClustersClientListResponse) []*armcontainerservice.ManagedCluster {
						return p.Value
					})
			}
			if err != nil {
				return nil, err
			}
			return aksOut(all)
		}})
	cmd.Flags().StringVarP(&rg, "resource-group", "g", "", "only the clusters of this resource group")
	return cmd
}

func aksDeleteCmd(a *App) *cobra.Command {
	var rg, name string
	var yes, noWait bool
	cmd := a.simple(simpleCmd{use: "delete", short: "Delete a managed Kubernetes cluster and its node resource group",
		required: []string{"resource-group", "name"},
		check:    func() error { return a.confirm(yes, "Are you sure you want to perform this operation?") },
		call: func(ctx context.Context, c *clients) (any, error) {
			mc, err := managedClusters(c)
			if err != nil {
				return nil, err
			}
			w, err := begun(mc.BeginDelete(ctx, rg, name, nil))
			_, err = a.finish(ctx, noWait, w, err)
			return nil, stillRunning(ctx, err, rg, name)
		}})
	clusterFlags(cmd, &rg, &name)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not prompt for confirmation")
	noWaitFlag(cmd, &noWait)
	return cmd
}

// privateClusterStopWarning is what az says before stopping a private cluster.
const privateClusterStopWarning = "Your private cluster apiserver IP might get changed when it's stopped and started.\n" +
	"Any user provisioned private endpoints linked to this private cluster will need to be deleted and created again. " +
	"Any user managed DNS record also needs to be updated with the new IP."

// aksPowerCmd is 'aks start' or 'aks stop'.
func aksPowerCmd(a *App, verb string) *cobra.Command {
	var rg, name string
	var noWait bool
	short := map[string]string{"start": "Start a previously stopped managed cluster",
		"stop": "Stop a managed cluster: its control plane and nodes"}[verb]
	cmd := a.simple(simpleCmd{use: verb, short: short, required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			mc, err := managedClusters(c)
			if err != nil {
				return nil, err
			}
			var w waiter
			if verb == "start" {
				w, err = begun(mc.BeginStart(ctx, rg, name, nil))
			} else {
				cur, gerr := mc.Get(ctx, rg, name, nil)
				if gerr != nil {
					return nil, gerr
				}
				if isPrivateCluster(&cur.ManagedCluster) {
					a.Warn("%s", privateClusterStopWarning)
				}
				w, err = begun(mc.BeginStop(ctx, rg, name, nil))
			}
			_, err = a.finish(ctx, noWait, w, err)
			return nil, stillRunning(ctx, err, rg, name)
		}})
	clusterFlags(cmd, &rg, &name)
	noWaitFlag(cmd, &noWait)
	return cmd
}

// isPrivateCluster is az's check_is_private_cluster.
func isPrivateCluster(mc *armcontainerservice.ManagedCluster) bool {
	p := mc.Properties
	return p != nil && p.APIServerAccessProfile != nil && p.APIServerAccessProfile.EnablePrivateCluster != nil &&
		*p.APIServerAccessProfile.EnablePrivateCluster
}

func aksWaitCmd(a *App) *cobra.Command {
	var rg, name, custom string
	var w waitFlags
	cmd := a.simple(simpleCmd{use: "wait", short: "Wait for a managed Kubernetes cluster to reach a desired state",
		required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			mc, err := managedClusters(c)
			if err != nil {
				return nil, err
			}
			get := func(ctx context.Context) (map[string]any, bool, error) {
				resp, err := mc.Get(ctx, rg, name, nil)
				if isNotFound(err) {
					return nil, false, nil
				}
				if err != nil {
					return nil, false, err
				}
				v, err := aksOut(resp.ManagedCluster)
				m, _ := v.(map[string]any)
				return m, true, err
			}
			if custom != "" {
				return nil, waitCustom(ctx, custom, w.interval, w.timeout, get)
			}
			return nil, w.wait(ctx, func(ctx context.Context) (string, bool, error) {
				m, exists, err := get(ctx)
				state, _ := m["provisioningState"].(string)
				return state, exists, err
			})
		}})
	clusterFlags(cmd, &rg, &name)
	w.add(cmd)
	cmd.Flags().StringVar(&custom, "custom", "", "wait until the condition satisfies a custom JMESPath query, e.g. \"provisioningState!='Updating'\"")
	return cmd
}

// waitCustom is az's --custom: poll until the JMESPath condition, applied
// to the resource as az prints it, is true-like.
func waitCustom(ctx context.Context, query string, interval, timeout int, get func(context.Context) (map[string]any, bool, error)) error {
	if interval < 1 {
		interval = 1
	}
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	for {
		m, exists, err := get(ctx)
		if err != nil {
			return err
		}
		if exists {
			v, err := output.ApplyQuery(m, query)
			if err != nil {
				return err
			}
			if truthy(v) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait operation timed out after %d seconds", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(interval) * time.Second):
		}
	}
}
