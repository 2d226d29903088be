package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func aksGetVersionsCmd(a *App) *cobra.Command {
	var location string
	cmd := a.simple(simpleCmd{use: "get-versions", short: "Get the versions of Kubernetes available for new clusters in a location",
		names: asIs, table: aksVersionsTable, required: []string{"location"},
		call: func(ctx context.Context, c *clients) (any, error) {
			mc, err := managedClusters(c)
			if err != nil {
				return nil, err
			}
			resp, err := mc.ListKubernetesVersions(ctx, location, nil)
			if err != nil {
				return nil, err
			}
			return aksOut(resp.KubernetesVersionListResult)
		}})
	cmd.Flags().StringVarP(&location, "location", "l", "", "location, e.g. westus2")
	return cmd
}

// versionKey is az's version_to_tuple, for sorting "1.29.2" as numbers.
func versionKey(v string) []int {
	var out []int
	for _, p := range strings.Split(strings.TrimSuffix(v, "(preview)"), ".") {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}

func versionLess(a, b string) bool {
	ka, kb := versionKey(a), versionKey(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if ka[i] != kb[i] {
			return ka[i] < kb[i]
		}
	}
	if len(ka) != len(kb) {
		return len(ka) < len(kb)
	}
	return a < b
}

// aksVersionsTable is az's aks_versions_table_format: one row per patch
// version, newest first, with its upgrades, preview flag and support plans.
func aksVersionsTable(v any) any {
	m, _ := v.(map[string]any)
	releases, _ := m["values"].([]any)
	type patch struct {
		version, upgrades, plans string
		preview                  any
	}
	var rows []patch
	for _, r := range releases {
		rel, _ := r.(map[string]any)
		var plans []string
		if caps, ok := rel["capabilities"].(map[string]any); ok {
			list, _ := caps["supportPlan"].([]any)
			for _, p := range list {
				plans = append(plans, fmt.Sprint(p))
			}
		}
		patches, _ := rel["patchVersions"].(map[string]any)
		for ver, pv := range patches {
			var ups []string
			if pm, ok := pv.(map[string]any); ok {
				list, _ := pm["upgrades"].([]any)
				for _, u := range list {
					ups = append(ups, fmt.Sprint(u))
				}
			}
			sort.SliceStable(ups, func(i, j int) bool { return versionLess(ups[i], ups[j]) })
			if len(ups) == 0 {
				ups = []string{"None available"}
			}
			rows = append(rows, patch{version: ver, upgrades: strings.Join(ups, ", "), plans: strings.Join(plans, ", "), preview: rel["isPreview"]})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return versionLess(rows[j].version, rows[i].version) })
	out := make([]any, 0, len(rows))
	for _, r := range rows {
		out = append(out, output.Ordered{{Key: "kubernetesVersion", Value: r.version}, {Key: "isPreview", Value: r.preview},
			{Key: "upgrades", Value: r.upgrades}, {Key: "supportPlan", Value: r.plans}})
	}
	return out
}
