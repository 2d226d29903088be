package identity

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

func TestAuthenticate(t *testing.T) {
	root := t.TempDir()
	f := newFixtureWith(t, testBase, mustDirectory(t, filepath.Join(root, "d.json")), filepath.Join(root, "keys"))
	armToken := f.token(t, testBase+"//.default")

	// Same tenant, other key: a token this issuer never signed.
	foreign := newFixtureWith(t, testBase, mustDirectory(t, filepath.Join(root, "d.json")), filepath.Join(root, "other-keys"))
	// Same key, other tenant: a validly signed token from the wrong issuer.
	otherTenant := newFixtureWith(t, testBase, mustDirectory(t, filepath.Join(root, "d2.json")), filepath.Join(root, "keys"))
	// Same key and tenant, principal not in f's directory.
	gone := newFixtureWith(t, testBase, directoryWithNewPrincipal(t, f.dir, filepath.Join(root, "d3.json")), filepath.Join(root, "keys"))

	hs256, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": testBase + "/"}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	noOID := mintWith(t, f, func(c jwt.MapClaims) { delete(c, "oid") })

	tests := []struct {
		name     string
		header   string
		advance  time.Duration
		wantCode string
		wantMsg  string // regexp
	}{
		{"valid", "Bearer " + armToken, 0, "", ""},
		{"lower-case scheme", "bearer " + armToken, 0, "", ""},
		{"audience management.azure.com", "Bearer " + f.token(t, "https://management.azure.com/.default"), 0, "", ""},
		{"audience without slash", "Bearer " + f.token(t, testBase+"/.default"), 0, "", ""},
		{"within clock skew", "Bearer " + armToken, DefaultTokenTTL + 4*time.Minute, "", ""},
		{"missing header", "", 0, CodeAuthenticationFailed, `^Authentication failed\. The 'Authorization' header is missing\.$`},
		{"basic scheme", "Basic dXNlcjpwYXNz", 0, CodeAuthenticationInvalidHeader, `invalid format`},
		{"bearer without token", "Bearer ", 0, CodeAuthenticationInvalidHeader, `invalid format`},
		{"garbage", "Bearer not-a-jwt", 0, CodeInvalidAuthenticationToken, `^The access token is invalid\.$`},
		{"other signing key", "Bearer " + foreign.token(t, testBase+"//.default"), 0, CodeInvalidAuthenticationToken, `invalid signature`},
		{"hs256", "Bearer " + hs256, 0, CodeInvalidAuthenticationToken, `invalid signature`},
		{"tampered payload", "Bearer " + tamper(t, armToken), 0, CodeInvalidAuthenticationToken, `invalid signature`},
		{"expired", "Bearer " + armToken, 2 * time.Hour, CodeExpiredAuthenticationToken,
			`^The access token expiry UTC time '\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M' is earlier than current UTC time '\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M'\.$`},
		{"not yet valid", "Bearer " + armToken, -time.Hour, CodeInvalidAuthenticationToken, `not yet valid`},
		{"wrong issuer", "Bearer " + otherTenant.token(t, testBase+"//.default"), 0, CodeInvalidTokenTenant, `wrong issuer`},
		{"wrong audience", "Bearer " + f.token(t, "https://vault.azure.net/.default"), 0, CodeInvalidAuthenticationToken,
			`wrong audience or resource 'https://vault.azure.net'\. It should exactly match with one of the allowed audiences '` + regexp.QuoteMeta(testBase) + `/','` + regexp.QuoteMeta(testBase) + `',`},
		{"no oid", "Bearer " + noOID, 0, CodeInvalidAuthenticationToken, `'oid' should be present`},
		{"principal gone", "Bearer " + gone.token(t, testBase+"//.default"), 0, CodeInvalidAuthenticationToken, `does not exist`},
	}
	start := f.clock.Now()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.clock.Advance(start.Add(tc.advance).Sub(f.clock.Now()))
			r := bearer("")
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			claims, err := f.is.Authenticate(r)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if claims.ObjectID != f.sp.ObjectID || claims.ClientID != f.sp.ClientID || claims.TenantID != f.dir.TenantID() ||
					claims.DisplayName != "aksbox" || claims.ExpiresAt.IsZero() {
					t.Errorf("claims = %+v", claims)
				}
				return
			}
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *AuthError", err)
			}
			if ae.Status != http.StatusUnauthorized || ae.Code != tc.wantCode || !regexp.MustCompile(tc.wantMsg).MatchString(ae.Message) {
				t.Errorf("got %d %s %q, want 401 %s /%s/", ae.Status, ae.Code, ae.Message, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	f := newFixture(t, testBase)
	authority := `Bearer authorization_uri="` + testBase + "/" + f.dir.TenantID() + `", error="invalid_token", `
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"missing header", &AuthError{Code: CodeAuthenticationFailed, Message: "x"},
			`error_description="The authentication failed because of missing 'Authorization' header."`},
		{"expired", &AuthError{Code: CodeExpiredAuthenticationToken, Message: `The access token expiry UTC time '1/2/2030 3:04:05 PM' is "late"`},
			`error_description="The access token expiry UTC time '1/2/2030 3:04:05 PM' is 'late'"`},
		{"other error", errors.New("boom"), `error_description="The access token is missing or invalid."`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.is.Challenge(tc.err); got != authority+tc.want {
				t.Errorf("Challenge = %s\nwant        %s", got, authority+tc.want)
			}
		})
	}
}

func mustDirectory(t *testing.T, path string) *Directory {
	t.Helper()
	d, err := LoadOrCreateDirectory(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// directoryWithNewPrincipal writes a directory with d's tenant but another
// principal, as if the original principal had been deleted.
func directoryWithNewPrincipal(t *testing.T, d *Directory, path string) *Directory {
	t.Helper()
	data := directoryFile{TenantID: d.TenantID(), Subscriptions: d.Subscriptions(),
		ServicePrincipals: []Principal{{ClientID: uuid.NewString(), ObjectID: uuid.NewString(), Secret: "s3cret", DisplayName: "x"}}}
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return mustDirectory(t, path)
}

// mintWith signs a token for f's principal after edit changed its claims.
func mintWith(t *testing.T, f *fixture, edit func(jwt.MapClaims)) string {
	t.Helper()
	claims, _ := unverifiedClaims(t, f.token(t, testBase+"//.default"))
	edit(claims)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = f.is.KeyID()
	s, err := tok.SignedString(f.is.key.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tamper swaps the token's payload for one with another oid, keeping the
// original signature.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	claims, _ := unverifiedClaims(t, token)
	claims["oid"] = uuid.NewString()
	raw, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}
