package cli

import (
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

// printModel prints an SDK model (or any JSON-marshalable value).
func (a *App) printModel(v any, table func(any) any) error {
	j, err := toJSON(v)
	if err != nil {
		return err
	}
	return a.Print(j, table)
}

// mapRows applies row to one object or to each object of a list.
func mapRows(v any, row func(map[string]any) output.Ordered) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, 0, len(t))
		for _, it := range t {
			if m, ok := it.(map[string]any); ok {
				out = append(out, row(m))
			}
		}
		return out
	case map[string]any:
		return row(t)
	}
	return v
}

// markAlias makes alias an alternative spelling of flag for requireFlags.
func markAlias(cmd *cobra.Command, flag, alias string) {
	_ = cmd.Flags().SetAnnotation(flag, "aliases", []string{alias})
}

// strPtrMap converts tags to the SDK's map of pointers.
func strPtrMap(m map[string]string) map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = &v
	}
	return out
}

// deref reads an optional SDK string.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// row builds a table row from key, value pairs, columns in that order.
func row(kv ...any) output.Ordered {
	out := make(output.Ordered, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, output.Field{Key: kv[i].(string), Value: kv[i+1]})
	}
	return out
}
