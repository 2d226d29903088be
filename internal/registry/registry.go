// Package registry is the data plane of the cloud's container registries:
// for each Azure container registry a real OCI Distribution registry
// (go-containerregistry's) whose blobs and manifests live under the state
// directory, behind ACR's token authentication (refresh-token exchange at
// /oauth2/exchange, access tokens at /oauth2/token, the admin user) and
// its public network access switch. Requests are routed by host name:
// <name>.azurecr.io and <name>.<region>.data.azurecr.io.
package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Domain is the DNS suffix of every registry.
const Domain = ".azurecr.io"

// Info is what the data plane needs of a registry.
type Info struct {
	ID          string // ARM ID
	Name        string
	LoginServer string // <name>.azurecr.io
	UID         string // storage name, for the registry's life
	Public      bool   // publicNetworkAccess Enabled
	// AdminPasswords are the admin user's passwords; nil when disabled.
	AdminPasswords []string
	AnonymousPull  bool
}

// Directory tells the data plane which registries exist and who may do
// what in them.
type Directory interface {
	// Lookup finds a registry by name (any case); ok false when none.
	Lookup(ctx context.Context, name string) (info Info, ok bool, err error)
	// Access tells what a principal (object ID) may do in a registry.
	Access(ctx context.Context, principal string, reg Info) (pull, push bool, err error)
}

// Verifier checks a Microsoft Entra access token (as az acr login sends
// to /oauth2/exchange) and returns its principal's object ID.
type Verifier func(ctx context.Context, token string) (principal string, err error)

// Server serves every registry's data plane.
type Server struct {
	root   string
	dir    Directory
	verify Verifier
	key    []byte
	log    *slog.Logger

	tls *tls.Config

	mu      sync.Mutex
	stores  map[string]*storage
	private map[string]*http.Server // by storage name
}

// New opens the data plane whose storage is under root; cert serves the
// private endpoints' side (it names *.azurecr.io).
func New(root string, dir Directory, verify Verifier, cert tls.Certificate, log *slog.Logger) (*Server, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("creating registry storage: %w", err)
	}
	key, err := loadOrCreateKey(filepath.Join(root, "token.key"))
	if err != nil {
		return nil, err
	}
	return &Server{root: root, dir: dir, verify: verify, key: key, log: log, stores: map[string]*storage{}, private: map[string]*http.Server{},
		tls: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}, nil
}

// Handles tells whether a request's host is a registry's.
func Handles(host string) bool {
	_, ok := nameOf(host)
	return ok
}

// nameOf is the registry name in a host (with or without a port):
// <name>.azurecr.io or <name>.<region>.data.azurecr.io.
func nameOf(host string) (string, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	rest, ok := strings.CutSuffix(host, Domain)
	if !ok || rest == "" {
		return "", false
	}
	labels := strings.Split(rest, ".")
	switch {
	case len(labels) == 1:
		return labels[0], true
	case len(labels) == 3 && labels[2] == "data":
		return labels[0], true
	}
	return "", false
}

// Public is the registries' public endpoint, as the internet reaches it:
// refused for a registry whose public network access is disabled.
func (s *Server) Public() http.Handler { return s.handler("") }

// HTTP2 is the HTTP/2 tuning of every listener registries are served on:
// flow-control windows large enough that a layer upload is not held to a
// window per round trip.
var HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerConnection: 16 << 20, MaxReceiveBufferPerStream: 16 << 20}

// ServePrivate serves one registry (by storage name) on ln, a listener in
// its private network that private endpoints forward to: over TLS, open
// whatever its public network access, and for that registry only.
func (s *Server) ServePrivate(uid string, ln net.Listener) error {
	srv := &http.Server{Handler: s.handler(uid), TLSConfig: s.tls, ReadHeaderTimeout: 30 * time.Second, HTTP2: HTTP2,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.mu.Lock()
	old := s.private[uid]
	s.private[uid] = srv
	s.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serving a registry's private side", "registry", uid, "err", err)
		}
	}()
	return nil
}

// StopPrivate stops serving a registry's private side.
func (s *Server) StopPrivate(uid string) {
	s.mu.Lock()
	srv := s.private[uid]
	delete(s.private, uid)
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Close stops every private side.
func (s *Server) Close() {
	s.mu.Lock()
	all := s.private
	s.private = map[string]*http.Server{}
	s.mu.Unlock()
	for _, srv := range all {
		_ = srv.Close()
	}
}

// handler serves the public endpoint (only "") or one registry's private
// side.
func (s *Server) handler(only string) http.Handler {
	public := only == ""
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := nameOf(r.Host)
		if !ok {
			writeErrors(w, http.StatusNotFound, "NAME_UNKNOWN", fmt.Sprintf("%q is not the name of a registry: registries are <name>%s", r.Host, Domain), nil)
			return
		}
		info, found, err := s.dir.Lookup(r.Context(), name)
		switch {
		case err != nil:
			s.log.Error("looking up a registry", "name", name, "err", err)
			writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "looking up the registry failed; try again", nil)
			return
		case !found || !public && info.UID != only:
			writeErrors(w, http.StatusNotFound, "NAME_UNKNOWN", fmt.Sprintf("registry %q does not exist", name+Domain), nil)
			return
		case public && !info.Public:
			writeErrors(w, http.StatusForbidden, "DENIED", fmt.Sprintf("client with IP '%s' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.", clientIP(r)), nil)
			return
		}
		s.serve(w, r, info)
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, info Info) {
	switch {
	case r.URL.Path == "/oauth2/exchange":
		s.exchange(w, r, info)
	case r.URL.Path == "/oauth2/token":
		s.token(w, r, info)
	case r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/"):
		grant, ok := s.authorize(w, r, info)
		if !ok {
			return
		}
		st, err := s.storage(info.UID)
		if err != nil {
			s.log.Error("opening registry storage", "registry", info.Name, "err", err)
			writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "opening the registry's storage failed", nil)
			return
		}
		st.serve(w, r, grant)
	default:
		writeErrors(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("%s is not an endpoint of the registry; it serves /v2/ and /oauth2/", r.URL.Path), nil)
	}
}

// storage opens (once) a registry's storage.
func (s *Server) storage(uid string) (*storage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stores[uid]; st != nil {
		return st, nil
	}
	st, err := openStorage(filepath.Join(s.root, uid), s.log)
	if err != nil {
		return nil, err
	}
	s.stores[uid] = st
	return st, nil
}

// Remove deletes a registry's images.
func (s *Server) Remove(uid string) error {
	if uid == "" || strings.ContainsAny(uid, "/.") {
		return fmt.Errorf("registry storage name %q is not valid", uid)
	}
	s.mu.Lock()
	delete(s.stores, uid)
	s.mu.Unlock()
	return os.RemoveAll(filepath.Join(s.root, uid))
}

func clientIP(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}
