package output

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// formatJSON renders v like az's json output: json.dumps(v, indent=2,
// sort_keys=True, ensure_ascii=False) plus a newline.
func formatJSON(v any) string {
	var b strings.Builder
	writeJSON(&b, v, 0)
	b.WriteByte('\n')
	return b.String()
}

func writeJSON(b *strings.Builder, v any, depth int) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writeJSONString(b, t)
	case float64:
		switch {
		case math.IsNaN(t):
			b.WriteString("NaN")
		case math.IsInf(t, 1):
			b.WriteString("Infinity")
		case math.IsInf(t, -1):
			b.WriteString("-Infinity")
		default:
			s, _ := numberText(t)
			b.WriteString(s)
		}
	case json.Number:
		s, _ := numberText(t)
		b.WriteString(s)
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(b, depth+1)
			writeJSON(b, e, depth+1)
		}
		newline(b, depth)
		b.WriteByte(']')
	case map[string]any, Ordered:
		fields, _ := objectFields(t, true)
		if len(fields) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(b, depth+1)
			writeJSONString(b, f.Key)
			b.WriteString(": ")
			writeJSON(b, f.Value, depth+1)
		}
		newline(b, depth)
		b.WriteByte('}')
	default:
		writeJSONString(b, fmt.Sprint(t))
	}
}

func newline(b *strings.Builder, depth int) {
	b.WriteByte('\n')
	b.WriteString(strings.Repeat("  ", depth))
}

// writeJSONString quotes s as Python's json module does with
// ensure_ascii=False: only the quote, backslash and control characters
// below U+0020 are escaped.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
