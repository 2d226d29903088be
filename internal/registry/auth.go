package registry

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenUser is the user name under which a refresh token is sent as a
// password (docker login after az acr login).
const TokenUser = "00000000-0000-0000-0000-000000000000"

// Lifetimes of ACR's tokens.
const (
	refreshLifetime = 3 * time.Hour
	accessLifetime  = 75 * time.Minute
)

// access is one entry of an access token's grant.
type access struct {
	Type    string   `json:"type"` // repository or registry
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// claims are those of ACR's refresh and access tokens.
type claims struct {
	jwt.RegisteredClaims
	GrantType string   `json:"grant_type,omitempty"` // refresh_token for refresh tokens
	Access    []access `json:"access,omitempty"`
	Admin     bool     `json:"admin,omitempty"`
}

func loadOrCreateKey(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil && len(b) == 32 {
		return b, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("writing the registry token key: %w", err)
	}
	return b, nil
}

func (s *Server) sign(c claims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.key)
}

// parse checks a token of this data plane for a registry's login server.
func (s *Server) parse(raw string, info Info) (*claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(info.LoginServer), jwt.WithExpirationRequired())
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// exchange trades a Microsoft Entra access token for a refresh token of
// the registry (az acr login).
func (s *Server) exchange(w http.ResponseWriter, r *http.Request, info Info) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		writeErrors(w, http.StatusBadRequest, "UNSUPPORTED", "POST a form with grant_type=access_token, service and access_token to /oauth2/exchange", nil)
		return
	}
	f := r.PostForm
	if gt := f.Get("grant_type"); gt != "access_token" && gt != "access_token_refresh_token" {
		writeErrors(w, http.StatusBadRequest, "UNSUPPORTED", fmt.Sprintf("grant_type %q is not supported; use access_token", gt), nil)
		return
	}
	if !strings.EqualFold(f.Get("service"), info.LoginServer) {
		writeErrors(w, http.StatusBadRequest, "UNSUPPORTED", fmt.Sprintf("service %q is not this registry; use %s", f.Get("service"), info.LoginServer), nil)
		return
	}
	principal, err := s.verify(r.Context(), f.Get("access_token"))
	if err != nil {
		writeErrors(w, http.StatusUnauthorized, "UNAUTHORIZED", "the access token is not valid: "+err.Error(), nil)
		return
	}
	tok, err := s.RefreshTokenFor(principal, info.LoginServer)
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "signing the refresh token failed", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"refresh_token": tok})
}

// RefreshTokenFor is a refresh token of a registry (by login server) for
// principal, as /oauth2/exchange gives one: what a node's credential
// provider holds for its kubelet identity.
func (s *Server) RefreshTokenFor(principal, loginServer string) (string, error) {
	now := time.Now()
	return s.sign(claims{GrantType: "refresh_token", RegisteredClaims: jwt.RegisteredClaims{
		Subject: principal, Audience: jwt.ClaimStrings{strings.ToLower(loginServer)}, Issuer: "Azure Container Registry",
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)), ExpiresAt: jwt.NewNumericDate(now.Add(refreshLifetime))}})
}

// who is whoever a token request authenticates as: a principal (through
// a refresh token), the admin user, or nobody.
type who struct {
	principal string
	admin     bool
}

// token issues an access token for the scopes asked, cut down to what the
// caller may do: GET with basic authentication (admin user, or a refresh
// token as password), or POST with grant_type refresh_token or password.
func (s *Server) token(w http.ResponseWriter, r *http.Request, info Info) {
	if err := r.ParseForm(); err != nil {
		writeErrors(w, http.StatusBadRequest, "UNSUPPORTED", "the token request's form cannot be read", nil)
		return
	}
	var caller who
	var err error
	switch {
	case r.Method == http.MethodPost && r.PostForm.Get("grant_type") == "refresh_token":
		caller, err = s.fromRefresh(r.PostForm.Get("refresh_token"), info)
	case r.Method == http.MethodPost && r.PostForm.Get("grant_type") == "password":
		caller, err = s.fromPassword(r.PostForm.Get("username"), r.PostForm.Get("password"), info)
	case r.Method == http.MethodGet:
		user, pass, ok := r.BasicAuth()
		if !ok {
			if !info.AnonymousPull {
				writeUnauthorized(w, r, info, "")
				return
			}
			break
		}
		caller, err = s.fromPassword(user, pass, info)
	default:
		writeErrors(w, http.StatusBadRequest, "UNSUPPORTED", "ask /oauth2/token with GET and basic authentication, or POST grant_type refresh_token or password", nil)
		return
	}
	if err != nil {
		writeUnauthorized(w, r, info, err.Error())
		return
	}
	grant, err := s.allowed(r, info, caller, r.Form["scope"])
	if err != nil {
		s.log.Error("checking registry access", "registry", info.Name, "err", err)
		writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "checking access failed", nil)
		return
	}
	now := time.Now()
	tok, err := s.sign(claims{Access: grant, Admin: caller.admin, RegisteredClaims: jwt.RegisteredClaims{
		Subject: caller.principal, Audience: jwt.ClaimStrings{info.LoginServer}, Issuer: "Azure Container Registry",
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)), ExpiresAt: jwt.NewNumericDate(now.Add(accessLifetime))}})
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "signing the access token failed", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"access_token": tok})
}

func (s *Server) fromRefresh(raw string, info Info) (who, error) {
	c, err := s.parse(raw, info)
	if err != nil || c.GrantType != "refresh_token" {
		return who{}, errors.New("the refresh token is not valid for " + info.LoginServer + "; run 'aksbox acr login' again")
	}
	return who{principal: c.Subject}, nil
}

func (s *Server) fromPassword(user, pass string, info Info) (who, error) {
	if user == TokenUser {
		return s.fromRefresh(pass, info)
	}
	if strings.EqualFold(user, info.Name) && info.AdminPasswords != nil {
		for _, p := range info.AdminPasswords {
			if subtle.ConstantTimeCompare([]byte(p), []byte(pass)) == 1 {
				return who{admin: true}, nil
			}
		}
	}
	return who{}, errors.New("the user name or password is wrong (the admin user may be disabled)")
}

// allowed is the part of the scopes asked that the caller may have.
func (s *Server) allowed(r *http.Request, info Info, caller who, scopes []string) ([]access, error) {
	pull, push := caller.admin, caller.admin
	if caller.principal != "" {
		var err error
		if pull, push, err = s.dir.Access(r.Context(), caller.principal, info); err != nil {
			return nil, err
		}
	}
	if caller.principal == "" && !caller.admin && info.AnonymousPull {
		pull = true
	}
	grant := []access{}
	for _, scope := range scopes {
		for _, one := range strings.Fields(scope) {
			parts := strings.Split(one, ":")
			if len(parts) < 3 {
				continue
			}
			typ, name, actions := parts[0], strings.Join(parts[1:len(parts)-1], ":"), strings.Split(parts[len(parts)-1], ",")
			var ok []string
			for _, a := range actions {
				switch {
				case typ == "repository" && a == "pull" && pull,
					typ == "repository" && (a == "push" || a == "delete") && push,
					typ == "registry" && name == "catalog" && a == "*" && pull && (caller.principal != "" || caller.admin):
					ok = append(ok, a)
				}
			}
			if len(ok) > 0 {
				grant = append(grant, access{Type: typ, Name: name, Actions: ok})
			}
		}
	}
	return grant, nil
}

// authorize checks a /v2 request's bearer token (or basic credentials)
// against what it asks; false when it has answered.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, info Info) ([]access, bool) {
	need := needed(r)
	h := r.Header.Get("Authorization")
	var grant []access
	switch {
	case strings.HasPrefix(h, "Bearer "):
		c, err := s.parse(strings.TrimPrefix(h, "Bearer "), info)
		if err != nil || c.GrantType != "" {
			writeUnauthorized(w, r, info, "the access token is not valid for "+info.LoginServer)
			return nil, false
		}
		grant = c.Access
	case strings.HasPrefix(h, "Basic "):
		user, pass, _ := r.BasicAuth()
		caller, err := s.fromPassword(user, pass, info)
		if err != nil {
			writeUnauthorized(w, r, info, err.Error())
			return nil, false
		}
		var aerr error
		if grant, aerr = s.allowed(r, info, caller, []string{need.scope()}); aerr != nil {
			writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "checking access failed", nil)
			return nil, false
		}
		if need.typ == "" {
			return grant, true // /v2/: any valid credential
		}
	case info.AnonymousPull && need.action == "pull" && need.typ == "repository":
		return []access{{Type: "repository", Name: need.name, Actions: []string{"pull"}}}, true
	default:
		writeUnauthorized(w, r, info, "")
		return nil, false
	}
	if need.typ == "" || covers(grant, need) {
		return grant, true
	}
	if strings.HasPrefix(h, "Bearer ") && len(grant) == 0 && need.typ == "repository" {
		writeUnauthorized(w, r, info, "")
		return nil, false
	}
	writeErrors(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required, visit https://aka.ms/acr/authorization for more information.",
		[]map[string]string{{"Type": need.typ, "Name": need.name, "Action": need.action}})
	return nil, false
}

// need is what a /v2 request asks: nothing (the version check), a
// repository's pull or push, or the catalog.
type need struct{ typ, name, action string }

func (n need) scope() string {
	if n.typ == "" {
		return ""
	}
	return n.typ + ":" + n.name + ":" + n.action
}

func needed(r *http.Request) need {
	p := strings.TrimPrefix(r.URL.Path, "/v2/")
	if p == "" || p == "/v2" {
		return need{}
	}
	if p == "_catalog" {
		return need{"registry", "catalog", "*"}
	}
	action := "push"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		action = "pull"
	}
	if r.Method == http.MethodDelete {
		action = "delete"
	}
	for _, sep := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.LastIndex(p, sep); i > 0 {
			return need{"repository", p[:i], action}
		}
	}
	return need{"repository", strings.TrimSuffix(p, "/"), action}
}

func covers(grant []access, n need) bool {
	for _, g := range grant {
		if g.Type != n.typ || g.Name != n.name {
			continue
		}
		for _, a := range g.Actions {
			if a == n.action || a == "*" {
				return true
			}
		}
	}
	return false
}

// writeUnauthorized is ACR's 401 with the challenge that leads a client
// to the token endpoint.
func writeUnauthorized(w http.ResponseWriter, r *http.Request, info Info, why string) {
	challenge := fmt.Sprintf(`Bearer realm="https://%s/oauth2/token",service="%s"`, r.Host, info.LoginServer)
	if n := needed(r); n.typ != "" && strings.HasPrefix(r.URL.Path, "/v2/") {
		challenge += fmt.Sprintf(`,scope="%s"`, n.scope())
	}
	w.Header().Set("WWW-Authenticate", challenge)
	msg := "authentication required, visit https://aka.ms/acr/authorization for more information."
	if why != "" {
		msg = why
	}
	writeErrors(w, http.StatusUnauthorized, "UNAUTHORIZED", msg, nil)
}

// writeErrors writes the Distribution specification's error envelope.
func writeErrors(w http.ResponseWriter, status int, code, message string, detail any) {
	e := map[string]any{"code": code, "message": message}
	if detail != nil {
		e["detail"] = detail
	}
	writeJSON(w, status, map[string]any{"errors": []any{e}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
