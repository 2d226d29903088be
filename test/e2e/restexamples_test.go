package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The REST specification's own examples (testdata/restexamples, copied
// from Azure's azure-rest-api-specs) replayed against a real instance:
// each request must get the example's status class, every value it sent
// must come back (after Azure's normalisation), and every key of the
// example's final response must be there. What differs on purpose is
// listed, with the reason, in replay.json.

// replayManifest is testdata/restexamples/replay.json.
type replayManifest struct {
	// Substitute replaces example placeholders that aksbox cannot take
	// (locations of Azure's test regions, an SSH key that is not one).
	Substitute map[string]string `json:"substitute"`
	// Replace replaces placeholders inside strings ("{your-username}").
	Replace map[string]string `json:"replace"`
	// Differences are key paths (see keyPaths) that may differ in every
	// example, with the reason.
	Differences map[string]string `json:"differences"`
	Examples    []replayExample   `json:"examples"`
}

type replayExample struct {
	File   string `json:"file"`
	Method string `json:"method"` // PUT (default) or GET
	Path   string `json:"path"`   // with {parameter} placeholders
	Body   string `json:"body"`   // the parameter that is the body
	// Vars override parameters (to keep examples that share names apart).
	Vars map[string]string `json:"vars"`
	// Replace fixes text of this example that Azure itself would refuse
	// (an example's inconsistent names), each a documented difference.
	Replace map[string]string `json:"replace"`
	Setup   []replayStep      `json:"setup"`
	// Refused is the ARM code aksbox answers instead (a documented
	// difference); the example is then only checked for that code.
	Refused     string            `json:"refused"`
	Differences map[string]string `json:"differences"`
}

type replayStep struct {
	Path string          `json:"path"`
	Body json.RawMessage `json:"body"`
}

func TestRESTExamplesReplay(t *testing.T) {
	needRoot(t)
	dir := filepath.Join("testdata", "restexamples")
	raw, err := os.ReadFile(filepath.Join(dir, "replay.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man replayManifest
	if err := json.Unmarshal(raw, &man); err != nil {
		t.Fatalf("replay.json: %v", err)
	}
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	in.mustAksbox("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	for _, ns := range []string{"Microsoft.Network", "Microsoft.ContainerService"} {
		in.mustAksbox("provider", "register", "-n", ns, "--wait")
	}
	_, key := writeKey(t)
	r := &replayer{t: t, in: in, man: man, key: key, groups: map[string]bool{}}
	for _, ex := range man.Examples {
		t.Run(strings.TrimSuffix(filepath.Base(ex.File), ".json"), func(t *testing.T) { r.replay(t, dir, ex) })
	}
	for g := range r.groups {
		in.call("DELETE", "/subscriptions/"+in.Sub+"/resourcegroups/"+g+"?api-version=2021-04-01", "")
	}
	deadline := time.Now().Add(5 * time.Minute)
	for g := range r.groups {
		for {
			code, _, _ := in.call("GET", "/subscriptions/"+in.Sub+"/resourcegroups/"+g+"?api-version=2021-04-01", "")
			if code == 404 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("group %s still there after 5 minutes (%d)", g, code)
			}
			time.Sleep(time.Second)
		}
	}
}

type replayer struct {
	t      *testing.T
	in     *instanceT
	man    replayManifest
	key    string
	groups map[string]bool
}

var exampleSub = regexp.MustCompile(`(?i)/subscriptions/[^/"]+/`)

// text is s with the example's placeholders replaced: subscriptions by the
// instance's, the manifest's substitutions.
func (r *replayer) text(s string) string {
	s = exampleSub.ReplaceAllString(s, "/subscriptions/"+r.in.Sub+"/")
	s = strings.ReplaceAll(s, "{sshKey}", r.key)
	for from, to := range r.man.Substitute {
		s = strings.ReplaceAll(s, `"`+from+`"`, `"`+strings.ReplaceAll(to, "{sshKey}", r.key)+`"`)
	}
	return s
}

func (r *replayer) group(t *testing.T, name string) {
	if r.groups[name] {
		return
	}
	code, m, _ := r.in.call("PUT", "/subscriptions/"+r.in.Sub+"/resourcegroups/"+name+"?api-version=2021-04-01", `{"location":"westus2"}`)
	if code/100 != 2 {
		t.Fatalf("creating group %s: %d %v", name, code, m)
	}
	r.groups[name] = true
}

// settle waits until the resource at path is no longer being written and
// returns it.
func (r *replayer) settle(t *testing.T, path string) (int, map[string]any) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		code, m, _ := r.in.call("GET", path, "")
		props, _ := m["properties"].(map[string]any)
		state, _ := props["provisioningState"].(string)
		if code != 200 || (state != "Creating" && state != "Updating") || time.Now().After(deadline) {
			return code, m
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (r *replayer) replay(t *testing.T, dir string, ex replayExample) {
	data, err := os.ReadFile(filepath.Join(dir, ex.File))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Parameters map[string]json.RawMessage `json:"parameters"`
		Responses  map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	text := string(data)
	for _, rep := range []map[string]string{ex.Replace, r.man.Replace} {
		for from, to := range rep {
			text = strings.ReplaceAll(text, from, to)
		}
	}
	if err := json.Unmarshal([]byte(r.text(text)), &doc); err != nil {
		t.Fatal(err)
	}
	params := map[string]string{}
	for k, v := range doc.Parameters {
		var s string
		if json.Unmarshal(v, &s) == nil {
			params[k] = s
		}
	}
	for k, v := range ex.Vars {
		params[k] = v
	}
	params["subscriptionId"] = r.in.Sub
	path := ex.Path
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	path += "?api-version=" + params["api-version"]
	if g := params["resourceGroupName"]; g != "" {
		r.group(t, g)
	}
	for _, st := range ex.Setup {
		p := r.text(st.Path)
		if g := groupOf(p); g != "" {
			r.group(t, g)
		}
		code, m, _ := r.in.call("PUT", p, r.text(string(st.Body)))
		if code/100 != 2 {
			t.Fatalf("setup PUT %s: %d %v", p, code, m)
		}
		if code, m := r.settle(t, p); code != 200 || stateOf(m) == "Failed" {
			t.Fatalf("setup %s: %d %v", p, code, m)
		}
	}
	method := ex.Method
	if method == "" {
		method = "PUT"
	}
	var sent any
	body := ""
	if method == "PUT" {
		b := doc.Parameters[ex.Body]
		if len(b) == 0 {
			t.Fatalf("the example has no parameter %q", ex.Body)
		}
		body = string(b)
		_ = json.Unmarshal(b, &sent)
	}
	code, m, _ := r.in.call(method, path, body)
	if ex.Refused != "" {
		if code/100 != 4 || errCode(m) != ex.Refused {
			t.Fatalf("%s %s: want %s (a documented difference), got %d %v", method, path, ex.Refused, code, m)
		}
		return
	}
	if code/100 != 2 {
		t.Fatalf("%s %s: %d %v", method, path, code, m)
	}
	code, gotMap := r.settle(t, path)
	var got any = gotMap
	if code != 200 || stateOf(gotMap) == "Failed" {
		t.Fatalf("GET after %s: %d %v", method, code, got)
	}
	var want any
	for _, status := range []string{"200", "201", "202"} {
		if resp, ok := doc.Responses[status]; ok && len(resp.Body) > 0 {
			_ = json.Unmarshal(resp.Body, &want)
			break
		}
	}
	// A listed path allows the keys below it too.
	allowed := func(p string) bool {
		for _, d := range []map[string]string{r.man.Differences, ex.Differences} {
			for k := range d {
				if p == k || strings.HasPrefix(p, k+".") || strings.HasPrefix(p, k+"[") {
					return true
				}
			}
		}
		return false
	}
	var problems []string
	for _, p := range keyPaths(want, "") {
		if !allowed(p.path) && !hasPath(got, p.path) {
			problems = append(problems, "missing "+p.path)
		}
	}
	for _, p := range keyPaths(sent, "") {
		if p.leaf == nil || allowed(p.path) {
			continue
		}
		v, ok := valueAt(got, p.path)
		if !ok {
			problems = append(problems, "lost "+p.path)
		} else if !sameValue(p.leaf, v) {
			problems = append(problems, fmt.Sprintf("changed %s: sent %v, got %v", p.path, p.leaf, v))
		}
	}
	// Names and ETags as Azure formats them: a record set's name as Azure
	// lower-cases it; a bare-GUID etag where the example has one.
	if w, ok := want.(map[string]any); ok && len(ex.Vars) == 0 {
		g, _ := got.(map[string]any)
		if n, ok := w["name"].(string); ok && !allowed("name") && g["name"] != n {
			problems = append(problems, fmt.Sprintf("name: Azure returns %q, got %v", n, g["name"]))
		}
		if e, ok := w["etag"].(string); ok && bareGUID.MatchString(e) && !bareGUID.MatchString(fmt.Sprint(g["etag"])) {
			problems = append(problems, fmt.Sprintf("etag: Azure returns a bare GUID (%s), got %v", e, g["etag"]))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		out, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("%s %s:\n  %s\ngot %s", method, path, strings.Join(problems, "\n  "), out)
	}
}

func groupOf(path string) string {
	parts := strings.Split(path, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return ""
}

func stateOf(m map[string]any) string {
	props, _ := m["properties"].(map[string]any)
	s, _ := props["provisioningState"].(string)
	return s
}

// keyPath is a key of a JSON document: its path (object keys joined by
// dots, array elements as [name] when they have a name, else [index]) and,
// for a scalar, its value.
type keyPath struct {
	path string
	leaf any
}

func keyPaths(v any, prefix string) []keyPath {
	var out []keyPath
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			p := k
			if strings.Contains(k, ".") {
				p = "{" + k + "}" // a key with dots (a resource ID) in braces
			}
			if prefix != "" {
				p = prefix + "." + p
			}
			out = append(out, keyPath{path: p, leaf: scalar(e)})
			out = append(out, keyPaths(e, p)...)
		}
	case []any:
		for i, e := range t {
			p := fmt.Sprintf("%s[%s]", prefix, elementKey(e, i))
			if s := scalar(e); s != nil {
				out = append(out, keyPath{path: p, leaf: s})
			}
			out = append(out, keyPaths(e, p)...)
		}
	}
	return out
}

func scalar(v any) any {
	switch v.(type) {
	case map[string]any, []any, nil:
		return nil
	}
	return v
}

func elementKey(e any, i int) string {
	if m, ok := e.(map[string]any); ok {
		if n, ok := m["name"].(string); ok && n != "" {
			return n
		}
	}
	return fmt.Sprint(i)
}

var bareGUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

var pathPart = regexp.MustCompile(`\{[^}]*\}|[^.\[\]{}]+|\[[^\]]*\]`)

// valueAt follows a key path in doc: keys without case, [name] by an
// element's name without case, [i] by position.
func valueAt(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range pathPart.FindAllString(path, -1) {
		if strings.HasPrefix(part, "[") {
			arr, ok := cur.([]any)
			if !ok {
				return nil, false
			}
			key := strings.Trim(part, "[]")
			found := false
			for i, e := range arr {
				if strings.EqualFold(elementKey(e, i), key) {
					cur, found = e, true
					break
				}
			}
			if i, err := strconv.Atoi(key); !found && err == nil && i < len(arr) {
				cur, found = arr[i], true // sent without a name, named by Azure
			}
			if !found {
				return nil, false
			}
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		part = strings.TrimSuffix(strings.TrimPrefix(part, "{"), "}")
		found := false
		for k, v := range m {
			if strings.EqualFold(k, part) {
				cur, found = v, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return cur, true
}

func hasPath(doc any, path string) bool {
	_, ok := valueAt(doc, path)
	return ok
}

// sameValue compares a sent value with the returned one as Azure's
// normalisation allows: strings without case (enums, IDs, locations).
func sameValue(sent, got any) bool {
	if s, ok := sent.(string); ok {
		g, ok := got.(string)
		return ok && strings.EqualFold(s, g)
	}
	return fmt.Sprint(sent) == fmt.Sprint(got)
}
