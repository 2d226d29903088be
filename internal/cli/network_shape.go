package cli

import (
	"strings"
	"unicode"
)

// What az prints for a resource is not the ARM body: the Python SDKs and
// az's aaz layer flatten "properties" into the object ("client
// flattening"), az adds "resourceGroup" beside every ID that names one, and
// commands built on the older Python SDK models (network nic, vm) spell
// keys the Python way, camel-cased back from snake case ("privateIPAddress"
// becomes "privateIpAddress"). azShape does the same to a decoded ARM body.

// freeKeyMaps are the maps whose keys are data (add-on names, identity
// names, resource IDs, labels, versions): az prints those keys as given.
var freeKeyMaps = map[string]bool{"nodeLabels": true, "config": true, "addonProfiles": true,
	"identityProfile": true, "userAssignedIdentities": true, "delegatedResources": true, "patchVersions": true}

// azShape reshapes decoded JSON as az prints it; pythonNames is for the
// commands az builds on the Python SDK models.
func azShape(v any, pythonNames bool) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = azShape(e, pythonNames)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		put := func(k string, val any) {
			key := k
			if pythonNames {
				key = pythonCase(k)
			}
			m, isMap := val.(map[string]any)
			switch {
			case k == "tags": // user data: kept as given
				out[key] = val
			case freeKeyMaps[k] && isMap: // keys are data, values are shaped
				kept := make(map[string]any, len(m))
				for mk, mv := range m {
					kept[mk] = azShape(mv, pythonNames)
				}
				out[key] = kept
			default:
				out[key] = azShape(val, pythonNames)
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

// addResourceGroup is az's global transform: an object whose id names a
// resource in a group gets that group as resourceGroup.
func addResourceGroup(obj map[string]any) {
	for k := range obj {
		if strings.EqualFold(k, "resourceGroup") {
			return
		}
	}
	id, _ := obj["id"].(string)
	parts := strings.Split(id, "/")
	if len(parts) > 8 && strings.EqualFold(parts[3], "resourceGroups") {
		obj["resourceGroup"] = parts[4]
	}
}

// pythonCase spells a JSON key the way az prints attributes of the Python
// SDK models: runs of capitals become one capitalized word, so
// privateIPAddress is privateIpAddress and provisionVMAgent is
// provisionVmAgent.
func pythonCase(k string) string {
	r := []rune(k)
	var b strings.Builder
	for i := 0; i < len(r); {
		if !unicode.IsUpper(r[i]) {
			b.WriteRune(r[i])
			i++
			continue
		}
		j := i
		for j < len(r) && unicode.IsUpper(r[j]) {
			j++
		}
		run := r[i:j]
		if j < len(r) && unicode.IsLower(r[j]) && len(run) > 1 {
			// The last capital starts the next word: IPAddress = IP + Address.
			b.WriteString(wordCase(run[:len(run)-1], i == 0))
			b.WriteRune(run[len(run)-1])
		} else {
			b.WriteString(wordCase(run, i == 0))
		}
		i = j
	}
	return b.String()
}

// wordCase writes an all-capitals word as Python's camel case does: first
// letter upper (lower at the start of the key), the rest lower.
func wordCase(w []rune, first bool) string {
	s := strings.ToLower(string(w))
	if first || s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
