package cli

import (
	"encoding/json"
	"fmt"
	"strings"
)

// parseShorthand reads a value of az's shorthand syntax, which its aaz
// commands take for lists and objects ('[{ip-address:10.0.0.4,port:53}]',
// "{id:/subscriptions/...}", 'a'), or JSON. Scalars come back as strings.
func parseShorthand(s string) (any, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{") {
		var v any
		if json.Unmarshal([]byte(t), &v) == nil {
			return stringify(v), nil
		}
	}
	p := &shorthand{s: t}
	v, err := p.value(false)
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at position %d of %q", p.s[p.i:], p.i, s)
	}
	return v, nil
}

// stringify turns JSON scalars into the strings shorthand gives.
func stringify(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = stringify(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = stringify(e)
		}
		return t
	case nil:
		return ""
	case string:
		return t
	default:
		return fmt.Sprint(t)
	}
}

type shorthand struct {
	s string
	i int
}

func (p *shorthand) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *shorthand) value(key bool) (any, error) {
	switch p.peek() {
	case '[':
		p.i++
		out := []any{}
		for p.peek() != ']' {
			v, err := p.value(false)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if !p.sep(']') {
				return nil, p.expected("',' or ']'")
			}
		}
		p.i++
		return out, nil
	case '{':
		p.i++
		out := map[string]any{}
		for p.peek() != '}' {
			k, err := p.value(true)
			if err != nil {
				return nil, err
			}
			ks, _ := k.(string)
			if p.peek() != ':' {
				return nil, p.expected("':'")
			}
			p.i++
			v, err := p.value(false)
			if err != nil {
				return nil, err
			}
			out[ks] = v
			if !p.sep('}') {
				return nil, p.expected("',' or '}'")
			}
		}
		p.i++
		return out, nil
	case '\'', '"':
		q := p.s[p.i]
		end := strings.IndexByte(p.s[p.i+1:], q)
		if end < 0 {
			return nil, fmt.Errorf("unterminated string in %q", p.s)
		}
		v := p.s[p.i+1 : p.i+1+end]
		p.i += end + 2
		return v, nil
	}
	stop := ",]}"
	if key {
		stop += ":"
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(stop, rune(p.s[p.i])) {
		p.i++
	}
	return strings.TrimSpace(p.s[start:p.i]), nil
}

// sep consumes a ',' (true) or sees the closing byte (true, not consumed).
func (p *shorthand) sep(closing byte) bool {
	switch p.peek() {
	case ',':
		p.i++
		return true
	case closing:
		return true
	}
	return false
}

func (p *shorthand) expected(what string) error {
	return fmt.Errorf("expected %s at position %d of %q", what, p.i, p.s)
}

// shorthandObjects reads a list argument of objects: each value a list of
// objects or one object, in shorthand or JSON.
func shorthandObjects(flag string, vals []string) ([]map[string]any, error) {
	var out []map[string]any
	for _, s := range vals {
		v, err := parseShorthand(s)
		if err != nil {
			return nil, usagef("--%s: %v", flag, err)
		}
		items, ok := v.([]any)
		if !ok {
			items = []any{v}
		}
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, usagef("--%s: %q is not an object such as {id:...}", flag, s)
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// field is a string field of a shorthand object, by any of its spellings.
func field(m map[string]any, names ...string) string {
	for _, n := range names {
		if v, ok := m[n].(string); ok {
			return v
		}
	}
	return ""
}
