package identity

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testBase = "https://127.0.0.1:8443"

// clock is a settable time source for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	is    *Issuer
	dir   *Directory
	sp    Principal
	clock *clock
	h     http.Handler
}

// newFixture creates a directory and issuer in a fresh temporary folder.
func newFixture(t *testing.T, base string) *fixture {
	t.Helper()
	root := t.TempDir()
	d, err := LoadOrCreateDirectory(filepath.Join(root, "directory.json"))
	if err != nil {
		t.Fatalf("LoadOrCreateDirectory: %v", err)
	}
	return newFixtureWith(t, base, d, filepath.Join(root, "keys"))
}

func newFixtureWith(t *testing.T, base string, d *Directory, keyDir string) *fixture {
	t.Helper()
	c := newClock()
	is, err := NewIssuer(Config{Dir: keyDir, BaseURL: base, Directory: d, Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewIssuer: %v", err)
	}
	return &fixture{is: is, dir: d, sp: d.Principals()[0], clock: c, h: is.Handler()}
}

// post sends a form POST to the fixture's handler.
func (f *fixture) post(t *testing.T, path string, form url.Values, mod func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, testBase+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if mod != nil {
		mod(req)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	return newRecorderGet(f.h, path)
}

func newRecorderGet(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, testBase+path, nil))
	return rec
}

// token obtains an access token for scope through the v2.0 endpoint.
func (f *fixture) token(t *testing.T, scope string) string {
	t.Helper()
	rec := f.post(t, "/"+f.dir.TenantID()+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {f.sp.ClientID},
		"client_secret": {f.sp.Secret}, "scope": {scope},
	}, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	return decode(t, rec.Body.Bytes())["access_token"].(string)
}

func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return m
}

// unverifiedClaims returns the payload of a JWT without checking it.
func unverifiedClaims(t *testing.T, token string) (jwt.MapClaims, map[string]any) {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(token, claims)
	if err != nil {
		t.Fatalf("parsing token: %v", err)
	}
	return claims, tok.Header
}

func bearer(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, testBase+"/subscriptions?api-version=2022-12-01", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}
