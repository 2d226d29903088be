package identity

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ClockSkew is how far token times may be off, as ARM (.NET) allows.
const ClockSkew = 5 * time.Minute

// ARM error codes returned in AuthError.Code.
const (
	CodeAuthenticationFailed        = "AuthenticationFailed"
	CodeAuthenticationInvalidHeader = "AuthenticationFailedInvalidHeader"
	CodeInvalidAuthenticationToken  = "InvalidAuthenticationToken"
	CodeExpiredAuthenticationToken  = "ExpiredAuthenticationToken"
	CodeInvalidTokenTenant          = "InvalidAuthenticationTokenTenant"
)

// armTime is how ARM (.NET, invariant culture) prints UTC times in messages.
const armTime = "1/2/2006 3:04:05 PM"

// AuthError is why a request was not authenticated, as ARM reports it: the
// HTTP status, the ARM error code and message.
type AuthError struct {
	Status  int
	Code    string
	Message string
}

func (e *AuthError) Error() string { return e.Code + ": " + e.Message }

func invalidToken(format string, args ...any) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Code: CodeInvalidAuthenticationToken, Message: fmt.Sprintf(format, args...)}
}

// Claims are the facts Authenticate established about the caller.
type Claims struct {
	TenantID    string
	ObjectID    string // the service principal's object ID (also "sub")
	ClientID    string // the application (client) ID, "appid"
	DisplayName string // of the service principal
	Audience    string
	Issuer      string
	IssuedAt    time.Time
	NotBefore   time.Time
	ExpiresAt   time.Time
}

// accessClaims is the JSON payload of an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	AppID string `json:"appid"`
	AzP   string `json:"azp"`
	OID   string `json:"oid"`
	TID   string `json:"tid"`
	IDTyp string `json:"idtyp"`
	Ver   string `json:"ver"`
}

// Authenticate validates the request's "Authorization: Bearer" token: RS256
// signature by this issuer's key (checked once per token: see
// verifiedTokens), exp/nbf within ClockSkew, issuer, one of Audiences (with
// or without trailing slash), and that the service principal still exists. Failures are *AuthError with ARM's codes and messages.
func (is *Issuer) Authenticate(r *http.Request) (*Claims, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return nil, &AuthError{Status: http.StatusUnauthorized, Code: CodeAuthenticationFailed,
			Message: "Authentication failed. The 'Authorization' header is missing."}
	}
	scheme, raw, ok := strings.Cut(header, " ")
	raw = strings.TrimSpace(raw)
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return nil, &AuthError{Status: http.StatusUnauthorized, Code: CodeAuthenticationInvalidHeader,
			Message: "Authentication failed. The 'Authorization' header is provided in an invalid format."}
	}
	c, ok := is.verified.get(raw)
	if !ok {
		parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithoutClaimsValidation())
		_, err := parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
			if kid, _ := t.Header["kid"].(string); kid != is.key.kid {
				return nil, fmt.Errorf("unknown signing key id %q", kid)
			}
			return &is.key.priv.PublicKey, nil
		})
		switch {
		case errors.Is(err, jwt.ErrTokenMalformed):
			return nil, invalidToken("The access token is invalid.")
		case err != nil:
			return nil, invalidToken("The access token has an invalid signature; it was not issued by this aksbox.")
		}
		is.verified.put(raw, c)
	}
	if err := is.checkTimes(&c); err != nil {
		return nil, err
	}
	if !strings.EqualFold(c.Issuer, is.TokenIssuer()) {
		authority := is.base + "/" + is.dir.TenantID()
		return nil, &AuthError{Status: http.StatusUnauthorized, Code: CodeInvalidTokenTenant,
			Message: fmt.Sprintf("The access token is from the wrong issuer '%s'. It must match the tenant '%s' "+
				"associated with this subscription. Please use the authority (URL) '%s' to get the token.",
				c.Issuer, is.TokenIssuer(), authority)}
	}
	aud, ok := is.acceptedAudience(c.Audience)
	if !ok {
		return nil, invalidToken("The access token has been obtained for wrong audience or resource '%s'. "+
			"It should exactly match with one of the allowed audiences %s.",
			strings.Join(c.Audience, ","), quoteList(is.allowedAudiences()))
	}
	if c.OID == "" {
		return nil, invalidToken("The received access token is not valid: at least one of the claims 'puid' or " +
			"'altsecid' or 'oid' should be present. If you are accessing as application please make sure " +
			"service principal is properly created in the tenant.")
	}
	p, found := is.dir.PrincipalByObjectID(c.OID)
	if !found || !strings.EqualFold(p.ClientID, c.AppID) {
		return nil, invalidToken("The access token was issued to service principal '%s' (application '%s'), "+
			"which does not exist in tenant '%s'.", c.OID, c.AppID, is.dir.TenantID())
	}
	return &Claims{
		TenantID: c.TID, ObjectID: p.ObjectID, ClientID: p.ClientID, DisplayName: p.DisplayName,
		Audience: aud, Issuer: c.Issuer,
		IssuedAt: numericTime(c.IssuedAt), NotBefore: numericTime(c.NotBefore), ExpiresAt: numericTime(c.ExpiresAt),
	}, nil
}

func (is *Issuer) checkTimes(c *accessClaims) *AuthError {
	now := is.now().UTC()
	if c.ExpiresAt == nil {
		return invalidToken("The access token is invalid: it has no expiry ('exp') claim.")
	}
	if exp := c.ExpiresAt.UTC(); now.After(exp.Add(ClockSkew)) {
		return &AuthError{Status: http.StatusUnauthorized, Code: CodeExpiredAuthenticationToken,
			Message: fmt.Sprintf("The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
				exp.Format(armTime), now.Format(armTime))}
	}
	if c.NotBefore != nil {
		if nbf := c.NotBefore.UTC(); now.Add(ClockSkew).Before(nbf) {
			return invalidToken("The access token is not yet valid: its validity starts at UTC time '%s', "+
				"which is later than current UTC time '%s'.", nbf.Format(armTime), now.Format(armTime))
		}
	}
	return nil
}

// allowedAudiences lists each advertised audience with and without its
// trailing slash, as ARM's error message does.
func (is *Issuer) allowedAudiences() []string {
	var out []string
	for _, a := range is.audiences {
		out = append(out, a, strings.TrimSuffix(a, "/"))
	}
	return out
}

// acceptedAudience is the first of auds that is one of allowedAudiences,
// checked without building that list: it runs for every request.
func (is *Issuer) acceptedAudience(auds jwt.ClaimStrings) (string, bool) {
	for _, a := range auds {
		for _, s := range is.audiences {
			if strings.EqualFold(s, a) || strings.EqualFold(strings.TrimSuffix(s, "/"), a) {
				return a, true
			}
		}
	}
	return "", false
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ",")
}

func numericTime(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.UTC()
}

// Challenge returns the WWW-Authenticate value ARM sends with a 401 for err:
// Bearer authorization_uri="<BaseURL>/<tenant>", error="invalid_token",
// error_description="...". The authority lets clients discover the tenant.
func (is *Issuer) Challenge(err error) string {
	desc := "The access token is missing or invalid."
	var ae *AuthError
	if errors.As(err, &ae) {
		desc = ae.Message
		if ae.Code == CodeAuthenticationFailed {
			desc = "The authentication failed because of missing 'Authorization' header."
		}
	}
	desc = strings.NewReplacer(`"`, "'", `\`, "/", "\r", " ", "\n", " ").Replace(desc)
	return fmt.Sprintf(`Bearer authorization_uri="%s/%s", error="invalid_token", error_description="%s"`,
		is.base, is.dir.TenantID(), desc)
}
