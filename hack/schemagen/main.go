// Command schemagen writes internal/arm/schema/data: for each resource type
// aksbox serves and each api-version an Azure SDK for Go module was
// generated for, the tree of property names of the type's REST schema.
//
// The SDK's models are generated from azure-rest-api-specs, one module
// version per api-version; schemagen reads them by reflection: for every
// field of a model it sets that field alone and marshals the model with
// the SDK's own serializer, which names the field's JSON property.
//
//	cd hack/schemagen && go run . ../../internal/arm/schema/data
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// A file is the schema of one namespace at one api-version.
type file struct {
	Namespace  string                       `json:"namespace"`
	APIVersion string                       `json:"apiVersion"`
	Source     string                       `json:"source"`
	Roots      map[string]string            `json:"roots"`
	Types      map[string]map[string]string `json:"types"`
}

// A set names the SDK models of one module version: resource type (as in
// a resource ID, below the namespace) → a zero value of its model.
type set struct {
	namespace, apiVersion, source string
	roots                         map[string]any
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: schemagen OUTDIR")
		os.Exit(2)
	}
	out := os.Args[1]
	for _, s := range sets() {
		f := file{Namespace: s.namespace, APIVersion: s.apiVersion, Source: s.source,
			Roots: map[string]string{}, Types: map[string]map[string]string{}}
		for typ, v := range s.roots {
			f.Roots[typ] = walk(reflect.TypeOf(v), f.Types)
		}
		data, err := json.MarshalIndent(f, "", " ")
		if err != nil {
			panic(err)
		}
		module := s.source[strings.LastIndex(s.source, "/arm")+1:]
		module = strings.SplitN(strings.SplitN(module, "@", 2)[0], "/", 2)[0]
		name := module + "_" + s.apiVersion + ".json"
		if err := os.WriteFile(filepath.Join(out, name), append(data, '\n'), 0o644); err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d types from %s\n", name, len(f.Types), s.source)
	}
}

var timeType = reflect.TypeOf(time.Time{})

// walk records struct type t and every struct type below it in types and
// returns t's name. A property's value in types is "" when anything may be
// sent under it (a scalar, free-form JSON, a polymorphic object), the name
// of its object's type (also for an array of such objects), or "{}" and
// the name for a dictionary of such objects.
func walk(t reflect.Type, types map[string]map[string]string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	if _, done := types[name]; done {
		return name
	}
	props := map[string]string{}
	types[name] = props
	empty := keys(reflect.New(t))
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		v := reflect.New(t)
		fv := v.Elem().Field(i)
		switch f.Type.Kind() {
		case reflect.Pointer:
			fv.Set(reflect.New(f.Type.Elem()))
		case reflect.Slice:
			fv.Set(reflect.MakeSlice(f.Type, 1, 1))
		case reflect.Map:
			fv.Set(reflect.MakeMap(f.Type))
		case reflect.Interface:
			// A polymorphic or free-form property: the SDK omits nil, so
			// its name follows the SDK's convention for field names.
			props[lowerFirst(f.Name)] = ""
			fmt.Fprintf(os.Stderr, "%s.%s: %s, any value kept\n", name, f.Name, f.Type)
			continue
		default:
			fv.Set(reflect.Zero(f.Type))
		}
		var key string
		for k := range keys(v) {
			if !empty[k] {
				key = k
			}
		}
		if key == "" && empty[lowerFirst(f.Name)] {
			key = lowerFirst(f.Name) // a constant the SDK always writes
		}
		if key == "" {
			panic(fmt.Sprintf("%s.%s: no JSON property", name, f.Name))
		}
		props[key] = child(f.Type, types)
	}
	return name
}

// child is the types entry of a property of type t.
func child(t reflect.Type, types map[string]map[string]string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return ""
		}
		return child(t.Elem(), types)
	case reflect.Map:
		if c := child(t.Elem(), types); c != "" {
			return "{}" + c
		}
		return ""
	case reflect.Struct:
		if t == timeType {
			return ""
		}
		return walk(t, types)
	}
	return ""
}

// keys are the JSON properties v marshals to.
func keys(v reflect.Value) map[string]bool {
	data, err := json.Marshal(v.Interface())
	if err != nil {
		panic(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		panic(err)
	}
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}
