package output

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Field is one key/value pair of an Ordered object.
type Field struct {
	Key   string
	Value any
}

// Ordered is an object whose keys keep the order they were written in, the
// way Python's OrderedDict does in az. Table transformers return lists of
// Ordered to fix their column order; the query machinery produces them for
// objects built by a JMESPath multiselect hash.
type Ordered []Field

// Get returns the value stored under key and whether it exists.
func (o Ordered) Get(key string) (any, bool) {
	for _, f := range o {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes the object with its keys in order.
func (o Ordered) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// normalize turns v into the value model the renderers understand: nil,
// bool, string, float64, json.Number, []any, map[string]any and Ordered.
// Go integers become json.Number; anything else goes through encoding/json.
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case nil, bool, string, float64, json.Number:
		return v, nil
	case float32:
		return float64(t), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return json.Number(fmt.Sprint(t)), nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case Ordered:
		out := make(Ordered, 0, len(t))
		for _, f := range t {
			n, err := normalize(f.Value)
			if err != nil {
				return nil, err
			}
			out = out.set(f.Key, n)
		}
		return out, nil
	case []Ordered:
		out := make([]any, len(t))
		for i, o := range t {
			n, err := normalize(o)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot render %T: %w", v, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var decoded any
	if err := dec.Decode(&decoded); err != nil {
		return nil, fmt.Errorf("cannot render %T: %w", v, err)
	}
	return decoded, nil
}

// set stores key like an OrderedDict assignment: an existing key keeps its
// position and takes the new value.
func (o Ordered) set(key string, v any) Ordered {
	for i := range o {
		if o[i].Key == key {
			o[i].Value = v
			return o
		}
	}
	return append(o, Field{Key: key, Value: v})
}

// sortedKeys returns the keys of m in code point order, as Python's sorted().
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// objectFields lists an object's pairs, sorted when sortKeys is set or the
// object has no inherent order (a plain map).
func objectFields(v any, sortKeys bool) (Ordered, bool) {
	switch t := v.(type) {
	case map[string]any:
		out := make(Ordered, 0, len(t))
		for _, k := range sortedKeys(t) {
			out = append(out, Field{Key: k, Value: t[k]})
		}
		return out, true
	case Ordered:
		if !sortKeys {
			return t, true
		}
		out := append(Ordered(nil), t...)
		sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out, true
	}
	return nil, false
}

// isContainer reports whether v is a list or an object.
func isContainer(v any) bool {
	switch v.(type) {
	case []any, map[string]any, Ordered:
		return true
	}
	return false
}

// numberText renders a JSON number as Python prints the int or float that
// json.loads would have produced; isFloat tells which one it was.
// A float64 with an integral value is taken to have been an integer.
func numberText(v any) (text string, isFloat bool) {
	switch t := v.(type) {
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if s == "-0" {
				return "0", false
			}
			return s, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return s, true
		}
		return floatRepr(f), true
	case float64:
		if t == math.Trunc(t) && !math.IsInf(t, 0) {
			if t == 0 {
				return "0", false
			}
			return strconv.FormatFloat(t, 'f', -1, 64), false
		}
		return floatRepr(t), true
	}
	return "", false
}

// floatRepr is Python's repr(float): shortest round-trip digits, exponent
// form when the decimal exponent is below -4 or at least 16.
func floatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyStr is Python's str() of a decoded JSON value.
func pyStr(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case string:
		return t
	case bool:
		if t {
			return "True"
		}
		return "False"
	case float64, json.Number:
		s, _ := numberText(t)
		return s
	}
	return pyRepr(v)
}
