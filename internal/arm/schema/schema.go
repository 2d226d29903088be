// Package schema holds Azure's REST schemas of the resource types aksbox
// serves, as trees of property names for each api-version an Azure SDK for
// Go module was generated for (data/, written by hack/schemagen), and
// removes from a request body what its type's schema does not have, as
// Azure's resource providers ignore properties they do not know.
package schema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed data/*.json
var data embed.FS

// A node is an object type: its properties by lower-cased name.
type node map[string]prop

// A prop is what a property holds: an object of type obj (also each
// element of an array of them; each value when dict), or anything at all
// when obj is nil.
type prop struct {
	obj  node
	dict bool
}

// A version is a type's schema at one api-version.
type version struct {
	apiVersion string
	root       node
}

// file is the form of data/*.json (see hack/schemagen).
type file struct {
	Namespace  string                       `json:"namespace"`
	APIVersion string                       `json:"apiVersion"`
	Roots      map[string]string            `json:"roots"`
	Types      map[string]map[string]string `json:"types"`
}

// schemas are every type's versions, oldest first, by lower-cased full
// type (microsoft.network/virtualnetworks/subnets).
var schemas = sync.OnceValue(func() map[string][]version {
	out := map[string][]version{}
	entries, err := data.ReadDir("data")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		raw, err := data.ReadFile(path.Join("data", e.Name()))
		if err != nil {
			panic(err)
		}
		var f file
		if err := json.Unmarshal(raw, &f); err != nil {
			panic(fmt.Sprintf("schema %s: %v", e.Name(), err))
		}
		nodes := map[string]node{}
		for name := range f.Types {
			nodes[name] = node{}
		}
		for name, props := range f.Types {
			for key, ref := range props {
				p := prop{dict: strings.HasPrefix(ref, "{}")}
				if ref = strings.TrimPrefix(ref, "{}"); ref != "" {
					if p.obj = nodes[ref]; p.obj == nil {
						panic(fmt.Sprintf("schema %s: %s.%s names %s, which it lacks", e.Name(), name, key, ref))
					}
				}
				nodes[name][strings.ToLower(key)] = p
			}
		}
		for typ, name := range f.Roots {
			full := strings.ToLower(f.Namespace + "/" + typ)
			out[full] = append(out[full], version{f.APIVersion, nodes[name]})
		}
	}
	for _, vs := range out {
		sort.Slice(vs, func(i, j int) bool { return vs[i].apiVersion < vs[j].apiVersion })
	}
	return out
})

// For is the schema that judges a body of fullType sent at apiVersion:
// that of the oldest api-version at or after it (a property added between
// the two is kept rather than lost), or the newest when apiVersion is newer
// than every schema here; "" and false when aksbox has none for the type.
func For(fullType, apiVersion string) (string, bool) {
	v, ok := pick(fullType, apiVersion)
	return v.apiVersion, ok
}

func pick(fullType, apiVersion string) (version, bool) {
	vs := schemas()[strings.ToLower(fullType)]
	if len(vs) == 0 {
		return version{}, false
	}
	date := apiVersion
	if len(date) > 10 {
		date = date[:10] // 2023-07-01-preview
	}
	for _, v := range vs {
		if v.apiVersion >= date {
			return v, true
		}
	}
	return vs[len(vs)-1], true
}

// Prune is body without the properties that fullType's schema at
// apiVersion does not have (names compared without case), and the paths of
// those it removed. A body that is not a JSON object, or of a type without
// a schema, is returned as it is.
func Prune(fullType, apiVersion string, body []byte) ([]byte, []string) {
	v, ok := pick(fullType, apiVersion)
	if !ok {
		return body, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return body, nil
	}
	var dropped []string
	prune(m, v.root, "", &dropped)
	if len(dropped) == 0 {
		return body, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return body, nil
	}
	sort.Strings(dropped)
	return bytes.TrimSpace(buf.Bytes()), dropped
}

func prune(m map[string]any, n node, at string, dropped *[]string) {
	for k, v := range m {
		p, ok := n[strings.ToLower(k)]
		if !ok {
			delete(m, k)
			*dropped = append(*dropped, at+k)
			continue
		}
		if p.obj != nil {
			pruneValue(v, p, at+k, dropped)
		}
	}
}

// pruneValue prunes what a property of p holds: an object, an array of
// them, or a dictionary of either.
func pruneValue(v any, p prop, at string, dropped *[]string) {
	switch x := v.(type) {
	case map[string]any:
		if p.dict {
			for k, e := range x {
				pruneValue(e, prop{obj: p.obj}, at+"."+k, dropped)
			}
			return
		}
		prune(x, p.obj, at+".", dropped)
	case []any:
		for i, e := range x {
			pruneValue(e, p, fmt.Sprintf("%s[%d]", at, i), dropped)
		}
	}
}
