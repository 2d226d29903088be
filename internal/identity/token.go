package identity

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// flavor is the shape of an authority: Entra v2.0, Entra v1 or ADFS.
type flavor int

const (
	flavorV2 flavor = iota
	flavorV1
	flavorADFS
)

func (f flavor) String() string {
	return [...]string{"v2.0", "v1", "adfs"}[f]
}

// maxTokenRequest bounds the size of a token request body.
const maxTokenRequest = 64 << 10

// reservedScopes are OpenID scopes MSAL may add; they name no resource.
var reservedScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

func (is *Issuer) handleToken(f flavor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if f != flavorADFS {
			if t := r.PathValue("tenant"); !is.knownTenant(t) {
				is.writeOAuthError(w, r, unknownTenantError(t, "invalid_request"))
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequest)
		if err := r.ParseForm(); err != nil {
			is.writeOAuthError(w, r, malformed("The body must be application/x-www-form-urlencoded: "+err.Error()))
			return
		}
		p, aud, oerr := is.checkTokenRequest(f, r)
		if oerr != nil {
			is.writeOAuthError(w, r, oerr)
			return
		}
		token, exp, err := is.mint(p, aud)
		if err != nil {
			is.log.Error("signing access token failed", "client_id", p.ClientID, "error", err)
			is.writeOAuthError(w, r, &oauthError{status: http.StatusInternalServerError, code: "server_error",
				aadsts: 90100, desc: "An error occurred while signing the access token."})
			return
		}
		requestIDs(w, r)
		is.log.Info("issued access token", "client_id", p.ClientID, "object_id", p.ObjectID,
			"audience", aud, "endpoint", f.String(), "expires", exp.UTC().Format(time.RFC3339))
		writeJSON(w, http.StatusOK, is.tokenResponse(f, token, aud, exp))
	}
}

// checkTokenRequest validates a client-credentials request and returns the
// authenticated principal and the audience of the token to issue.
func (is *Issuer) checkTokenRequest(f flavor, r *http.Request) (Principal, string, *oauthError) {
	form := r.PostForm
	grant := form.Get("grant_type")
	if grant == "" {
		return Principal{}, "", missingParameter("grant_type")
	}
	if grant != "client_credentials" {
		return Principal{}, "", unsupportedGrant(grant)
	}
	clientID, secret, oerr := clientCredentials(r)
	if oerr != nil {
		return Principal{}, "", oerr
	}
	aud, oerr := requestedAudience(f, form)
	if oerr != nil {
		return Principal{}, "", oerr
	}
	if _, ok := is.dir.Principal(clientID); !ok {
		return Principal{}, "", unknownClient(clientID, is.dir.TenantID())
	}
	if secret == "" {
		return Principal{}, "", missingSecret()
	}
	p, err := is.dir.VerifySecret(clientID, secret)
	if err != nil {
		return Principal{}, "", invalidSecret(clientID)
	}
	return p, aud, nil
}

// clientCredentials takes client_id and client_secret from HTTP Basic
// authentication (form-encoded per RFC 6749 section 2.3.1) or the body.
func clientCredentials(r *http.Request) (clientID, secret string, _ *oauthError) {
	formID := r.PostForm.Get("client_id")
	if user, pass, ok := r.BasicAuth(); ok {
		if u, err := url.QueryUnescape(user); err == nil {
			user = u
		}
		if p, err := url.QueryUnescape(pass); err == nil {
			pass = p
		}
		if formID != "" && !strings.EqualFold(formID, user) {
			return "", "", malformed("The client_id in the body differs from the client identifier in the Authorization header.")
		}
		return user, pass, nil
	}
	if formID == "" {
		return "", "", missingParameter("client_id")
	}
	return formID, r.PostForm.Get("client_secret"), nil
}

// requestedAudience derives the token audience from scope (v2.0, ADFS) or
// resource (v1, ADFS). For a scope "<resource>/.default" the audience is
// <resource> verbatim, so "https://management.core.windows.net//.default"
// yields "https://management.core.windows.net/" and
// "https://management.azure.com/.default" yields "https://management.azure.com".
func requestedAudience(f flavor, form url.Values) (string, *oauthError) {
	scope, resource := strings.TrimSpace(form.Get("scope")), strings.TrimSpace(form.Get("resource"))
	switch {
	case f == flavorV2 && scope == "" && resource != "":
		return "", &oauthError{status: http.StatusBadRequest, code: "invalid_request", aadsts: 901002,
			desc: "The 'resource' request parameter is not supported by the v2.0 endpoint; send scope=<resource>/.default."}
	case f == flavorV2 && scope == "":
		return "", missingParameter("scope")
	case f != flavorV2 && resource != "":
		return resource, nil
	case f != flavorV2 && scope == "":
		return "", missingParameter("resource")
	}
	var resources []string
	for _, s := range strings.Fields(scope) {
		if !reservedScopes[strings.ToLower(s)] {
			resources = append(resources, s)
		}
	}
	switch {
	case len(resources) == 0:
		return "", invalidScope(70011, fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. "+
			"The scope '%s' does not name a resource; use '<resource>/.default', "+
			"e.g. 'https://management.core.windows.net//.default'.", scope))
	case len(resources) > 1:
		return "", invalidScope(28000, fmt.Sprintf("Provided value for the input parameter scope is not valid "+
			"because it contains more than one resource. Scope %s is not valid.", scope))
	}
	const suffix = "/.default"
	s := resources[0]
	if len(s) <= len(suffix) || !strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return "", invalidScope(1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential "+
			"flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", s))
	}
	return s[:len(s)-len(suffix)], nil
}

// mint signs an app-only access token for p with audience aud.
func (is *Issuer) mint(p Principal, aud string) (string, time.Time, error) {
	now := is.now().Truncate(time.Second)
	exp := now.Add(is.ttl)
	uti := make([]byte, 16)
	if _, err := rand.Read(uti); err != nil {
		return "", time.Time{}, fmt.Errorf("generating token id: %w", err)
	}
	tenant := is.dir.TenantID()
	claims := jwt.MapClaims{
		"aud":      aud,
		"iss":      is.TokenIssuer(),
		"iat":      now.Unix(),
		"nbf":      now.Unix(),
		"exp":      exp.Unix(),
		"appid":    p.ClientID,
		"appidacr": "1",
		"azp":      p.ClientID,
		"azpacr":   "1",
		"idp":      is.TokenIssuer(),
		"idtyp":    "app",
		"oid":      p.ObjectID,
		"sub":      p.ObjectID,
		"tid":      tenant,
		"uti":      base64.RawURLEncoding.EncodeToString(uti),
		"ver":      "1.0",
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = is.key.kid
	signed, err := tok.SignedString(is.key.priv)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("signing token: %w", err)
	}
	return signed, exp, nil
}

// tokenResponse shapes the answer as the endpoint flavor does: numbers for
// v2.0 and ADFS, strings (plus expires_on/not_before/resource) for v1.
func (is *Issuer) tokenResponse(f flavor, token, aud string, exp time.Time) map[string]any {
	secs := int(is.ttl / time.Second)
	switch f {
	case flavorV1:
		return map[string]any{
			"token_type": "Bearer", "expires_in": strconv.Itoa(secs), "ext_expires_in": strconv.Itoa(secs),
			"expires_on": strconv.FormatInt(exp.Unix(), 10), "not_before": strconv.FormatInt(exp.Add(-is.ttl).Unix(), 10),
			"resource": aud, "access_token": token,
		}
	case flavorADFS:
		return map[string]any{
			"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "resource": aud, "access_token": token,
		}
	default:
		return map[string]any{
			"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": token,
		}
	}
}

// TokenFor signs an ARM access token for the principal with clientID, as
// the token endpoint would give it: for clients of the ARM API that run
// inside the server and have already checked who they act for (the portal,
// after a sign-in). The principal must exist.
func (is *Issuer) TokenFor(clientID string) (string, time.Time, error) {
	p, ok := is.dir.Principal(clientID)
	if !ok {
		return "", time.Time{}, fmt.Errorf("no service principal with client id %q in tenant %s", clientID, is.dir.TenantID())
	}
	return is.mint(p, is.audiences[0])
}
