// Package portal is aksbox's web portal: server-rendered pages under
// /portal/ on the instance's HTTPS listener, in which a signed-in person
// browses and changes resources as in Azure's portal. It is a client of the
// ARM API as Azure's portal is: every page reads, and every form writes,
// through the ARM front door with the signed-in principal's token, so it
// shows and does exactly what az and the SDK see, and its errors are ARM's.
package portal

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/identity"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Issuer is what the portal needs of the identity service: checking a
// service principal's secret, minting ARM tokens for a signed-in principal,
// and authenticating the bearer token of a sign-in link request.
type Issuer interface {
	Directory() *identity.Directory
	TokenFor(clientID string) (string, time.Time, error)
	Authenticate(r *http.Request) (*identity.Claims, error)
}

// Options configure a portal.
type Options struct {
	// ARM serves the ARM API; the portal calls it in process.
	ARM    http.Handler
	Issuer Issuer
	// SessionIdle ends a session after this long without a request
	// (default 1 hour).
	SessionIdle time.Duration
	Logger      *slog.Logger
}

// Portal serves the pages.
type Portal struct {
	arm      http.Handler
	issuer   Issuer
	sessions *sessions
	versions apiVersions
	pages    map[string]*template.Template
	log      *slog.Logger
}

// New makes a portal.
func New(o Options) (*Portal, error) {
	idle := o.SessionIdle
	if idle <= 0 {
		idle = time.Hour
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Portal{arm: o.ARM, issuer: o.Issuer, sessions: newSessions(idle), pages: pages, log: o.Logger}, nil
}

// Register adds the portal's routes to mux: / sends browsers to /portal/.
func (p *Portal) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /portal/static/", http.StripPrefix("/portal/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/portal/", http.StatusFound)
	})
	mux.HandleFunc("GET /portal/signin", p.signInPage)
	mux.HandleFunc("POST /portal/signin", p.signIn)
	mux.HandleFunc("POST /portal/signout", p.signOut)
	mux.HandleFunc("POST /portal/signin-links", p.newSignInLink)
	mux.HandleFunc("GET /portal/{$}", p.signedIn(p.home))
	mux.HandleFunc("GET /portal/notifications", p.signedIn(p.notifications))
	mux.HandleFunc("GET /portal/r/{id...}", p.signedIn(p.blade))
	mux.HandleFunc("POST /portal/r/{id...}", p.signedIn(p.act))
}

// request is one signed-in request: its session and ARM client.
type request struct {
	w   http.ResponseWriter
	r   *http.Request
	ss  *session
	arm *client
}

// signedIn runs h for requests of a live session. Others go to sign-in,
// carrying the page they asked for and, for a form, what was typed in it,
// so that nothing is lost; a form whose CSRF token is not the session's
// changes nothing.
func (p *Portal) signedIn(h func(*request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		ss := p.sessions.of(r)
		if ss == nil {
			p.toSignIn(w, r)
			return
		}
		if r.Method == http.MethodPost && (!ss.checkCSRF(r) || !sameOrigin(r)) {
			p.render(w, r, ss, http.StatusForbidden, "error", page{Title: "Request refused",
				Err: &armError{Status: http.StatusForbidden, Code: "InvalidCsrfToken",
					Message: "The form did not carry this session's anti-forgery token, so nothing was changed. Open the page again and resubmit it."}})
			return
		}
		token, err := ss.armToken(p.issuer)
		if err != nil {
			p.log.Warn("portal: no token for the session", "client", ss.clientID, "err", err)
			p.sessions.end(ss)
			p.toSignIn(w, r)
			return
		}
		h(&request{w: w, r: r, ss: ss, arm: &client{p: p, ctx: r.Context(), from: r, token: token}})
	}
}

// armToken returns the session's ARM token, minting a new one when it is
// due to expire within five minutes.
func (ss *session) armToken(is Issuer) (string, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.token == "" || time.Until(ss.tokenExp) < 5*time.Minute {
		t, exp, err := is.TokenFor(ss.clientID)
		if err != nil {
			return "", err
		}
		ss.token, ss.tokenExp = t, exp
	}
	return ss.token, nil
}

// sameOrigin refuses a form posted from another origin, when the browser
// says where it came from.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// secureHeaders keeps the pages out of frames and other origins' scripts.
func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}
