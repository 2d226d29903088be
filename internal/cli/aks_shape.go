package cli

import (
	"encoding/json"

	"github.com/aksbox/aksbox/internal/cli/output"
)

// aksOut is an SDK result as az prints it (see aksShape).
func aksOut(v any) (any, error) {
	j, err := toJSON(v)
	if err != nil {
		return nil, err
	}
	return aksShape(j), nil
}

// freeKeyMaps are the maps whose keys are data (add-on names, identity
// names, resource IDs, labels, versions): az prints those keys as given.
var freeKeyMaps = map[string]bool{"nodeLabels": true, "config": true, "addonProfiles": true,
	"identityProfile": true, "userAssignedIdentities": true, "delegatedResources": true, "patchVersions": true}

// aksShape reshapes a decoded ARM body the way az prints the Python SDK's
// container service models: "properties" flattened, keys spelled the
// Python way (privateFQDN is privateFqdn, vnetSubnetID vnetSubnetId),
// resourceGroup beside IDs; tags and the keys of free-form maps as given.
func aksShape(v any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = aksShape(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		put := func(k string, val any) {
			switch m, isMap := val.(map[string]any); {
			case k == "tags":
				out[k] = val
			case freeKeyMaps[k] && isMap:
				kept := make(map[string]any, len(m))
				for mk, mv := range m {
					kept[mk] = aksShape(mv)
				}
				out[pythonCase(k)] = kept
			default:
				out[pythonCase(k)] = aksShape(val)
			}
		}
		for k, val := range t {
			if props, ok := val.(map[string]any); ok && k == "properties" {
				for pk, pv := range props {
					if _, clash := t[pk]; !clash {
						put(pk, pv)
					}
				}
				continue
			}
			put(k, val)
		}
		addResourceGroup(out)
		return out
	}
	return v
}

// aksTable is az's aks_show_table_format / aks_list_table_format.
func aksTable(v any) any {
	return mapRows(v, func(m map[string]any) output.Ordered {
		return row("name", m["name"], "location", m["location"], "resourceGroup", m["resourceGroup"],
			"kubernetesVersion", m["kubernetesVersion"], "currentKubernetesVersion", m["currentKubernetesVersion"],
			"provisioningState", m["provisioningState"], "fqdn", jmesOr(m["fqdn"], m["privateFqdn"]))
	})
}

// jmesOr is JMESPath's a || b: a unless it is false-like.
func jmesOr(a, b any) any {
	if truthy(a) {
		return a
	}
	return b
}

// truthy is JMESPath's (and Python's) truth of a JSON value.
func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	case output.Ordered:
		return len(t) > 0
	case float64:
		return t != 0
	case json.Number:
		f, err := t.Float64()
		return err != nil || f != 0
	}
	return true
}
