package output

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyIsSpace is Python's str.isspace for one character.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyStrip is Python's str.strip() without arguments.
func pyStrip(s string) string {
	return strings.TrimFunc(s, pyIsSpace)
}

// isLineBoundary reports whether r ends a line for Python's str.splitlines.
func isLineBoundary(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// pyLinesKeepEnds is Python's s.splitlines(True): lines with their line
// boundary (\r\n counts as one) still attached.
func pyLinesKeepEnds(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if i < start || !isLineBoundary(r) {
			continue
		}
		end := i + len(string(r))
		if r == '\r' && strings.HasPrefix(s[end:], "\n") {
			end++
		}
		out = append(out, s[start:end])
		start = end
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// pyLines is Python's s.splitlines(): the lines without their boundaries.
func pyLines(s string) []string {
	lines := pyLinesKeepEnds(s)
	for i, l := range lines {
		if strings.HasSuffix(l, "\r\n") {
			lines[i] = l[:len(l)-2]
		} else if r, size := utf8.DecodeLastRuneInString(l); isLineBoundary(r) {
			lines[i] = l[:len(l)-size]
		}
	}
	return lines
}

// splitCR splits s at every \r and every \n, keeping empty pieces, like
// re.split("[\r\n]", s).
func splitCR(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// pyRepr is Python's repr() of a decoded JSON value; it shows up where az
// stringifies a nested list or dict (a table cell of a list row).
func pyRepr(v any) string {
	var b strings.Builder
	switch t := v.(type) {
	case string:
		return pyStrRepr(t)
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyRepr(e))
		}
		b.WriteByte(']')
	case map[string]any, Ordered:
		fields, _ := objectFields(t, false)
		_, ordered := t.(Ordered)
		if ordered && len(fields) == 0 {
			return "OrderedDict()"
		}
		if ordered {
			b.WriteString("OrderedDict([")
		} else {
			b.WriteByte('{')
		}
		for i, f := range fields {
			if i > 0 {
				b.WriteString(", ")
			}
			if ordered {
				fmt.Fprintf(&b, "(%s, %s)", pyStrRepr(f.Key), pyRepr(f.Value))
			} else {
				fmt.Fprintf(&b, "%s: %s", pyStrRepr(f.Key), pyRepr(f.Value))
			}
		}
		if ordered {
			b.WriteString("])")
		} else {
			b.WriteByte('}')
		}
	default:
		return pyStr(v)
	}
	return b.String()
}

// pyStrRepr quotes s the way Python's repr(str) does.
func pyStrRepr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, "\"") {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError || r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}
