package identity

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestTokenEndpointSuccess(t *testing.T) {
	f := newFixture(t, testBase)
	tid := f.dir.TenantID()
	creds := url.Values{"grant_type": {"client_credentials"}, "client_id": {f.sp.ClientID}, "client_secret": {f.sp.Secret}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range creds {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	basic := func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(f.sp.ClientID), url.QueryEscape(f.sp.Secret)) }
	tests := []struct {
		name       string
		path       string
		form       url.Values
		mod        func(*http.Request)
		wantAud    string
		wantFields []string // present in the answer besides access_token
		stringExp  bool     // v1 answers numbers as strings
	}{
		{"v2 arm scope with double slash", "/" + tid + "/oauth2/v2.0/token", with("scope", "https://management.core.windows.net//.default"), nil,
			"https://management.core.windows.net/", []string{"ext_expires_in"}, false},
		{"v2 scope without slash", "/organizations/oauth2/v2.0/token", with("scope", "https://management.azure.com/.default"), nil,
			"https://management.azure.com", nil, false},
		{"v2 base url scope plus openid scopes", "/common/oauth2/v2.0/token", with("scope", testBase+"//.default offline_access openid profile"), nil,
			testBase + "/", nil, false},
		{"v2 http basic credentials", "/" + strings.ToUpper(tid) + "/oauth2/v2.0/token",
			url.Values{"grant_type": {"client_credentials"}, "scope": {testBase + "/.default"}}, basic, testBase, nil, false},
		{"v1 resource", "/" + tid + "/oauth2/token", with("resource", "https://management.core.windows.net/"), nil,
			"https://management.core.windows.net/", []string{"resource", "expires_on", "not_before"}, true},
		{"adfs scope", "/adfs/oauth2/token", with("scope", testBase+"//.default"), nil, testBase + "/", []string{"resource"}, false},
		{"adfs resource", "/adfs/oauth2/token", with("resource", testBase+"/"), nil, testBase + "/", []string{"resource"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.post(t, tc.path, tc.form, tc.mod)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control = %q", cc)
			}
			body := decode(t, rec.Body.Bytes())
			if body["token_type"] != "Bearer" {
				t.Errorf("token_type = %v", body["token_type"])
			}
			for _, k := range append(tc.wantFields, "expires_in", "access_token") {
				if _, ok := body[k]; !ok {
					t.Errorf("answer lacks %q: %v", k, body)
				}
			}
			if _, isString := body["expires_in"].(string); isString != tc.stringExp {
				t.Errorf("expires_in = %#v", body["expires_in"])
			}
			claims, header := unverifiedClaims(t, body["access_token"].(string))
			if header["alg"] != "RS256" || header["kid"] != f.is.KeyID() {
				t.Errorf("header = %v", header)
			}
			want := map[string]any{"aud": tc.wantAud, "iss": testBase + "/" + tid + "/", "appid": f.sp.ClientID,
				"azp": f.sp.ClientID, "oid": f.sp.ObjectID, "sub": f.sp.ObjectID, "tid": tid, "idtyp": "app", "ver": "1.0"}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			exp, _ := claims.GetExpirationTime()
			iat, _ := claims.GetIssuedAt()
			if exp == nil || iat == nil || exp.Sub(iat.Time) != DefaultTokenTTL {
				t.Errorf("lifetime: iat %v exp %v", iat, exp)
			}
			if _, err := f.is.Authenticate(bearer(body["access_token"].(string))); err != nil {
				t.Errorf("Authenticate refused the issued token: %v", err)
			}
		})
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	f := newFixture(t, testBase)
	tid := f.dir.TenantID()
	v2 := "/" + tid + "/oauth2/v2.0/token"
	good := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {f.sp.ClientID},
			"client_secret": {f.sp.Secret}, "scope": {testBase + "//.default"}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	tests := []struct {
		name     string
		path     string
		form     url.Values
		mod      func(*http.Request)
		status   int
		errCode  string
		aadsts   float64
		descPart string
	}{
		{"no grant type", v2, good("grant_type", ""), nil, 400, "invalid_request", 900144, "'grant_type'"},
		{"password grant", v2, good("grant_type", "password"), nil, 400, "unsupported_grant_type", 70003, "'client_credentials'"},
		{"no client id", v2, good("client_id", ""), nil, 400, "invalid_request", 900144, "'client_id'"},
		{"unknown client", v2, good("client_id", uuid.NewString()), nil, 400, "unauthorized_client", 700016, "was not found in the directory"},
		{"no secret", v2, good("client_secret", ""), nil, 401, "invalid_client", 7000216, "'client_secret'"},
		{"wrong secret", v2, good("client_secret", "nope"), nil, 401, "invalid_client", 7000215, "Invalid client secret"},
		{"basic and body disagree", v2, good("client_secret", ""), func(r *http.Request) { r.SetBasicAuth(uuid.NewString(), f.sp.Secret) },
			400, "invalid_request", 9002313, "differs"},
		{"no scope", v2, good("scope", ""), nil, 400, "invalid_request", 900144, "'scope'"},
		{"resource on v2", v2, good("scope", "", "resource", testBase), nil, 400, "invalid_request", 901002, "'resource'"},
		{"scope without .default", v2, good("scope", testBase+"/user_impersonation"), nil, 400, "invalid_scope", 1002012, "/.default"},
		{"only openid scopes", v2, good("scope", "openid profile"), nil, 400, "invalid_scope", 70011, "does not name a resource"},
		{"two resources", v2, good("scope", "https://a/.default https://b/.default"), nil, 400, "invalid_scope", 28000, "more than one resource"},
		{"unknown tenant", "/" + uuid.NewString() + "/oauth2/v2.0/token", good(), nil, 400, "invalid_request", 90002, "not found"},
		{"v1 without resource", "/" + tid + "/oauth2/token", good("scope", ""), nil, 400, "invalid_request", 900144, "'resource'"},
		{"json body", v2, good(), func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, 400, "invalid_request", 900144, "'grant_type'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			correlation := uuid.NewString()
			rec := f.post(t, tc.path, tc.form, func(r *http.Request) {
				r.Header.Set("client-request-id", correlation)
				if tc.mod != nil {
					tc.mod(r)
				}
			})
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			body := decode(t, rec.Body.Bytes())
			desc, _ := body["error_description"].(string)
			codes, _ := body["error_codes"].([]any)
			if body["error"] != tc.errCode || len(codes) != 1 || codes[0] != tc.aadsts {
				t.Errorf("error = %v codes = %v, want %s [%v]", body["error"], codes, tc.errCode, tc.aadsts)
			}
			if !strings.HasPrefix(desc, "AADSTS") || !strings.Contains(desc, tc.descPart) {
				t.Errorf("description %q lacks %q", desc, tc.descPart)
			}
			if body["correlation_id"] != correlation || body["trace_id"] == "" || body["timestamp"] == "" {
				t.Errorf("ids: %v", body)
			}
		})
	}
}

func TestDiscoveryAndKeys(t *testing.T) {
	f := newFixture(t, testBase)
	tid := f.dir.TenantID()
	tests := []struct {
		path, wantToken, wantIssuer, wantJWKS string
	}{
		{"/adfs/.well-known/openid-configuration", testBase + "/adfs/oauth2/token", testBase + "/adfs", testBase + "/adfs/discovery/keys"},
		{"/" + tid + "/v2.0/.well-known/openid-configuration", testBase + "/" + tid + "/oauth2/v2.0/token", testBase + "/" + tid + "/v2.0",
			testBase + "/" + tid + "/discovery/v2.0/keys"},
		{"/organizations/v2.0/.well-known/openid-configuration", testBase + "/organizations/oauth2/v2.0/token", testBase + "/" + tid + "/v2.0",
			testBase + "/organizations/discovery/v2.0/keys"},
		{"/common/.well-known/openid-configuration", testBase + "/common/oauth2/token", testBase + "/" + tid + "/", testBase + "/common/discovery/keys"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			rec := f.get(t, tc.path)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			doc := decode(t, rec.Body.Bytes())
			if doc["token_endpoint"] != tc.wantToken || doc["issuer"] != tc.wantIssuer || doc["jwks_uri"] != tc.wantJWKS {
				t.Errorf("doc = %v", doc)
			}
			if doc["authorization_endpoint"] == "" {
				t.Errorf("no authorization_endpoint (MSAL requires one)")
			}
			keys := f.get(t, strings.TrimPrefix(tc.wantJWKS, testBase))
			if keys.Code != http.StatusOK || !strings.Contains(keys.Body.String(), `"kid":"`+f.is.KeyID()+`"`) {
				t.Errorf("jwks %d: %s", keys.Code, keys.Body)
			}
		})
	}
	if rec := f.get(t, "/"+uuid.NewString()+"/v2.0/.well-known/openid-configuration"); rec.Code != 400 ||
		decode(t, rec.Body.Bytes())["error"] != "invalid_tenant" {
		t.Errorf("unknown tenant discovery: %d %s", rec.Code, rec.Body)
	}
	if rec := f.get(t, "/"+tid+"/oauth2/v2.0/authorize?client_id=x"); rec.Code != 400 ||
		!strings.Contains(rec.Body.String(), "client_credentials") {
		t.Errorf("authorize: %d %s", rec.Code, rec.Body)
	}
}

func TestSigningKeyPersisted(t *testing.T) {
	root := t.TempDir()
	d, err := LoadOrCreateDirectory(filepath.Join(root, "d.json"))
	if err != nil {
		t.Fatal(err)
	}
	a := newFixtureWith(t, testBase, d, filepath.Join(root, "keys"))
	b := newFixtureWith(t, testBase+"/", d, filepath.Join(root, "keys"))
	if a.is.KeyID() != b.is.KeyID() {
		t.Errorf("kid changed across restarts: %s vs %s", a.is.KeyID(), b.is.KeyID())
	}
	if st, err := os.Stat(filepath.Join(root, "keys", SigningKeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", st, err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(a.is.KeyID())
	if err != nil || len(raw) != 32 {
		t.Errorf("kid %q is not a base64url sha-256 thumbprint", a.is.KeyID())
	}
	if _, err := b.is.Authenticate(bearer(a.token(t, testBase+"//.default"))); err != nil {
		t.Errorf("token from before the restart refused: %v", err)
	}
	c := newFixture(t, testBase)
	if c.is.KeyID() == a.is.KeyID() {
		t.Errorf("two keys share a kid")
	}
	for _, bad := range []string{"http://127.0.0.1:8443", "https://127.0.0.1:8443/arm", "127.0.0.1:8443"} {
		if _, err := NewIssuer(Config{Dir: root, BaseURL: bad, Directory: d}); err == nil {
			t.Errorf("base url %q accepted", bad)
		}
	}
}
