package output

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"github.com/jmespath/go-jmespath"
)

// parseQuery parses a JMESPath expression, failing with az's message for a
// --query value that does not compile.
func parseQuery(query string) (jmespath.ASTNode, error) {
	ast, err := jmespath.NewParser().Parse(query)
	if err != nil {
		return ast, fmt.Errorf("argument --query: invalid jmespath_type value: '%s'", query)
	}
	return ast, nil
}

// ApplyQuery evaluates the JMESPath query against v. Objects the query
// builds with a multiselect hash come back as Ordered, keeping the key
// order written in the query, as knack's OrderedDict results do.
func ApplyQuery(v any, query string) (any, error) {
	ast, err := parseQuery(query)
	if err != nil {
		return nil, err
	}
	plain, err := normalize(v)
	if err != nil {
		return nil, err
	}
	result, err := jmespath.Search(query, toSearchable(plain))
	if err != nil {
		return nil, fmt.Errorf("invalid jmespath query supplied for --query '%s': %w", query, err)
	}
	if result, err = normalize(result); err != nil {
		return nil, err
	}
	return applyOrder(result, hashOrders(reflect.ValueOf(ast))), nil
}

// toSearchable converts the value model into what go-jmespath compares
// correctly: float64 numbers and plain maps.
func toSearchable(v any) any {
	switch t := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return string(t)
		}
		return f
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = toSearchable(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = toSearchable(e)
		}
		return out
	case Ordered:
		out := make(map[string]any, len(t))
		for _, f := range t {
			out[f.Key] = toSearchable(f.Value)
		}
		return out
	}
	return v
}

// applyOrder turns the result object, or an object in (nested) result
// lists, into an Ordered when its key set is exactly that of one of the
// multiselect hashes that can produce it.
func applyOrder(v any, orders [][]string) any {
	if len(orders) == 0 {
		return v
	}
	if list, ok := v.([]any); ok {
		for i, e := range list {
			list[i] = applyOrder(e, orders)
		}
		return list
	}
	return orderObject(v, orders)
}

func orderObject(v any, orders [][]string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for _, keys := range orders {
		if len(keys) != len(m) {
			continue
		}
		out := make(Ordered, 0, len(keys))
		for _, k := range keys {
			val, found := m[k]
			if !found {
				break
			}
			out = append(out, Field{Key: k, Value: val})
		}
		if len(out) == len(keys) {
			return out
		}
	}
	return v
}

// astNode reads go-jmespath's ASTNode, whose fields are unexported, through
// reflection (read-only access to kinds int, string and slices is allowed).
type astNode struct {
	kind     int64
	value    string
	children []reflect.Value
}

func readNode(n reflect.Value) astNode {
	out := astNode{kind: -1}
	kind, kids := n.FieldByName("nodeType"), n.FieldByName("children")
	if !kind.IsValid() || !kind.CanInt() || !kids.IsValid() || kids.Kind() != reflect.Slice {
		return out // another go-jmespath layout: no order is recovered
	}
	out.kind = kind.Int()
	if val := n.FieldByName("value"); val.IsValid() && val.Kind() == reflect.Interface && !val.IsNil() && val.Elem().Kind() == reflect.String {
		out.value = val.Elem().String()
	}
	for i := 0; i < kids.Len(); i++ {
		out.children = append(out.children, kids.Index(i))
	}
	return out
}

// hashOrders returns the key orders of the multiselect hashes whose objects
// can end up as the query's result or as elements of it.
func hashOrders(n reflect.Value) [][]string {
	node := readNode(n)
	kids := node.children
	if len(kids) == 0 && node.kind != int64(jmespath.ASTMultiSelectHash) {
		return nil
	}
	switch node.kind {
	case int64(jmespath.ASTMultiSelectHash):
		var keys []string
		seen := map[string]bool{}
		for _, kv := range kids {
			k := readNode(kv).value
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		return [][]string{keys}
	case int64(jmespath.ASTProjection), int64(jmespath.ASTFilterProjection),
		int64(jmespath.ASTValueProjection), int64(jmespath.ASTSubexpression),
		int64(jmespath.ASTPipe), int64(jmespath.ASTIndexExpression):
		if len(kids) < 2 {
			return nil
		}
		if passThrough(kids[1]) {
			return append(hashOrders(kids[0]), hashOrders(kids[1])...)
		}
		return hashOrders(kids[1])
	case int64(jmespath.ASTFlatten):
		return hashOrders(kids[0])
	case int64(jmespath.ASTOrExpression), int64(jmespath.ASTMultiSelectList):
		var all [][]string
		for _, k := range kids {
			all = append(all, hashOrders(k)...)
		}
		return all
	case int64(jmespath.ASTAndExpression):
		return hashOrders(kids[len(kids)-1])
	case int64(jmespath.ASTFunctionExpression):
		switch node.value {
		case "sort_by", "reverse", "max_by", "min_by":
			if len(kids) > 0 {
				return hashOrders(kids[0])
			}
		case "not_null":
			var all [][]string
			for _, k := range kids {
				all = append(all, hashOrders(k)...)
			}
			return all
		}
	}
	return nil
}

// passThrough reports whether a node hands on the objects it is applied to
// unchanged (it selects or reorders but builds nothing new).
func passThrough(n reflect.Value) bool {
	node := readNode(n)
	switch node.kind {
	case int64(jmespath.ASTIndex), int64(jmespath.ASTSlice),
		int64(jmespath.ASTIdentity), int64(jmespath.ASTCurrentNode):
		return true
	case int64(jmespath.ASTFlatten):
		return len(node.children) > 0 && passThrough(node.children[0])
	case int64(jmespath.ASTProjection), int64(jmespath.ASTFilterProjection),
		int64(jmespath.ASTIndexExpression), int64(jmespath.ASTSubexpression),
		int64(jmespath.ASTPipe):
		return len(node.children) >= 2 && passThrough(node.children[0]) && passThrough(node.children[1])
	case int64(jmespath.ASTFunctionExpression):
		switch node.value {
		case "sort_by", "reverse":
			return len(node.children) > 0 && passThrough(node.children[0])
		}
	}
	return false
}
