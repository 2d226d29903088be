package arm

import (
	"encoding/json"
	"strings"
)

// Children written through their parent (a cluster's agent pools, a
// VNet's subnets) keep what a client sent for them inside the parent's
// kept body, as the element of an array of the parent's properties. Flat
// elements hold the child's properties beside its name (agentPoolProfiles);
// others hold them under "properties" (subnets).

// ChildSent is the kept body, {"properties": {...}}, of the child named
// name in properties.<field> of a parent's kept body; nil when it has none.
func ChildSent(parentSent json.RawMessage, field, name string, flat bool) json.RawMessage {
	elem := findChild(parentSent, field, name)
	if elem == nil {
		return nil
	}
	props := elem
	if !flat {
		props, _ = elem[keyFold(elem, "properties")].(map[string]any)
	} else {
		delete(props, keyFold(props, "name"))
	}
	if props == nil {
		return nil
	}
	out, _ := json.Marshal(map[string]any{"properties": props})
	return out
}

// WithChildSent is a parent's kept body with the element of the child
// named name in properties.<field> set from the child's kept body
// ({"properties": {...}}), or removed when child is nil.
func WithChildSent(parentSent json.RawMessage, field, name string, child json.RawMessage, flat bool) json.RawMessage {
	root := map[string]any{}
	if v, ok := decodeAny(parentSent); ok {
		if m, ok := v.(map[string]any); ok {
			root = m
		}
	}
	pk := keyFold(root, "properties")
	if pk == "" {
		pk = "properties"
	}
	props, _ := root[pk].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	fk := keyFold(props, field)
	if fk == "" {
		fk = field
	}
	arr, _ := props[fk].([]any)
	kept := arr[:0:0]
	for _, e := range arr {
		if elementName(e) != strings.ToLower(name) {
			kept = append(kept, e)
		}
	}
	if child != nil {
		elem := map[string]any{}
		if v, ok := decodeAny(child); ok {
			if m, ok := v.(map[string]any); ok {
				if p, ok := m[keyFold(m, "properties")].(map[string]any); ok {
					if flat {
						elem = p
					} else {
						elem["properties"] = p
					}
				}
			}
		}
		elem["name"] = name
		kept = append(kept, elem)
	}
	props[fk] = kept
	root[pk] = props
	out, err := json.Marshal(root)
	if err != nil {
		return parentSent
	}
	return out
}

func findChild(parentSent json.RawMessage, field, name string) map[string]any {
	v, ok := decodeAny(parentSent)
	if !ok {
		return nil
	}
	root, _ := v.(map[string]any)
	props, _ := root[keyFold(root, "properties")].(map[string]any)
	arr, _ := props[keyFold(props, field)].([]any)
	for _, e := range arr {
		if elementName(e) == strings.ToLower(name) {
			m, _ := e.(map[string]any)
			return m
		}
	}
	return nil
}
