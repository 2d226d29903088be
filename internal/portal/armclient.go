package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// armError is an error answer of the ARM API, shown to the user as ARM
// gave it: its status, code and message.
type armError struct {
	Status  int
	Code    string
	Message string
}

func (e *armError) Error() string { return e.Code + ": " + e.Message }

// armAnswer is what one call of the ARM API answered.
type armAnswer struct {
	Status int
	Header http.Header
	Body   map[string]any
}

// recorder is the ResponseWriter of an in-process ARM call.
type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}
func (w *recorder) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}

// client calls the ARM API for one signed-in session, in process, through
// the same handler (routing, authentication, validation) that serves az and
// the SDK. The incoming request lends its host and TLS state so that the
// links ARM writes (operation status, nextLink) are the ones a remote
// client would see.
type client struct {
	p     *Portal
	ctx   context.Context
	from  *http.Request
	token string
}

// call sends method path?api-version=v with body (nil for none) and
// headers given as name, value pairs. A status of 400 or more is returned
// as *armError.
func (c *client) call(method, path, apiVersion string, body any, headers ...string) (*armAnswer, error) {
	u := path
	if apiVersion != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "api-version=" + url.QueryEscape(apiVersion)
	}
	var rd io.Reader = http.NoBody
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encoding the request body: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("making the request %s %s: %w", method, path, err)
	}
	req.Host = c.from.Host
	req.TLS = c.from.TLS
	req.RemoteAddr = c.from.RemoteAddr
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "aksbox-portal")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := &recorder{header: http.Header{}}
	c.p.arm.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	a := &armAnswer{Status: w.status, Header: w.header}
	if w.body.Len() > 0 {
		if err := json.Unmarshal(w.body.Bytes(), &a.Body); err != nil {
			return nil, fmt.Errorf("%s %s answered %d with a body that is not a JSON object: %w", method, path, w.status, err)
		}
	}
	if w.status >= 400 {
		e := &armError{Status: w.status, Code: "HttpStatus" + fmt.Sprint(w.status), Message: http.StatusText(w.status)}
		if m, ok := a.Body["error"].(map[string]any); ok {
			e.Code, _ = m["code"].(string)
			e.Message, _ = m["message"].(string)
		}
		return a, e
	}
	return a, nil
}

// get reads one document.
func (c *client) get(path, apiVersion string) (map[string]any, error) {
	a, err := c.call(http.MethodGet, path, apiVersion, nil)
	if err != nil {
		return nil, err
	}
	return a.Body, nil
}

// send sends a request with a body and returns the answer's document.
func (c *client) send(method, path, apiVersion string, body any) (map[string]any, error) {
	a, err := c.call(method, path, apiVersion, body)
	if err != nil {
		return nil, err
	}
	return a.Body, nil
}

// list reads every page of a list.
func (c *client) list(path, apiVersion string) ([]map[string]any, error) {
	var all []map[string]any
	next, v := path, apiVersion
	for pages := 0; next != "" && pages < 1000; pages++ {
		body, err := c.get(next, v)
		if err != nil {
			return nil, err
		}
		for _, it := range asList(body["value"]) {
			all = append(all, it)
		}
		link, _ := body["nextLink"].(string)
		next, v = "", ""
		if link != "" {
			u, err := url.Parse(link)
			if err != nil {
				return nil, fmt.Errorf("reading the nextLink %q: %w", link, err)
			}
			next = u.RequestURI()
		}
	}
	return all, nil
}

// apiVersions knows, per resource type, the newest stable api-version the
// ARM API lists for it in the providers list, read once.
type apiVersions struct {
	mu sync.Mutex
	m  map[string]string // lower-case "Namespace/type[/child]" → version
}

// of returns the api-version to use for resource type typ
// ("Microsoft.Network/privateDnsZones/virtualNetworkLinks").
func (c *client) apiVersionOf(sub, typ string) (string, error) {
	if strings.EqualFold(typ, "Microsoft.Resources/resourceGroups") || strings.EqualFold(typ, "Microsoft.Resources/subscriptions") {
		return resourcesAPI, nil
	}
	av := &c.p.versions
	av.mu.Lock()
	defer av.mu.Unlock()
	if av.m == nil {
		provs, err := c.list("/subscriptions/"+sub+"/providers", resourcesAPI)
		if err != nil {
			return "", err
		}
		m := map[string]string{}
		for _, p := range provs {
			ns, _ := p["namespace"].(string)
			for _, rt := range asList(p["resourceTypes"]) {
				name, _ := rt["resourceType"].(string)
				for _, v := range asStrings(rt["apiVersions"]) {
					if !strings.Contains(v, "preview") {
						m[strings.ToLower(ns+"/"+name)] = v
						break
					}
				}
			}
		}
		av.m = m
	}
	v, ok := av.m[strings.ToLower(typ)]
	if !ok {
		return "", fmt.Errorf("the providers list names no api-version for the resource type %s", typ)
	}
	return v, nil
}

// resourcesAPI is the api-version of Microsoft.Resources calls.
const resourcesAPI = "2021-04-01"

// featuresAPI is the api-version of Microsoft.Features calls.
const featuresAPI = "2021-07-01"

func asList(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, it := range arr {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func asStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, it := range arr {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
