// Package arm is aksbox's front door: the Azure Resource Manager HTTP
// surface. It routes /subscriptions/{s}/... paths case-insensitively,
// authenticates every call, checks api-version per route, decodes bodies,
// and answers errors in ARM's envelope. Resource providers register routes
// with it; long-running operations and ETags live here too.
package arm

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Caller is the authenticated principal of a request.
type Caller struct {
	ClientID string
	ObjectID string
	TenantID string
}

// Authenticator checks bearer tokens and subscription access.
type Authenticator interface {
	// Authenticate returns the caller, or an *Error (401) and the value of
	// the WWW-Authenticate header to send with it.
	Authenticate(r *http.Request) (Caller, string, error)
	// Subscription returns the subscription ID as the directory spells it,
	// and whether the caller may act in it.
	Subscription(c Caller, subscription string) (string, bool)
}

// Handler serves one matched route. A returned error is sent in ARM's
// envelope; a handler that wrote its response returns nil.
type Handler func(w http.ResponseWriter, r *Request) error

// Route is one ARM endpoint. Pattern segments are literals (matched
// case-insensitively), {var} for one segment, or a final {var...} for the
// rest of the path.
type Route struct {
	Pattern     string
	Methods     []string // nil: any method
	APIVersions []string // nil: any non-empty api-version; see NoAPIVersion
	// NoAPIVersion routes need no api-version (e.g. identity endpoints).
	NoAPIVersion bool
	// Public routes need no token.
	Public  bool
	Handler Handler
}

type compiled struct {
	Route
	segs []segment
	rest bool // the last segment takes the rest of the path
}

// A segment of a route's pattern: a literal, or a variable ({name}, or
// {name...} for the rest of the path) with its lower-cased name.
type segment struct {
	lit, name string
}

// Server is the ARM HTTP handler.
type Server struct {
	routes []compiled
	auth   Authenticator
	log    *slog.Logger
	// Fallback serves paths no route matches (identity endpoints) when one
	// of its patterns matches; anything else gets ARM's 404.
	Fallback *http.ServeMux
}

// NewServer makes an empty front door.
func NewServer(auth Authenticator, log *slog.Logger) *Server {
	return &Server{auth: auth, log: log}
}

// Handle adds a route. Routes are tried in the order they were added.
func (s *Server) Handle(rt Route) {
	c := compiled{Route: rt}
	for _, p := range split(rt.Pattern) {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "...}"):
			c.segs = append(c.segs, segment{name: strings.ToLower(strings.TrimSuffix(p[1:], "...}"))})
			c.rest = true
		case strings.HasPrefix(p, "{"):
			c.segs = append(c.segs, segment{name: strings.ToLower(strings.Trim(p, "{}"))})
		default:
			c.segs = append(c.segs, segment{lit: p})
		}
	}
	s.routes = append(s.routes, c)
}

func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match reports whether path matches rt and, when it does, its variables.
func match(rt *compiled, path []string) (map[string]string, bool) {
	if len(path) < len(rt.segs) || (!rt.rest && len(path) != len(rt.segs)) {
		return nil, false
	}
	for i, s := range rt.segs {
		if rt.rest && i == len(rt.segs)-1 {
			break
		}
		if path[i] == "" || (s.name == "" && !strings.EqualFold(s.lit, path[i])) {
			return nil, false
		}
	}
	vars := make(map[string]string, len(rt.segs))
	for i, s := range rt.segs {
		switch {
		case s.name == "":
		case rt.rest && i == len(rt.segs)-1:
			vars[s.name] = strings.Join(path[i:], "/")
		default:
			vars[s.name] = path[i]
		}
	}
	return vars, true
}

func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	reqID := uuid.NewString()
	h := w.Header()
	h.Set("x-ms-request-id", reqID)
	h.Set("x-ms-routing-request-id", "LOCAL:"+reqID)
	corr := hr.Header.Get("x-ms-correlation-request-id")
	if corr == "" {
		corr = reqID
	}
	h.Set("x-ms-correlation-request-id", corr)
	if cid := hr.Header.Get("x-ms-client-request-id"); cid != "" {
		h.Set("x-ms-client-request-id", cid)
	}

	path := split(hr.URL.Path)
	var methodMiss bool
	for i := range s.routes {
		rt := &s.routes[i]
		vars, ok := match(rt, path)
		if !ok {
			continue
		}
		if rt.Methods != nil && !slices.Contains(rt.Methods, hr.Method) {
			methodMiss = true
			continue
		}
		s.serve(w, hr, *rt, vars)
		return
	}
	if s.Fallback != nil && !methodMiss {
		if _, pattern := s.Fallback.Handler(hr); pattern != "" {
			s.Fallback.ServeHTTP(w, hr)
			return
		}
	}
	if methodMiss {
		WriteError(w, Errorf(http.StatusMethodNotAllowed, "MethodNotAllowed",
			"The HTTP method '%s' is not supported for '%s'.", hr.Method, hr.URL.Path))
		return
	}
	WriteError(w, Errorf(http.StatusNotFound, "NotFound",
		"No ARM endpoint matches the path '%s'. Paths start with /subscriptions, /tenants, /providers or /metadata.", hr.URL.Path))
}

func (s *Server) serve(w http.ResponseWriter, hr *http.Request, rt compiled, vars map[string]string) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler panicked", "method", hr.Method, "path", hr.URL.Path, "panic", p)
			WriteError(w, Errorf(http.StatusInternalServerError, "InternalServerError",
				"The server failed to handle %s %s; the failure is in its log.", hr.Method, hr.URL.Path))
		}
	}()
	r := &Request{Request: hr, vars: vars, BaseURL: baseURL(hr)}
	if IsSystem(hr.Context()) {
		r.Caller = SystemCaller
	} else if !rt.Public {
		c, challenge, err := s.auth.Authenticate(hr)
		if err != nil {
			if challenge != "" {
				w.Header().Set("WWW-Authenticate", challenge)
			}
			WriteError(w, err)
			return
		}
		r.Caller = c
		if sub := vars["subscriptionid"]; sub != "" {
			canonical, ok := s.auth.Subscription(c, sub)
			if !ok {
				WriteError(w, Errorf(http.StatusForbidden, "AuthorizationFailed",
					"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '/subscriptions/%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
					c.ClientID, c.ObjectID, hr.Method, sub))
				return
			}
			vars["subscriptionid"] = canonical
		}
	}
	if !rt.NoAPIVersion {
		v, err := checkAPIVersion(hr, rt.APIVersions)
		if err != nil {
			WriteError(w, err)
			return
		}
		r.APIVersion = v
		r.Request = hr.WithContext(context.WithValue(hr.Context(), apiVersionKey{}, r.APIVersion))
	}
	if err := rt.Handler(w, r); err != nil {
		ae := AsError(err)
		if ae.Status >= 500 {
			s.log.Error("request failed", "method", hr.Method, "path", hr.URL.Path, "err", err)
		}
		WriteError(w, ae)
	}
}

// checkAPIVersion returns the request's api-version, or the error ARM
// answers when it is missing or not one of versions (nil: any).
func checkAPIVersion(hr *http.Request, versions []string) (string, error) {
	v := hr.URL.Query().Get("api-version")
	if v == "" {
		return "", BadRequest("MissingApiVersionParameter",
			"The api-version query parameter (?api-version=) is required for all requests.")
	}
	if versions != nil && !slices.Contains(versions, v) {
		return "", BadRequest("InvalidApiVersionParameter",
			"The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(versions, ","))
	}
	return v, nil
}

func baseURL(hr *http.Request) string {
	scheme := "https"
	if hr.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + hr.Host
}
