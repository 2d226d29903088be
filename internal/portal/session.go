package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie's name.
const cookieName = "aksbox_portal"

// linkTTL is how long a one-time sign-in link stays usable.
const linkTTL = 5 * time.Minute

// session is one signed-in browser.
type session struct {
	id, csrf string
	clientID string // the service principal it acts as
	name     string // the principal's display name
	lastSeen time.Time

	mu       sync.Mutex
	token    string
	tokenExp time.Time
	notes    []*notification
	recent   []crumb                // resources opened, newest first
	runs     map[string]runResult   // last run command per cluster
	checks   map[string]checkResult // last connectivity check per topology
}

// sessions holds the signed-in browsers and the unused sign-in links, in
// memory: a restart of the server signs everyone out.
type sessions struct {
	mu    sync.Mutex
	idle  time.Duration
	now   func() time.Time
	byID  map[string]*session
	links map[string]link
}

// link is a one-time sign-in code and whom it signs in.
type link struct {
	clientID, name string
	expires        time.Time
}

func newSessions(idle time.Duration) *sessions {
	return &sessions{idle: idle, now: time.Now, byID: map[string]*session{}, links: map[string]link{}}
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("reading random bytes: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// start makes a session for the principal.
func (s *sessions) start(clientID, name string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, old := range s.byID { // sessions nobody came back to
		if now.Sub(old.lastSeen) > s.idle {
			delete(s.byID, id)
		}
	}
	ss := &session{id: randomToken(), csrf: randomToken(), clientID: clientID, name: name, lastSeen: now}
	s.byID[ss.id] = ss
	return ss
}

// of returns the live session of the request's cookie, or nil. A session
// idle for longer than the limit has ended.
func (s *sessions) of(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[c.Value]
	if !ok {
		return nil
	}
	now := s.now()
	if now.Sub(ss.lastSeen) > s.idle {
		delete(s.byID, ss.id)
		return nil
	}
	ss.lastSeen = now
	return ss
}

// end signs a session out.
func (s *sessions) end(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, ss.id)
}

// newLink makes a one-time sign-in code for the principal.
func (s *sessions) newLink(clientID, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for code, l := range s.links {
		if now.After(l.expires) {
			delete(s.links, code)
		}
	}
	code := randomToken()
	s.links[code] = link{clientID: clientID, name: name, expires: now.Add(linkTTL)}
	return code
}

// useLink consumes a sign-in code: it works once, and not after it expired.
func (s *sessions) useLink(code string) (link, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.links[code]
	delete(s.links, code)
	if !ok || s.now().After(l.expires) {
		return link{}, false
	}
	return l, true
}

// checkCSRF reports whether the form carries the session's CSRF token.
func (ss *session) checkCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.csrf)) == 1
}

// setCookie gives the browser the session cookie: HttpOnly, Secure,
// SameSite=Strict, for the portal's path only.
func setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: value, Path: "/portal/", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

// visited puts a resource at the head of the session's recent resources.
func (ss *session) visited(label, href string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := []crumb{{Label: label, Href: href}}
	for _, c := range ss.recent {
		if c.Href != href && len(out) < 10 {
			out = append(out, c)
		}
	}
	ss.recent = out
}

func (ss *session) recentResources() []crumb {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return append([]crumb(nil), ss.recent...)
}
