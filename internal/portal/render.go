package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// page is what every page template gets.
type page struct {
	Title  string
	Crumbs []crumb
	Err    *armError
	Flash  string
	Data   any

	// Filled by render.
	SignedIn bool
	User     string
	CSRF     string
	Notes    []noteView
}

// crumb is one step of the breadcrumb above a page's title.
type crumb struct{ Label, Href string }

// kv is a name and its value.
type kv struct{ K, V string }

// pageNames are the templates that are whole pages (each with layout.html).
var pageNames = []string{"signin", "home", "error", "blade"}

var funcs = template.FuncMap{
	"portalURL": portalURL,
	"str":       str,
	"lower":     strings.ToLower,
	"q": func(v url.Values, name string, def ...string) string {
		d := ""
		if len(def) > 0 {
			d = def[0]
		}
		return prefill(v, name, d)
	},
	"deleteArgs": func(csrf, view, target, name string) map[string]string {
		return map[string]string{"CSRF": csrf, "View": view, "Target": target, "Name": name}
	},
	"leaves": func(v any, path ...string) []kv {
		var out []kv
		flatten("", dig(v, path...), &out)
		return out
	},
	"pretty": func(v any) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // the template escapes; the JSON shows what was sent
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
		return b.String()
	},
}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+"*.html")
		if err != nil {
			return nil, fmt.Errorf("parsing the portal's %s page: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes page name with the layout around it.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, ss *session, status int, name string, pg page) {
	if ss != nil {
		pg.SignedIn, pg.User, pg.CSRF = true, ss.name, ss.csrf
		pg.Notes = ss.noteViews()
	}
	var buf bytes.Buffer
	if err := p.pages[name].ExecuteTemplate(&buf, "layout", pg); err != nil {
		p.log.Error("portal: rendering a page", "page", name, "err", err)
		http.Error(w, "The portal failed to render this page; the failure is in the server's log.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an ARM error (or any other) on the error page.
func (rq *request) fail(err error) {
	ae, ok := err.(*armError)
	if !ok {
		ae = &armError{Status: http.StatusInternalServerError, Code: "PortalError", Message: err.Error()}
	}
	rq.show(ae.Status, "error", page{Title: "Error", Err: ae})
}

func (rq *request) show(status int, name string, pg page) {
	rq.arm.p.render(rq.w, rq.r, rq.ss, status, name, pg)
}

// portalURL is the portal page of an ARM resource ID.
func portalURL(id string) string {
	return "/portal/r/" + strings.TrimPrefix(id, "/")
}

// str renders a JSON value as text: strings as they are, the rest as JSON.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool, float64:
		return fmt.Sprint(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// dig reads a nested value: dig(doc, "properties", "networkProfile").
func dig(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func digStr(v any, path ...string) string { return str(dig(v, path...)) }

// flatten lists the leaves of v as dotted paths, sorted.
func flatten(prefix string, v any, out *[]kv) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, e, out)
		}
	case []any:
		if len(x) == 0 {
			*out = append(*out, kv{K: prefix, V: "[]"})
		}
		for i, e := range x {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), e, out)
		}
	default:
		*out = append(*out, kv{K: prefix, V: str(x)})
	}
	if prefix == "" {
		sort.Slice(*out, func(i, j int) bool { return (*out)[i].K < (*out)[j].K })
	}
}

// prefill is a form's values handed back after a sign-in.
func prefill(q url.Values, name, def string) string {
	if v, ok := q[name]; ok && len(v) > 0 {
		return v[0]
	}
	return def
}
