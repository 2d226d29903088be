package output

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
)

// goldenCase holds what az 2.45's own formatters (knack with PyYAML,
// tabulate and pygments, colors on) print for one input and query, per
// output format. testdata/golden.json was recorded by running those Python
// modules from the installed azure-cli on the same inputs; an expected
// value starting with "ERROR: " is the message of a failed rendering.
type goldenCase struct {
	Name  string            `json:"name"`
	Query string            `json:"query"`
	Input string            `json:"input"`
	Want  map[string]string `json:"want"`
}

func decodeJSON(t *testing.T, text string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad test input %q: %v", text, err)
	}
	return v
}

func TestGoldenAgainstKnack(t *testing.T) {
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		formats := make([]string, 0, len(c.Want))
		for f := range c.Want {
			formats = append(formats, f)
		}
		sort.Strings(formats)
		for _, f := range formats {
			want := c.Want[f]
			t.Run(c.Name+"/"+f, func(t *testing.T) {
				var buf bytes.Buffer
				err := Write(&buf, decodeJSON(t, c.Input), Options{Format: f, Query: c.Query, Color: true})
				got := buf.String()
				if err != nil {
					got = "ERROR: " + err.Error()
				}
				if got != want {
					t.Errorf("query %q input %s\ngot:\n%q\nwant:\n%q", c.Query, c.Input, got, want)
				}
			})
		}
	}
}
