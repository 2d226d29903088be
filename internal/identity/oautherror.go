package identity

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// oauthError is a token-endpoint error in Microsoft Entra ID's shape.
type oauthError struct {
	status int    // HTTP status
	code   string // OAuth2 "error"
	aadsts int    // AADSTS number
	desc   string // description after "AADSTSnnnn: "
}

// oauthErrorBody is the JSON Entra ID answers errors with.
type oauthErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
}

// entraTimestamp is the timestamp layout Entra ID uses in error answers.
const entraTimestamp = "2006-01-02 15:04:05Z"

// requestIDs returns the trace ID (new) and correlation ID (the client's
// client-request-id when it sent a valid one) of a request, and sets the
// matching response headers.
func requestIDs(w http.ResponseWriter, r *http.Request) (trace, correlation string) {
	trace = uuid.NewString()
	correlation = uuid.NewString()
	if id, err := uuid.Parse(r.Header.Get("client-request-id")); err == nil {
		correlation = id.String()
		w.Header().Set("client-request-id", correlation)
	}
	w.Header().Set("x-ms-request-id", trace)
	return trace, correlation
}

func (is *Issuer) writeOAuthError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	trace, correlation := requestIDs(w, r)
	now := is.now().UTC()
	desc := fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
		e.aadsts, e.desc, trace, correlation, now.Format(entraTimestamp))
	body := oauthErrorBody{
		Error:            e.code,
		ErrorDescription: desc,
		ErrorCodes:       []int{e.aadsts},
		Timestamp:        now.Format(entraTimestamp),
		TraceID:          trace,
		CorrelationID:    correlation,
	}
	is.log.Info("identity request refused",
		"method", r.Method, "path", r.URL.Path, "status", e.status, "error", e.code,
		"aadsts", e.aadsts, "description", e.desc, "trace_id", trace)
	writeJSON(w, e.status, body)
}

// writeJSON writes v as JSON with headers suitable for token responses,
// which must not be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Pragma", "no-cache")
	writeJSONWith(w, status, v, "no-store, no-cache")
}

// writeJSONCached writes a public document (metadata, discovery) that
// clients may cache for a day.
func writeJSONCached(w http.ResponseWriter, v any) {
	writeJSONWith(w, http.StatusOK, v, "max-age=86400, private")
}

func writeJSONWith(w http.ResponseWriter, status int, v any, cacheControl string) {
	raw, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", cacheControl)
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

func missingParameter(name string) *oauthError {
	return &oauthError{
		status: http.StatusBadRequest, code: "invalid_request", aadsts: 900144,
		desc: fmt.Sprintf("The request body must contain the following parameter: '%s'.", name),
	}
}

func unknownTenantError(tenant, code string) *oauthError {
	return &oauthError{
		status: http.StatusBadRequest, code: code, aadsts: 90002,
		desc: fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are "+
			"signing into the correct cloud. aksbox serves one tenant; use its tenant ID, 'organizations' or 'common'.",
			tenant),
	}
}

func unsupportedGrant(grant string) *oauthError {
	return &oauthError{
		status: http.StatusBadRequest, code: "unsupported_grant_type", aadsts: 70003,
		desc: fmt.Sprintf("The app requested an unsupported grant type '%s'. aksbox supports only 'client_credentials'.", grant),
	}
}

func unknownClient(clientID, tenant string) *oauthError {
	return &oauthError{
		status: http.StatusBadRequest, code: "unauthorized_client", aadsts: 700016,
		desc: fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. "+
			"This can happen if the application has not been installed by the administrator of the tenant. "+
			"You may have sent your authentication request to the wrong tenant.", clientID, tenant),
	}
}

func invalidSecret(clientID string) *oauthError {
	return &oauthError{
		status: http.StatusUnauthorized, code: "invalid_client", aadsts: 7000215,
		desc: fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the "+
			"client secret value, not the client secret ID, for a secret added to app '%s'.", clientID),
	}
}

func missingSecret() *oauthError {
	return &oauthError{
		status: http.StatusUnauthorized, code: "invalid_client", aadsts: 7000216,
		desc: "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type. " +
			"aksbox accepts 'client_secret' (form field or HTTP Basic authentication).",
	}
}

func invalidScope(aadsts int, desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_scope", aadsts: aadsts, desc: desc}
}

func malformed(desc string) *oauthError {
	return &oauthError{
		status: http.StatusBadRequest, code: "invalid_request", aadsts: 9002313,
		desc: "Invalid request. Request is malformed or invalid. " + strings.TrimSpace(desc),
	}
}
