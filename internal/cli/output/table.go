package output

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errNoTable is az's message when a result cannot be shown as a table
// (kept verbatim, capital letter included, as users see it after "ERROR: ").
var errNoTable = errors.New("Table output unavailable. Use the --query option to specify an " +
	"appropriate query. Use --debug for more info.")

// skipColumns are the keys knack never shows as table columns.
var skipColumns = map[string]bool{"id": true, "type": true, "etag": true}

// formatTable renders v like knack's table output: each item (a non-list
// result is one item) becomes a row through autoRow, and the rows are laid
// out like tabulate's "simple" format with headers.
func formatTable(v any, sortKeys bool) string {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	t := &table{}
	seen := map[string]bool{}
	rows := make([]Ordered, len(items))
	for i, item := range items {
		rows[i] = autoRow(item, sortKeys)
		for _, f := range rows[i] {
			if !seen[f.Key] {
				seen[f.Key] = true
				t.headers = append(t.headers, f.Key)
			}
		}
	}
	for _, row := range rows {
		cells := make([]string, len(t.headers))
		for j, h := range t.headers {
			if val, ok := row.Get(h); ok && val != nil {
				cells[j] = pyStr(val)
			}
		}
		t.cells = append(t.cells, cells)
	}
	return t.layout() + "\n"
}

// autoRow is knack's _auto_table_item: an object keeps its scalar, non-null
// values under capitalized keys (except id, type and etag), a list becomes
// Column1..N and anything else a single Result column.
func autoRow(item any, sortKeys bool) Ordered {
	var row Ordered
	if fields, ok := objectFields(item, sortKeys); ok {
		for _, f := range fields {
			if skipColumns[f.Key] || f.Value == nil || isContainer(f.Value) {
				continue
			}
			row = row.set(capitalize(f.Key), f.Value)
		}
		return row
	}
	if list, ok := item.([]any); ok {
		for i, e := range list {
			row = row.set("Column"+strconv.Itoa(i+1), e)
		}
		return row
	}
	return row.set("Result", item)
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return strings.ToUpper(string(r)) + s[size:]
}
