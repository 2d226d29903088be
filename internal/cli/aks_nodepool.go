package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func aksNodepoolCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "nodepool", Short: "Manage node pools in a managed Kubernetes cluster"}
	g.AddCommand(nodepoolAddCmd(a), nodepoolListCmd(a), nodepoolShowCmd(a), nodepoolScaleCmd(a), nodepoolDeleteCmd(a), nodepoolGetUpgradesCmd(a))
	return g
}

func agentPools(c *clients) (*armcontainerservice.AgentPoolsClient, error) {
	f, err := containerService(c)
	if err != nil {
		return nil, err
	}
	return f.NewAgentPoolsClient(), nil
}

// nodepoolTable is az's _aks_agentpool_table_format. Like az's, its
// osDiskSizeGB column looks for a key the printed pool spells
// osDiskSizeGb, so it stays empty and is left out.
func nodepoolTable(v any) any {
	return mapRows(v, func(m map[string]any) output.Ordered {
		return row("name", m["name"], "osType", m["osType"], "kubernetesVersion", m["orchestratorVersion"],
			"vmSize", m["vmSize"], "osDiskSizeGB", m["osDiskSizeGB"], "count", m["count"], "maxPods", m["maxPods"],
			"provisioningState", m["provisioningState"], "mode", m["mode"])
	})
}

// poolRef names a node pool: its group, cluster and name.
type poolRef struct{ rg, cluster, name string }

// flags adds -g, --cluster-name and (with name) -n/--name/--nodepool-name.
func (r *poolRef) flags(cmd *cobra.Command, name bool) {
	cmd.Flags().StringVarP(&r.rg, "resource-group", "g", "", "name of the resource group")
	cmd.Flags().StringVar(&r.cluster, "cluster-name", "", "the cluster name")
	if name {
		cmd.Flags().StringVarP(&r.name, "name", "n", "", "the node pool name")
		cmd.Flags().StringVar(&r.name, "nodepool-name", "", "the node pool name")
		markAlias(cmd, "name", "nodepool-name")
	}
}

var poolRequired = []string{"resource-group", "cluster-name", "name"}

// poolExists lists the cluster's pools, as az does before add and delete.
func poolExists(ctx context.Context, ap *armcontainerservice.AgentPoolsClient, r poolRef) (bool, error) {
	pools, err := collect(ctx, ap.NewListPager(r.rg, r.cluster, nil),
		func(p armcontainerservice.AgentPoolsClientListResponse) []*armcontainerservice.AgentPool {
			return p.Value
		})
	if err != nil {
		return false, err
	}
	for _, p := range pools {
		if strings.EqualFold(deref(p.Name), r.name) {
			return true, nil
		}
	}
	return false, nil
}

// nodepoolAdd is one 'aks nodepool add'.
type nodepoolAdd struct {
	r                                   poolRef
	vmSize, mode, vnetSubnetID, version string
	count                               int
	tags                                []string
	noWait                              bool
}

func nodepoolAddCmd(a *App) *cobra.Command {
	o := &nodepoolAdd{}
	cmd := a.simple(simpleCmd{use: "add", short: "Add a node pool to the managed Kubernetes cluster", names: asIs, required: poolRequired,
		check: func() error {
			if err := checkNodepoolName(o.r.name); err != nil {
				return err
			}
			var err error
			if o.mode, err = choice("mode", o.mode, "System", "User"); err != nil {
				return err
			}
			if o.vnetSubnetID != "" && !isResourceID(o.vnetSubnetID) {
				return errors.New("--vnet-subnet-id is not a valid Azure resource ID.")
			}
			o.version, err = normalizeK8sVersion(o.version)
			return err
		},
		call: func(ctx context.Context, c *clients) (any, error) { return o.run(ctx, a, c) }})
	f := cmd.Flags()
	o.r.flags(cmd, true)
	f.IntVarP(&o.count, "node-count", "c", 3, "number of nodes in the node pool")
	f.StringVarP(&o.vmSize, "node-vm-size", "s", "Standard_DS2_v2", "size of the virtual machines of the node pool")
	f.StringVar(&o.mode, "mode", "User", "the node pool mode: System or User")
	f.StringVar(&o.vnetSubnetID, "vnet-subnet-id", "", "resource ID of a subnet for the pool's nodes (default: the cluster's)")
	f.StringVarP(&o.version, "kubernetes-version", "k", "", "version of Kubernetes for the pool (default: the control plane's)")
	multiFlag(f, &o.tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]")
	noWaitFlag(cmd, &o.noWait)
	azArgs(cmd, false)
	return cmd
}

func (o *nodepoolAdd) run(ctx context.Context, a *App, c *clients) (any, error) {
	ap, err := agentPools(c)
	if err != nil {
		return nil, err
	}
	exists, err := poolExists(ctx, ap, o.r)
	if err != nil {
		return nil, err
	}
	if exists {
		return nil, fmt.Errorf("Node pool %s already exists, please try a different name, use 'aks nodepool list' to get current list of node pool", o.r.name)
	}
	tags, err := parseTags(o.tags, nil)
	if err != nil {
		return nil, err
	}
	p, err := ap.BeginCreateOrUpdate(ctx, o.r.rg, o.r.cluster, o.r.name, o.model(tags), nil)
	if err != nil || o.noWait {
		return nil, err
	}
	resp, err := pollDone(ctx, a, p)
	if err != nil {
		return nil, stillRunning(ctx, err, o.r.rg, o.r.cluster)
	}
	return aksOut(resp.AgentPool)
}

// model is the agent pool az sends for the flags.
func (o *nodepoolAdd) model(tags map[string]string) armcontainerservice.AgentPool {
	p := &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr(int32(o.count)), VMSize: to.Ptr(o.vmSize), OSType: to.Ptr(armcontainerservice.OSTypeLinux),
		Type: to.Ptr(armcontainerservice.AgentPoolTypeVirtualMachineScaleSets), Mode: to.Ptr(armcontainerservice.AgentPoolMode(o.mode)),
	}
	if o.vnetSubnetID != "" {
		p.VnetSubnetID = to.Ptr(o.vnetSubnetID)
	}
	if o.version != "" {
		p.OrchestratorVersion = to.Ptr(o.version)
	}
	if len(o.tags) > 0 {
		p.Tags = strPtrMap(tags)
	}
	return armcontainerservice.AgentPool{Properties: p}
}

func nodepoolListCmd(a *App) *cobra.Command {
	var r poolRef
	cmd := a.simple(simpleCmd{use: "list", short: "List the node pools of a managed Kubernetes cluster", names: asIs, table: nodepoolTable,
		required: []string{"resource-group", "cluster-name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			ap, err := agentPools(c)
			if err != nil {
				return nil, err
			}
			pools, err := collect(ctx, ap.NewListPager(r.rg, r.cluster, nil),
				func(p armcontainerservice.AgentPoolsClientListResponse) []*armcontainerservice.AgentPool {
					return p.Value
				})
			if err != nil {
				return nil, err
			}
			return aksOut(pools)
		}})
	r.flags(cmd, false)
	return cmd
}

func nodepoolShowCmd(a *App) *cobra.Command {
	var r poolRef
	cmd := a.simple(simpleCmd{use: "show", short: "Show the details for a node pool in the managed Kubernetes cluster", names: asIs,
		table: nodepoolTable, required: poolRequired,
		call: func(ctx context.Context, c *clients) (any, error) {
			ap, err := agentPools(c)
			if err != nil {
				return nil, err
			}
			resp, err := ap.Get(ctx, r.rg, r.cluster, r.name, nil)
			if err != nil {
				return nil, err
			}
			return aksOut(resp.AgentPool)
		}})
	r.flags(cmd, true)
	return cmd
}

func nodepoolScaleCmd(a *App) *cobra.Command {
	var r poolRef
	var count int
	var noWait bool
	cmd := a.simple(simpleCmd{use: "scale", short: "Scale the node pool in a managed Kubernetes cluster", names: asIs, required: poolRequired,
		call: func(ctx context.Context, c *clients) (any, error) {
			ap, err := agentPools(c)
			if err != nil {
				return nil, err
			}
			resp, err := ap.Get(ctx, r.rg, r.cluster, r.name, nil)
			if err != nil {
				return nil, err
			}
			pool := resp.AgentPool
			if pool.Properties == nil {
				pool.Properties = &armcontainerservice.ManagedClusterAgentPoolProfileProperties{}
			}
			if e := pool.Properties.EnableAutoScaling; e != nil && *e {
				return nil, errors.New("Cannot scale cluster autoscaler enabled node pool.")
			}
			if n := pool.Properties.Count; n != nil && int(*n) == count {
				return nil, errors.New("The new node count is the same as the current node count.")
			}
			pool.Properties.Count = to.Ptr(int32(count))
			p, err := ap.BeginCreateOrUpdate(ctx, r.rg, r.cluster, r.name, pool, nil)
			if err != nil || noWait {
				return nil, err
			}
			done, err := pollDone(ctx, a, p)
			if err != nil {
				return nil, stillRunning(ctx, err, r.rg, r.cluster)
			}
			return aksOut(done.AgentPool)
		}})
	r.flags(cmd, true)
	cmd.Flags().IntVarP(&count, "node-count", "c", 3, "number of nodes in the node pool")
	noWaitFlag(cmd, &noWait)
	return cmd
}

func nodepoolDeleteCmd(a *App) *cobra.Command {
	var r poolRef
	var noWait bool
	cmd := a.simple(simpleCmd{use: "delete", short: "Delete the node pool in the managed Kubernetes cluster", required: poolRequired,
		call: func(ctx context.Context, c *clients) (any, error) {
			ap, err := agentPools(c)
			if err != nil {
				return nil, err
			}
			exists, err := poolExists(ctx, ap, r)
			if err != nil {
				return nil, err
			}
			if !exists {
				return nil, fmt.Errorf("Node pool %s doesnt exist, use 'aks nodepool list' to get current node pool list", r.name)
			}
			w, err := begun(ap.BeginDelete(ctx, r.rg, r.cluster, r.name, nil))
			_, err = a.finish(ctx, noWait, w, err)
			return nil, stillRunning(ctx, err, r.rg, r.cluster)
		}})
	r.flags(cmd, true)
	noWaitFlag(cmd, &noWait)
	return cmd
}
