package identity

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for Config.
const (
	DefaultTokenTTL = time.Hour
	// DefaultCloudName is deliberately not "AzureCloud": Azure CLI replaces
	// the login endpoint of a cloud named AzureCloud with
	// https://login.microsoftonline.com when it loads ARM_CLOUD_METADATA_URL,
	// which would send every sign-in to the real Entra ID.
	DefaultCloudName = "AksBox"
)

// Well-known audiences of Azure Resource Manager, also accepted by aksbox so
// that clients configured with the public cloud's ARM audience work.
var publicARMAudiences = []string{"https://management.core.windows.net/", "https://management.azure.com/"}

// Config configures an Issuer.
type Config struct {
	// Dir holds the token signing key (created on first start).
	Dir string
	// BaseURL is the scheme, host and port of aksbox, e.g.
	// https://127.0.0.1:8443: both the ARM endpoint and the authority host.
	BaseURL string
	// Directory is the tenant whose principals may sign in.
	Directory *Directory
	// TokenTTL is the lifetime of access tokens; default DefaultTokenTTL.
	TokenTTL time.Duration
	// CloudName is the "name" of the cloud in /metadata/endpoints; default
	// DefaultCloudName.
	CloudName string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives one line per token issued or refused; default discards.
	Logger *slog.Logger
}

// Issuer issues and validates aksbox access tokens and serves the identity
// endpoints.
type Issuer struct {
	base      string // BaseURL without trailing slash
	dir       *Directory
	key       *signingKey
	ttl       time.Duration
	cloudName string
	now       func() time.Time
	log       *slog.Logger
	audiences []string
	verified  verifiedTokens
}

// NewIssuer loads or creates the signing key in cfg.Dir and returns an Issuer.
func NewIssuer(cfg Config) (*Issuer, error) {
	if cfg.Directory == nil {
		return nil, errors.New("creating issuer: config has no directory")
	}
	if cfg.Dir == "" {
		return nil, errors.New("creating issuer: config has no key dir")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("creating issuer: parsing base url: %w", err)
	}
	if u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("creating issuer: base url %q must be https://host[:port] without a path", cfg.BaseURL)
	}
	key, err := loadOrCreateSigningKey(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("creating issuer: %w", err)
	}
	is := &Issuer{
		base:      strings.TrimSuffix(cfg.BaseURL, "/"),
		dir:       cfg.Directory,
		key:       key,
		ttl:       cfg.TokenTTL,
		cloudName: cfg.CloudName,
		now:       cfg.Now,
		log:       cfg.Logger,
	}
	if is.ttl <= 0 {
		is.ttl = DefaultTokenTTL
	}
	if is.cloudName == "" {
		is.cloudName = DefaultCloudName
	}
	if is.now == nil {
		is.now = time.Now
	}
	if is.log == nil {
		is.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	is.audiences = append([]string{is.base + "/"}, publicARMAudiences...)
	return is, nil
}

// Audiences returns the ARM audiences advertised in the cloud metadata and
// accepted by Authenticate (each also without its trailing slash). The first
// is BaseURL + "/".
func (is *Issuer) Audiences() []string { return append([]string(nil), is.audiences...) }

// Directory returns the directory the issuer signs in against.
func (is *Issuer) Directory() *Directory { return is.dir }

// BaseURL returns the configured base URL without trailing slash.
func (is *Issuer) BaseURL() string { return is.base }

// LoginEndpoint is the authority advertised in the cloud metadata: the ADFS
// authority BaseURL + "/adfs", which Azure CLI and MSAL use without instance
// discovery.
func (is *Issuer) LoginEndpoint() string { return is.base + "/adfs" }

// TokenIssuer is the "iss" of every access token: BaseURL/<tenant id>/.
func (is *Issuer) TokenIssuer() string { return is.base + "/" + is.dir.TenantID() + "/" }

// Register adds the identity endpoints to mux. None requires authentication.
// Patterns carry methods so they do not collide with ARM's routes:
//
//	GET  /metadata/endpoints
//	GET  /adfs/.well-known/openid-configuration   POST /adfs/oauth2/token
//	GET  /adfs/discovery/keys
//	GET  /{tenant}/v2.0/.well-known/openid-configuration
//	POST /{tenant}/oauth2/v2.0/token              GET /{tenant}/discovery/v2.0/keys
//	GET  /{tenant}/.well-known/openid-configuration
//	POST /{tenant}/oauth2/token                   GET /{tenant}/discovery/keys
//
// plus authorize and devicecode endpoints that explain that only the
// client-credentials grant is supported.
func (is *Issuer) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /metadata/endpoints", is.handleMetadata)

	mux.HandleFunc("GET /adfs/.well-known/openid-configuration", is.handleDiscovery(flavorADFS))
	mux.HandleFunc("POST /adfs/oauth2/token", is.handleToken(flavorADFS))
	mux.HandleFunc("GET /adfs/discovery/keys", is.handleKeys)
	mux.HandleFunc("GET /adfs/oauth2/authorize", is.handleInteractive)

	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", is.handleDiscovery(flavorV2))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", is.handleToken(flavorV2))
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", is.handleTenantKeys)
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", is.handleInteractive)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", is.handleInteractive)

	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", is.handleDiscovery(flavorV1))
	mux.HandleFunc("POST /{tenant}/oauth2/token", is.handleToken(flavorV1))
	mux.HandleFunc("GET /{tenant}/discovery/keys", is.handleTenantKeys)
	mux.HandleFunc("GET /{tenant}/oauth2/authorize", is.handleInteractive)
	mux.HandleFunc("POST /{tenant}/oauth2/devicecode", is.handleInteractive)
}

// Handler returns a handler serving only the identity endpoints.
func (is *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	is.Register(mux)
	return mux
}

// knownTenant reports whether a {tenant} path segment names this directory:
// its tenant ID, or the multi-tenant aliases "organizations" and "common".
func (is *Issuer) knownTenant(segment string) bool {
	return strings.EqualFold(segment, is.dir.TenantID()) ||
		strings.EqualFold(segment, "organizations") || strings.EqualFold(segment, "common")
}

func (is *Issuer) handleTenantKeys(w http.ResponseWriter, r *http.Request) {
	if t := r.PathValue("tenant"); !is.knownTenant(t) {
		is.writeOAuthError(w, r, unknownTenantError(t, "invalid_tenant"))
		return
	}
	is.handleKeys(w, r)
}

func (is *Issuer) handleInteractive(w http.ResponseWriter, r *http.Request) {
	is.writeOAuthError(w, r, &oauthError{
		status: http.StatusBadRequest, code: "invalid_request", aadsts: 9002313,
		desc: "Invalid request. aksbox supports only service principal sign-in with grant_type=client_credentials " +
			"and a client secret; interactive, device-code and user sign-in are not available.",
	})
}
