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

// aksShape reshapes a decoded ARM body the way az prints the Python SDK's
// container service models: azShape with Python spellings (privateFQDN is
// privateFqdn, vnetSubnetID vnetSubnetId).
func aksShape(v any) any { return azShape(v, true) }

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
