package identity

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/aksbox/aksbox/internal/pki"
)

// tlsEnv is an issuer served over real TLS on 127.0.0.1 with a certificate
// from the pki package, plus a minimal ARM "list subscriptions" endpoint
// guarded by Authenticate.
type tlsEnv struct {
	*fixture
	base   string
	caFile string
	client *http.Client
}

func startTLS(t *testing.T) *tlsEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + ln.Addr().String()
	pkiDir := t.TempDir()
	ca, err := pki.LoadOrCreateCA(pkiDir, "ca")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.LoadOrIssue(pkiDir, "server", ca, pki.LeafSpec{CommonName: "aksbox",
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	env := &tlsEnv{fixture: newFixture(t, base), base: base, caFile: pki.CertPath(pkiDir, "ca")}
	mux := http.NewServeMux()
	env.is.Register(mux)
	mux.HandleFunc("GET /subscriptions", env.listSubscriptions)
	srv := httptest.NewUnstartedServer(mux)
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	env.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: ca.Pool()},
	}}
	return env
}

// listSubscriptions is what ARM does for GET /subscriptions.
func (env *tlsEnv) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	claims, err := env.is.Authenticate(r)
	if err != nil {
		var ae *AuthError
		errors.As(err, &ae)
		w.Header().Set("WWW-Authenticate", env.is.Challenge(err))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(ae.Status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": ae.Code, "message": ae.Message}})
		return
	}
	var value []map[string]any
	for _, s := range env.dir.Subscriptions() {
		if env.dir.HasAccess(claims.ObjectID, s.SubscriptionID) {
			value = append(value, map[string]any{"id": "/subscriptions/" + s.SubscriptionID, "subscriptionId": s.SubscriptionID,
				"displayName": s.DisplayName, "state": s.State, "tenantId": env.dir.TenantID()})
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"value": value})
}

func (env *tlsEnv) cloud() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: env.base + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: env.base, Audience: env.base + "/"},
		},
	}
}

func (env *tlsEnv) credential(t *testing.T, tenant, clientID, secret string) *azidentity.ClientSecretCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(tenant, clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: env.cloud(), Transport: env.client},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// TestAzidentityClientSecretCredential drives the real Azure SDK for Go
// (azidentity over MSAL Go, then an arm client) against the issuer over TLS.
func TestAzidentityClientSecretCredential(t *testing.T) {
	env := startTLS(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tid := env.dir.TenantID()

	for _, tc := range []struct{ name, tenant, scope, wantAud string }{
		{"arm scope of the aksbox cloud", tid, env.base + "//.default", env.base + "/"},
		{"public arm scope", tid, "https://management.azure.com/.default", "https://management.azure.com"},
		{"az cli style scope via organizations", "organizations", "https://management.core.windows.net//.default", "https://management.core.windows.net/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cred := env.credential(t, tc.tenant, env.sp.ClientID, env.sp.Secret)
			tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{tc.scope}})
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			claims, err := env.is.Authenticate(bearer(tok.Token))
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if claims.Audience != tc.wantAud || claims.ObjectID != env.sp.ObjectID {
				t.Errorf("claims = %+v", claims)
			}
			if d := time.Until(tok.ExpiresOn); d < 50*time.Minute || d > 61*time.Minute {
				t.Errorf("ExpiresOn in %v, want about 1h", d)
			}
		})
	}

	cred := env.credential(t, tid, env.sp.ClientID, env.sp.Secret)
	subs, err := armsubscriptions.NewClient(cred, &arm.ClientOptions{ClientOptions: azcore.ClientOptions{Cloud: env.cloud(), Transport: env.client}})
	if err != nil {
		t.Fatal(err)
	}
	page, err := subs.NewListPager(nil).NextPage(ctx)
	if err != nil {
		t.Fatalf("listing subscriptions with the arm client: %v", err)
	}
	if len(page.Value) != 1 || *page.Value[0].SubscriptionID != env.dir.Subscriptions()[0].SubscriptionID {
		t.Errorf("subscriptions = %+v", page.Value)
	}

	t.Run("wrong secret", func(t *testing.T) {
		bad := env.credential(t, tid, env.sp.ClientID, "not-the-secret")
		_, err := bad.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{env.base + "//.default"}})
		var afe *azidentity.AuthenticationFailedError
		if !errors.As(err, &afe) || !strings.Contains(err.Error(), "AADSTS7000215") || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("err = %v, want AuthenticationFailedError with AADSTS7000215 invalid_client", err)
		}
	})

	t.Run("token of another aksbox", func(t *testing.T) {
		other := startTLS(t)
		tok, err := other.credential(t, other.dir.TenantID(), other.sp.ClientID, other.sp.Secret).
			GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{env.base + "//.default"}})
		if err != nil {
			t.Fatal(err)
		}
		var ae *AuthError
		if _, err := env.is.Authenticate(bearer(tok.Token)); !errors.As(err, &ae) || ae.Code != CodeInvalidAuthenticationToken {
			t.Fatalf("err = %v, want InvalidAuthenticationToken", err)
		}
	})

	t.Run("expired", func(t *testing.T) {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{env.base + "//.default"}})
		if err != nil {
			t.Fatal(err)
		}
		env.clock.Advance(2 * time.Hour)
		defer env.clock.Advance(-2 * time.Hour)
		var ae *AuthError
		if _, err := env.is.Authenticate(bearer(tok.Token)); !errors.As(err, &ae) || ae.Code != CodeExpiredAuthenticationToken {
			t.Fatalf("err = %v, want ExpiredAuthenticationToken", err)
		}
		// The SDK still holds the token (its clock is real) and sees ARM's error.
		_, err = subs.NewListPager(nil).NextPage(ctx)
		var re *azcore.ResponseError
		if !errors.As(err, &re) || re.StatusCode != http.StatusUnauthorized || re.ErrorCode != CodeExpiredAuthenticationToken {
			t.Fatalf("arm client err = %v, want 401 ExpiredAuthenticationToken", err)
		}
	})
}
