package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const features = `[
 {"id": "/subscriptions/0000/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/AKSPrivateLinkPreview",
  "name": "Microsoft.ContainerService/AKSPrivateLinkPreview", "properties": {"state": "Registered"},
  "type": "Microsoft.Features/providers/features"},
 {"id": "/subscriptions/0000/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost",
  "name": "Microsoft.Compute/EncryptionAtHost", "properties": {"state": "NotRegistered"},
  "type": "Microsoft.Features/providers/features"}]`

func render(t *testing.T, input string, o Options) (string, error) {
	t.Helper()
	var buf bytes.Buffer
	err := Write(&buf, decodeJSON(t, input), o)
	return buf.String(), err
}

func TestWrite(t *testing.T) {
	cases := []struct {
		name  string
		input string
		opts  Options
		want  string
	}{
		{"example from the brief", `[{"name":"Microsoft.ContainerService/AKSPrivateLinkPreview","properties":{"state":"Registered"}}]`,
			Options{Format: "table", Query: "[?contains(name, 'Microsoft.ContainerService/AKSPrivateLinkPreview')].{Name:name,State:properties.state}"},
			"Name                                              State\n" +
				"------------------------------------------------  ----------\n" +
				"Microsoft.ContainerService/AKSPrivateLinkPreview  Registered\n"},
		{"json sorted, indented, unicode kept", `{"b":[1,{}],"a":"héllo <&>","c":null,"d":1.5}`, Options{},
			"{\n  \"a\": \"héllo <&>\",\n  \"b\": [\n    1,\n    {}\n  ],\n  \"c\": null,\n  \"d\": 1.5\n}\n"},
		{"format is case-insensitive", `{"a":1}`, Options{Format: "JSON"}, "{\n  \"a\": 1\n}\n"},
		{"jsonc without a terminal is json", `{"a":true}`, Options{Format: "jsonc"}, "{\n  \"a\": true\n}\n"},
		{"jsonc on a terminal", `{"a":true}`, Options{Format: "jsonc", Color: true},
			"{\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"a\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m" +
				"\x1b[34mtrue\x1b[39;49;00m\x1b[37m\x1b[39;49;00m\n}\x1b[37m\x1b[39;49;00m\n"},
		{"yaml", `{"b":{"c":[1,"x"]},"a":"2023-01-01","e":[]}`, Options{Format: "yaml"},
			"a: '2023-01-01'\nb:\n  c:\n  - 1\n  - x\ne: []\n"},
		{"yaml stays sorted under a query", `{"b":1,"a":2}`, Options{Format: "yaml", Query: "{z:b, y:a}"}, "y: 2\nz: 1\n"},
		{"yaml top-level scalar ends the document", `"abc"`, Options{Format: "yaml"}, "abc\n...\n"},
		{"yamlc without a terminal is yaml", `{"a":1}`, Options{Format: "yamlc"}, "a: 1\n"},
		{"yamlc on a terminal", `{"a":1}`, Options{Format: "yamlc", Color: true},
			"\x1b[94ma\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m1\x1b[37m\x1b[39;49;00m\n"},
		{"none", `{"a":1}`, Options{Format: "none"}, ""},
		{"null result prints nothing", `null`, Options{Format: "table"}, ""},
		{"null after the query prints nothing", `{"a":1}`, Options{Query: "b"}, ""},
		{"table sorts keys and skips id, type, etag, nulls and nested values", features, Options{Format: "table"},
			"Name\n------------------------------------------------\n" +
				"Microsoft.ContainerService/AKSPrivateLinkPreview\nMicrosoft.Compute/EncryptionAtHost\n"},
		{"table keeps the query's key order", features, Options{Format: "table", Query: "[].{State:properties.state, Name:name}"},
			"State          Name\n-------------  ------------------------------------------------\n" +
				"Registered     Microsoft.ContainerService/AKSPrivateLinkPreview\n" +
				"NotRegistered  Microsoft.Compute/EncryptionAtHost\n"},
		{"table order survives a pipe and sort_by", features,
			Options{Format: "table", Query: "sort_by([].{Zed:properties.state, Alpha:name}, &Zed) | [0]"},
			"Zed            Alpha\n-------------  ----------------------------------\n" +
				"NotRegistered  Microsoft.Compute/EncryptionAtHost\n"},
		{"table header is two wider than itself at least", `[{"name":"a","ok":true}]`, Options{Format: "table"},
			"Name    Ok\n------  ----\na       True\n"},
		{"table of scalars", `["x", 1, false]`, Options{Format: "table"}, "Result\n--------\nx\n1\nFalse\n"},
		{"table of lists", `[["a", 1], ["b"]]`, Options{Format: "table"},
			"Column1    Column2\n---------  ---------\na          1\nb\n"},
		{"table of an empty list is a blank line", `[]`, Options{Format: "table"}, "\n"},
		{"tsv sorted values, nested list as length, dict empty", `[{"b":[1,2,3],"a":"x","c":{"k":1},"d":null,"e":true,"f":2.5}]`,
			Options{Format: "tsv"}, "x\t3\t\tNone\tTrue\t2.5\n"},
		{"tsv keeps the query's order", `{"b":1,"a":2}`, Options{Format: "tsv", Query: "{b:b, a:a}"}, "1\t2\n"},
		{"tsv of a dict is one line", `{"b":"2","a":"1","n":{"x":1}}`, Options{Format: "tsv"}, "1\t2\t\n"},
		{"tsv of scalars and bare booleans", `["a", true, null, 1, [1, "b", [2]]]`, Options{Format: "tsv"},
			"a\ntrue\nNone\n1\n1\tb\t1\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := render(t, c.input, c.opts)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != c.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, c.want)
			}
		})
	}
}

func TestTableTransformer(t *testing.T) {
	rows := func(v any) any {
		var out []any
		for _, item := range v.([]any) {
			m := item.(map[string]any)
			out = append(out, Ordered{{"Zname", m["name"]}, {"State", m["properties"].(map[string]any)["state"]}})
		}
		return out
	}
	plain := func(v any) any {
		return []any{map[string]any{"b": "2", "a": "1"}}
	}
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"applied without a query, its order kept", Options{Format: "table", Table: rows},
			"Zname                                             State\n" +
				"------------------------------------------------  -------------\n" +
				"Microsoft.ContainerService/AKSPrivateLinkPreview  Registered\n" +
				"Microsoft.Compute/EncryptionAtHost                NotRegistered\n"},
		{"ignored under a query", Options{Format: "table", Table: rows, Query: "[0].{N:name}"},
			"N\n------------------------------------------------\nMicrosoft.ContainerService/AKSPrivateLinkPreview\n"},
		{"plain maps get sorted columns", Options{Format: "table", Table: plain}, "A    B\n---  ---\n1    2\n"},
		{"other formats ignore it", Options{Format: "tsv", Table: plain, Query: "[0].name"},
			"Microsoft.ContainerService/AKSPrivateLinkPreview\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := render(t, features, c.opts)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != c.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, c.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name  string
		input string
		opts  Options
		want  string
	}{
		{"unknown format", `{}`, Options{Format: "xml"},
			"'xml' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none."},
		{"query that does not parse", `{}`, Options{Query: "[?name=="},
			"argument --query: invalid jmespath_type value: '[?name=='"},
		{"query that fails at run time", `{"a":1}`, Options{Query: "contains(a, 'x')"},
			"invalid jmespath query supplied for --query 'contains(a, 'x')': "},
		{"table transformer that fails", features, Options{Format: "table", Table: func(v any) any { return v.(map[string]any) }},
			"Table output unavailable. Use the --query option"},
		{"nothing to tabulate is a blank line, not an error", `[{"a":{"b":1}}, {"c":[1]}, {}]`, Options{Format: "table"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.input == `{}` {
				if err := Validate(c.opts); err == nil || err.Error() != c.want {
					t.Errorf("Validate error = %v, want %q", err, c.want)
				}
			}
			got, err := render(t, c.input, c.opts)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want == "" && got != "\n":
				t.Fatalf("got %q, want a blank line", got)
			case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
				t.Fatalf("error = %v, want prefix %q", err, c.want)
			}
		})
	}
	for _, o := range []Options{{}, {Format: "TABLE", Query: "[].name"}, {Format: "yamlc"}} {
		if err := Validate(o); err != nil {
			t.Errorf("Validate(%+v) = %v", o, err)
		}
	}
}

func TestApplyQuery(t *testing.T) {
	cases := []struct {
		query string
		want  string // the result in json
	}{
		{"[].name", `["Microsoft.ContainerService/AKSPrivateLinkPreview","Microsoft.Compute/EncryptionAtHost"]`},
		{"length(@)", `2`},
		{"[?properties.state=='NotRegistered'] | [0].name", `"Microsoft.Compute/EncryptionAtHost"`},
		{"[0].{z:name, a:properties.state}", `{"z":"Microsoft.ContainerService/AKSPrivateLinkPreview","a":"Registered"}`},
	}
	for _, c := range cases {
		got, err := ApplyQuery(decodeJSON(t, features), c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		raw, _ := json.Marshal(got)
		if string(raw) != c.want {
			t.Errorf("%s: got %s, want %s", c.query, raw, c.want)
		}
	}
	got, err := ApplyQuery(decodeJSON(t, features), "[].{z:name, a:properties.state}")
	if err != nil {
		t.Fatal(err)
	}
	first := got.([]any)[0].(Ordered)
	if first[0].Key != "z" || first[1].Key != "a" {
		t.Errorf("multiselect hash order lost: %v", first)
	}
	if _, err := ApplyQuery(nil, "[?"); err == nil || !strings.Contains(err.Error(), "'[?'") {
		t.Errorf("bad query error %v does not name the query", err)
	}
}

func TestNumbers(t *testing.T) {
	cases := []struct {
		in   any
		want string // json, also python's str()
	}{
		{float64(5), "5"}, {1.5, "1.5"}, {float64(-0.0), "0"}, {2.5e-7, "2.5e-07"}, {0.1, "0.1"},
		{1.5e-05, "1.5e-05"}, {123456.125, "123456.125"}, {json.Number("1.0"), "1.0"},
		{json.Number("1E3"), "1000.0"}, {json.Number("12345678901234567890"), "12345678901234567890"},
		{json.Number("1e16"), "1e+16"}, {7, "7"}, {int64(-3), "-3"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := Write(&buf, c.in, Options{}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(buf.String(), "\n"); got != c.want {
			t.Errorf("%#v: got %s, want %s", c.in, got, c.want)
		}
	}
}
