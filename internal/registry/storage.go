package registry

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// storage is one registry's images: go-containerregistry's registry with
// its blobs on disk, and a journal of manifest writes that rebuilds its
// manifests (held in memory by that registry) when the server starts.
type storage struct {
	dir   string
	blobs ggcr.BlobHandler
	h     http.Handler
	log   *slog.Logger

	mu      sync.Mutex
	journal *os.File
	// tags are each repository's tags and digests → manifest digest.
	tags map[string]map[string]string
	// uploads are the blob uploads in progress, by ID.
	uploads map[string]*upload
}

// entry is a line of the manifest journal.
type entry struct {
	Op          string `json:"op"` // put or delete
	Repo        string `json:"repo"`
	Ref         string `json:"ref"`
	ContentType string `json:"contentType,omitempty"`
	Manifest    []byte `json:"manifest,omitempty"`
}

func openStorage(dir string, logger *slog.Logger) (*storage, error) {
	// Uploads a stopped server left unfinished are gone, as ACR's expire.
	if err := os.RemoveAll(filepath.Join(dir, "uploads")); err != nil {
		return nil, fmt.Errorf("clearing unfinished uploads: %w", err)
	}
	for _, d := range []string{"blobs", "uploads"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("creating registry storage: %w", err)
		}
	}
	s := &storage{dir: dir, blobs: ggcr.NewDiskBlobHandler(filepath.Join(dir, "blobs")), log: logger,
		tags: map[string]map[string]string{}, uploads: map[string]*upload{}}
	s.h = ggcr.New(ggcr.WithBlobHandler(s.blobs), ggcr.Logger(log.New(io.Discard, "", 0)))
	path := filepath.Join(dir, "manifests.jsonl")
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var e entry
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue // a line cut short by a crash
			}
			if code := s.apply(e); code >= 300 {
				logger.Warn("replaying a registry manifest failed", "repo", e.Repo, "ref", e.Ref, "status", code)
			}
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the manifest journal: %w", err)
	}
	s.journal = f
	return s, nil
}

// apply writes a journal entry to the registry and the tag index.
func (s *storage) apply(e entry) int {
	method := http.MethodPut
	if e.Op == "delete" {
		method = http.MethodDelete
	}
	req := httptest.NewRequest(method, "/v2/"+e.Repo+"/manifests/"+e.Ref, bytes.NewReader(e.Manifest))
	req.Header.Set("Content-Type", e.ContentType)
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code < 300 {
		s.index(e)
	}
	return rec.Code
}

func (s *storage) index(e entry) {
	t := s.tags[e.Repo]
	if t == nil {
		t = map[string]string{}
		s.tags[e.Repo] = t
	}
	if e.Op == "delete" {
		delete(t, e.Ref)
		if strings.HasPrefix(e.Ref, "sha256:") {
			for ref, d := range t {
				if d == e.Ref {
					delete(t, ref)
				}
			}
		}
		if len(t) == 0 {
			delete(s.tags, e.Repo)
		}
		return
	}
	sum := sha256.Sum256(e.Manifest)
	d := "sha256:" + hex.EncodeToString(sum[:])
	t[e.Ref], t[d] = d, d
}

// serve answers a /v2 request the caller is allowed to make.
func (s *storage) serve(w http.ResponseWriter, r *http.Request, grant []access) {
	n := needed(r)
	isManifest := strings.Contains(r.URL.Path, "/manifests/")
	switch {
	case n.typ == "registry":
		s.catalog(w, grant)
		return
	case strings.Contains(r.URL.Path, "/blobs/uploads/"):
		s.serveUpload(w, r, n.name)
		return
	case isManifest && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		ref := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		s.mu.Lock()
		tags, repo := s.tags[n.name]
		_, known := tags[ref]
		s.mu.Unlock()
		switch {
		case !repo:
			writeErrors(w, http.StatusNotFound, "NAME_UNKNOWN", fmt.Sprintf("repository %q is not found", n.name), map[string]string{"Name": n.name})
			return
		case !known && strings.HasPrefix(ref, "sha256:"):
			writeErrors(w, http.StatusNotFound, "MANIFEST_UNKNOWN", fmt.Sprintf("manifest sha256:%s is not found", strings.TrimPrefix(ref, "sha256:")), nil)
			return
		case !known:
			writeErrors(w, http.StatusNotFound, "MANIFEST_UNKNOWN", fmt.Sprintf("manifest tagged by %q is not found", ref), map[string]string{"Tag": ref})
			return
		}
	case strings.HasSuffix(r.URL.Path, "/tags/list"):
		s.mu.Lock()
		_, repo := s.tags[n.name]
		s.mu.Unlock()
		if !repo {
			writeErrors(w, http.StatusNotFound, "NAME_UNKNOWN", fmt.Sprintf("repository %q is not found", n.name), map[string]string{"Name": n.name})
			return
		}
	case isManifest && r.Method == http.MethodPut:
		s.putManifest(w, r, n.name)
		return
	case isManifest && r.Method == http.MethodDelete:
		ref := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, r)
		if rec.Code < 300 {
			if err := s.record(entry{Op: "delete", Repo: n.name, Ref: ref}); err != nil {
				writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "recording the deletion failed", nil)
				return
			}
		}
		copyRecorded(w, rec)
		return
	}
	s.h.ServeHTTP(w, r)
}

// putManifest checks a manifest before the registry takes it: a known
// media type, JSON of schema version 2, every blob it names present, and
// the digest it is put under, if any, its own.
func (s *storage) putManifest(w http.ResponseWriter, r *http.Request, repo string) {
	ref := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20+1))
	if err != nil || len(body) > 4<<20 {
		writeErrors(w, http.StatusBadRequest, "MANIFEST_INVALID", "manifest invalid: it cannot be read or is larger than 4 MiB", nil)
		return
	}
	ct := r.Header.Get("Content-Type")
	if msg := s.checkManifest(r.Context(), repo, ref, ct, body); msg != "" {
		code := "MANIFEST_INVALID"
		if strings.HasPrefix(msg, "blob unknown") {
			code = "MANIFEST_BLOB_UNKNOWN"
		}
		if strings.HasPrefix(msg, "digest") {
			code = "DIGEST_INVALID"
		}
		writeErrors(w, http.StatusBadRequest, code, msg, nil)
		return
	}
	e := entry{Op: "put", Repo: repo, Ref: ref, ContentType: ct, Manifest: body}
	s.mu.Lock()
	code := s.apply(e)
	s.mu.Unlock()
	if code >= 300 {
		writeErrors(w, code, "MANIFEST_INVALID", "manifest invalid: the registry refused it", nil)
		return
	}
	if err := s.record(e); err != nil {
		writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "recording the manifest failed", nil)
		return
	}
	sum := sha256.Sum256(body)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Location", "/v2/"+repo+"/manifests/"+digest)
	w.WriteHeader(http.StatusCreated)
}

var manifestTypes = map[string]bool{
	"application/vnd.oci.image.manifest.v1+json":                true,
	"application/vnd.oci.image.index.v1+json":                   true,
	"application/vnd.docker.distribution.manifest.v2+json":      true,
	"application/vnd.docker.distribution.manifest.list.v2+json": true,
}

func (s *storage) checkManifest(ctx context.Context, repo, ref, ct string, body []byte) string {
	if !manifestTypes[strings.TrimSpace(strings.Split(ct, ";")[0])] {
		return fmt.Sprintf("manifest invalid: media type %q is not supported; use an OCI or Docker v2 image manifest or index", ct)
	}
	if strings.HasPrefix(ref, "sha256:") {
		sum := sha256.Sum256(body)
		if "sha256:"+hex.EncodeToString(sum[:]) != ref {
			return fmt.Sprintf("digest invalid: the manifest's digest is not %s", ref)
		}
	}
	var m struct {
		SchemaVersion int             `json:"schemaVersion"`
		Config        *v1.Descriptor  `json:"config"`
		Layers        []v1.Descriptor `json:"layers"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return "manifest invalid: " + err.Error()
	}
	if m.SchemaVersion != 2 {
		return fmt.Sprintf("manifest invalid: schemaVersion is %d; only 2 is supported", m.SchemaVersion)
	}
	if strings.Contains(ct, "index") || strings.Contains(ct, "list") {
		return "" // the registry checks the manifests an index names
	}
	if m.Config == nil {
		return "manifest invalid: an image manifest needs a config descriptor"
	}
	stat, _ := s.blobs.(ggcr.BlobStatHandler)
	for _, d := range append([]v1.Descriptor{*m.Config}, m.Layers...) {
		if stat == nil {
			break
		}
		if _, err := stat.Stat(ctx, repo, d.Digest); err != nil {
			return fmt.Sprintf("blob unknown to registry: %s", d.Digest)
		}
	}
	return ""
}

// record appends an entry to the journal, synced before the client hears.
func (s *storage) record(e entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Op == "delete" {
		s.index(e)
	}
	if _, err := s.journal.Write(append(line, '\n')); err != nil {
		return err
	}
	return s.journal.Sync()
}

// catalog lists the repositories the grant covers (every one with
// registry:catalog:*).
func (s *storage) catalog(w http.ResponseWriter, grant []access) {
	s.mu.Lock()
	names := make([]string, 0, len(s.tags))
	for repo := range s.tags {
		names = append(names, repo)
	}
	s.mu.Unlock()
	sort.Strings(names)
	if !covers(grant, need{"registry", "catalog", "*"}) {
		names = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"repositories": names})
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
