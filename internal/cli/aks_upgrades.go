package cli

import (
	"context"
	"strings"

	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

// upgradesTable is az's table of get-upgrades: the version in use and the
// versions it could go to ("None available" when there are none).
func upgradesTable(version func(m map[string]any) any, upgrades func(m map[string]any) []any) func(any) any {
	return func(v any) any {
		return mapRows(v, func(m map[string]any) output.Ordered {
			var to []string
			for _, u := range upgrades(m) {
				if um, ok := u.(map[string]any); ok {
					if s, ok := um["kubernetesVersion"].(string); ok {
						to = append(to, s)
					}
				}
			}
			shown := "None available"
			if len(to) > 0 {
				shown = strings.Join(to, ", ")
			}
			return row("name", m["name"], "resourceGroup", m["resourceGroup"], "kubernetesVersion", version(m), "upgrades", shown)
		})
	}
}

func aksGetUpgradesCmd(a *App) *cobra.Command {
	var rg, name string
	control := func(m map[string]any) map[string]any {
		cp, _ := m["controlPlaneProfile"].(map[string]any)
		return cp
	}
	cmd := a.simple(simpleCmd{use: "get-upgrades", short: "Get the upgrade versions available for a managed Kubernetes cluster", names: asIs,
		table: upgradesTable(func(m map[string]any) any { return control(m)["kubernetesVersion"] },
			func(m map[string]any) []any { u, _ := control(m)["upgrades"].([]any); return u }),
		required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			mc, err := managedClusters(c)
			if err != nil {
				return nil, err
			}
			resp, err := mc.GetUpgradeProfile(ctx, rg, name, nil)
			if err != nil {
				return nil, err
			}
			return aksOut(resp.ManagedClusterUpgradeProfile)
		}})
	clusterFlags(cmd, &rg, &name)
	return cmd
}

func nodepoolGetUpgradesCmd(a *App) *cobra.Command {
	var r poolRef
	cmd := a.simple(simpleCmd{use: "get-upgrades", short: "Get the available upgrade versions for an agent pool of the managed Kubernetes cluster", names: asIs,
		table: upgradesTable(func(m map[string]any) any { return m["kubernetesVersion"] },
			func(m map[string]any) []any { u, _ := m["upgrades"].([]any); return u }),
		required: poolRequired,
		call: func(ctx context.Context, c *clients) (any, error) {
			ap, err := agentPools(c)
			if err != nil {
				return nil, err
			}
			resp, err := ap.GetUpgradeProfile(ctx, r.rg, r.cluster, r.name, nil)
			if err != nil {
				return nil, err
			}
			return aksOut(resp.AgentPoolUpgradeProfile)
		}})
	r.flags(cmd, true)
	return cmd
}
