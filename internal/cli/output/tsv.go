package output

import "strings"

// formatTSV renders v like knack's tsv output: one line per item of a list
// (a non-list result is one item). An object's values are written in key
// order, sorted unless the object was built by the query; a list item's
// values in order. A nested list is written as its length and a nested
// object as an empty field, so columns stay aligned; other values use
// Python's str(), so null is "None" and booleans "True"/"False", except a
// bare boolean row, which is written "true"/"false".
func formatTSV(v any) string {
	rows, ok := v.([]any)
	if !ok {
		rows = []any{v}
	}
	var b strings.Builder
	for _, row := range rows {
		switch t := row.(type) {
		case map[string]any, Ordered:
			fields, _ := objectFields(t, false)
			for i, f := range fields {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(tsvCell(f.Value))
			}
		case []any:
			for i, e := range t {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(tsvCell(e))
			}
		case bool:
			b.WriteString(strings.ToLower(pyStr(t)))
		default:
			b.WriteString(pyStr(t))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// tsvCell is one field of a tsv row.
func tsvCell(v any) string {
	switch t := v.(type) {
	case []any:
		return pyStr(float64(len(t)))
	case map[string]any, Ordered:
		return ""
	}
	return pyStr(v)
}
