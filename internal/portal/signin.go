package portal

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/aksbox/aksbox/internal/identity"
)

// carryPrefix marks the fields of a form that was posted after its session
// ended: the sign-in page keeps them and hands them back to the form.
const carryPrefix = "carry."

// signInView is what the sign-in page shows.
type signInView struct {
	Next     string
	ClientID string
	Carry    []kv
	Notice   string
}

func (p *Portal) signInPage(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	q := r.URL.Query()
	if code := q.Get("code"); code != "" {
		l, ok := p.sessions.useLink(code)
		if !ok {
			p.render(w, r, nil, http.StatusUnauthorized, "signin", page{Title: "Sign in", Data: signInView{Next: "/portal/",
				Notice: "This sign-in link was used already or has expired (links work once, for 5 minutes). Run 'aksbox portal' for a new one, or sign in with a service principal below."}})
			return
		}
		ss := p.sessions.start(l.clientID, l.name)
		setCookie(w, ss.id, 0)
		http.Redirect(w, r, "/portal/", http.StatusSeeOther)
		return
	}
	v := signInView{Next: safeNext(q.Get("next"))}
	if q.Get("signedout") != "" {
		v.Notice = "You signed out."
	}
	p.render(w, r, nil, http.StatusOK, "signin", page{Title: "Sign in", Data: v})
}

// toSignIn sends a request without a session to sign-in. A GET is
// redirected; a posted form is answered with the sign-in page itself, which
// carries what was typed back to the form once signed in.
func (p *Portal) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Redirect(w, r, "/portal/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	_ = r.ParseForm()
	v := signInView{Next: safeNext(r.URL.Path + "?view=" + url.QueryEscape(r.PostFormValue("view"))),
		Notice: "Your session ended. Sign in again; what you typed is kept and put back in the form."}
	for k, vals := range r.PostForm {
		if k == "csrf" || k == "view" || len(vals) == 0 {
			continue
		}
		v.Carry = append(v.Carry, kv{K: carryPrefix + k, V: vals[0]})
	}
	sort.Slice(v.Carry, func(i, j int) bool { return v.Carry[i].K < v.Carry[j].K })
	p.render(w, r, nil, http.StatusUnauthorized, "signin", page{Title: "Sign in", Data: v})
}

func (p *Portal) signIn(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	if !sameOrigin(r) {
		http.Error(w, "sign-in from another origin refused", http.StatusForbidden)
		return
	}
	id, secret := strings.TrimSpace(r.PostFormValue("clientId")), r.PostFormValue("clientSecret")
	next := safeNext(r.PostFormValue("next"))
	var carry []kv
	back := url.Values{}
	for k, vals := range r.PostForm {
		if strings.HasPrefix(k, carryPrefix) && len(vals) > 0 {
			carry = append(carry, kv{K: k, V: vals[0]})
			back.Set(strings.TrimPrefix(k, carryPrefix), vals[0])
		}
	}
	sort.Slice(carry, func(i, j int) bool { return carry[i].K < carry[j].K })
	pr, err := p.issuer.Directory().VerifySecret(id, secret)
	if err != nil {
		msg := "The client secret is not the one of application '" + id + "'. Use the secret 'aksbox login' shows, or a sign-in link from 'aksbox portal'."
		if errors.Is(err, identity.ErrUnknownClient) {
			msg = "No service principal with application (client) ID '" + id + "' exists in this tenant. 'aksbox account show' names the one the CLI uses."
		}
		p.render(w, r, nil, http.StatusUnauthorized, "signin", page{Title: "Sign in",
			Err:  &armError{Status: http.StatusUnauthorized, Code: "InvalidClientSecret", Message: msg},
			Data: signInView{Next: next, ClientID: id, Carry: carry}})
		return
	}
	ss := p.sessions.start(pr.ClientID, pr.DisplayName)
	setCookie(w, ss.id, 0)
	if len(back) > 0 {
		sep := "?"
		if strings.Contains(next, "?") {
			sep = "&"
		}
		next += sep + back.Encode()
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	if ss := p.sessions.of(r); ss != nil {
		if !ss.checkCSRF(r) || !sameOrigin(r) {
			http.Error(w, "sign-out without this session's anti-forgery token refused", http.StatusForbidden)
			return
		}
		p.sessions.end(ss)
	}
	setCookie(w, "", -1)
	http.Redirect(w, r, "/portal/signin?signedout=1", http.StatusSeeOther)
}

// newSignInLink answers an authenticated ARM client (aksbox portal) with a
// one-time link that signs a browser in as the same principal.
func (p *Portal) newSignInLink(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c, err := p.issuer.Authenticate(r)
	if err != nil {
		var ae *identity.AuthError
		status, code := http.StatusUnauthorized, "AuthenticationFailed"
		if errors.As(err, &ae) {
			status, code = ae.Status, ae.Code
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": err.Error()}})
		return
	}
	code := p.sessions.newLink(c.ClientID, c.DisplayName)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"url": "https://" + r.Host + "/portal/signin?code=" + code, "expiresIn": linkTTL.String()})
}

// safeNext keeps a redirect target inside the portal.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/portal/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/portal/"
	}
	return next
}
