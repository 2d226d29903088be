package identity

import (
	"net/http"
)

// openIDConfiguration is the subset of an OpenID Provider configuration
// document that MSAL (Go and Python) and Azure SDKs read.
type openIDConfiguration struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint,omitempty"`
	JWKSURI                           string   `json:"jwks_uri"`
	AccessTokenIssuer                 string   `json:"access_token_issuer,omitempty"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	TenantRegionScope                 *string  `json:"tenant_region_scope"`
	CloudInstanceName                 string   `json:"cloud_instance_name,omitempty"`
}

// discoveryDocument builds the openid-configuration of one authority. For
// the Entra shapes the endpoint URLs keep the {tenant} segment the client
// used (as Entra ID does), while the issuer always names the real tenant.
func (is *Issuer) discoveryDocument(f flavor, tenantSegment string) openIDConfiguration {
	tenant := is.dir.TenantID()
	doc := openIDConfiguration{
		TokenEndpointAuthMethodsSupported: []string{"client_secret_post", "client_secret_basic"},
		GrantTypesSupported:               []string{"client_credentials"},
		ResponseTypesSupported:            []string{"code", "id_token", "code id_token", "id_token token"},
		ResponseModesSupported:            []string{"query", "fragment", "form_post"},
		ScopesSupported:                   []string{"openid", "profile", "email", "offline_access"},
		SubjectTypesSupported:             []string{"pairwise"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		ClaimsSupported: []string{"sub", "iss", "aud", "exp", "iat", "nbf", "oid", "tid", "appid", "azp",
			"idtyp", "ver"},
		AccessTokenIssuer: is.TokenIssuer(),
	}
	switch f {
	case flavorADFS:
		auth := is.base + "/adfs"
		doc.Issuer = auth
		doc.AuthorizationEndpoint = auth + "/oauth2/authorize"
		doc.TokenEndpoint = auth + "/oauth2/token"
		doc.JWKSURI = auth + "/discovery/keys"
	case flavorV1:
		auth := is.base + "/" + tenantSegment
		doc.Issuer = is.base + "/" + tenant + "/"
		doc.AuthorizationEndpoint = auth + "/oauth2/authorize"
		doc.TokenEndpoint = auth + "/oauth2/token"
		doc.DeviceAuthorizationEndpoint = auth + "/oauth2/devicecode"
		doc.JWKSURI = auth + "/discovery/keys"
		doc.CloudInstanceName = "aksbox"
	default:
		auth := is.base + "/" + tenantSegment
		doc.Issuer = is.base + "/" + tenant + "/v2.0"
		doc.AuthorizationEndpoint = auth + "/oauth2/v2.0/authorize"
		doc.TokenEndpoint = auth + "/oauth2/v2.0/token"
		doc.DeviceAuthorizationEndpoint = auth + "/oauth2/v2.0/devicecode"
		doc.JWKSURI = auth + "/discovery/v2.0/keys"
		doc.CloudInstanceName = "aksbox"
	}
	return doc
}

func (is *Issuer) handleDiscovery(f flavor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		segment := "adfs"
		if f != flavorADFS {
			segment = r.PathValue("tenant")
			if !is.knownTenant(segment) {
				is.writeOAuthError(w, r, unknownTenantError(segment, "invalid_tenant"))
				return
			}
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		writeJSONCached(w, is.discoveryDocument(f, segment))
	}
}
