// Package output renders a command's result the way Azure CLI 2.45 (knack)
// does for its global --output and --query flags: json, jsonc, yaml, yamlc,
// table, tsv and none, with the JMESPath query applied first.
//
// The rules follow knack's output module and the libraries it hands off to
// (json.dumps, PyYAML's safe_dump, tabulate's "simple" format and pygments'
// TerminalFormatter), so the bytes written match what az prints for the
// same result.
package output

import (
	"fmt"
	"io"
	"strings"
)

// Options chosen by the global flags.
type Options struct {
	// Format is one of json (the default when empty), jsonc, table, tsv,
	// yaml, yamlc or none; case does not matter, as in az.
	Format string
	// Query is a JMESPath expression applied to the result; may be empty.
	Query string
	// Color is true only when stdout is a terminal; jsonc and yamlc
	// colorize only then and otherwise print exactly like json and yaml.
	Color bool
	// Table, when set, turns the result into rows for -o table, like az's
	// per-command table transformers. As in az it runs only when no query
	// is active. Return Ordered rows to fix the column order; rows given as
	// plain maps get their columns sorted.
	Table func(v any) any
}

// formats lists the valid --output values in az's order.
var formats = []string{"json", "jsonc", "yaml", "yamlc", "table", "tsv", "none"}

// format returns the normalized output format.
func (o Options) format() string {
	if o.Format == "" {
		return "json"
	}
	return strings.ToLower(o.Format)
}

// Validate checks the format and that the query parses. The messages are
// the ones az prints after "ERROR: ".
func Validate(o Options) error {
	f := o.format()
	known := false
	for _, k := range formats {
		known = known || k == f
	}
	if !known {
		return fmt.Errorf("'%s' is not a valid value for '--output'. Allowed values: %s.",
			o.Format, strings.Join(formats, ", "))
	}
	if o.Query != "" {
		if _, err := parseQuery(o.Query); err != nil {
			return err
		}
	}
	return nil
}

// Write applies the query to v and renders the result to w in the chosen
// format. A nil result (after the query) prints nothing, as in az.
func Write(w io.Writer, v any, o Options) error {
	if err := Validate(o); err != nil {
		return err
	}
	v, err := normalize(v)
	if err != nil {
		return err
	}
	queryActive := o.Query != ""
	if queryActive {
		if v, err = ApplyQuery(v, o.Query); err != nil {
			return err
		}
	}
	if v == nil {
		return nil
	}
	var text string
	switch o.format() {
	case "json":
		text = formatJSON(v)
	case "jsonc":
		text = formatJSON(v)
		if o.Color {
			text = colorJSON(text)
		}
	case "yaml":
		text = formatYAML(v)
	case "yamlc":
		text = formatYAML(v)
		if o.Color {
			text = colorYAML(text)
		}
	case "table":
		transformed := o.Table != nil && !queryActive
		if transformed {
			if v, err = transform(o.Table, v); err != nil {
				return err
			}
		}
		text = formatTable(v, !queryActive && !transformed)
	case "tsv":
		text = formatTSV(v)
	case "none":
		return nil
	}
	_, err = io.WriteString(w, text)
	return err
}

// transform runs a table transformer. Like az, which turns any failure
// while building a table into one message, a transformer that panics on a
// result it did not expect yields errNoTable.
func transform(table func(any) any, v any) (out any, err error) {
	defer func() {
		if recover() != nil {
			out, err = nil, errNoTable
		}
	}()
	return normalize(table(v))
}
