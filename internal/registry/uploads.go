package registry

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Blob uploads are streamed to a file of their own, hashed as they are
// written, and moved into the blob store when the client names the
// digest: an upload holds no memory beyond a buffer, and uploads run side
// by side. (go-containerregistry's registry keeps an upload in memory and
// writes blobs one at a time; its blob store and everything else are
// used as they are.)

// upload is one blob upload in progress.
type upload struct {
	mu   sync.Mutex
	repo string
	f    *os.File
	sum  hash.Hash
	size int64
	last time.Time // of the last chunk, under the storage's lock
}

// uploadIdle is how long an upload may go without a chunk before it is
// dropped (its file removed) when another starts.
const uploadIdle = 30 * time.Minute

// uploadPath is the path of an upload session of repo.
func uploadPath(repo, id string) string { return "/v2/" + repo + "/blobs/uploads/" + id }

// serveUpload answers POST, PATCH, PUT, GET and DELETE under
// /v2/<repo>/blobs/uploads/.
func (s *storage) serveUpload(w http.ResponseWriter, r *http.Request, repo string) {
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/blobs/uploads/")+len("/blobs/uploads/"):]
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		if from, d := q.Get("from"), q.Get("mount"); from != "" && d != "" {
			if h, err := v1.NewHash(d); err == nil && s.hasBlob(h) {
				blobCreated(w, repo, h)
				return
			}
		}
		u, newID, err := s.startUpload(repo)
		if err != nil {
			writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "starting the upload failed", nil)
			return
		}
		if d := q.Get("digest"); d != "" { // a monolithic upload
			s.finishUpload(w, r, repo, newID, u, d)
			return
		}
		uploadAccepted(w, repo, newID, 0, http.StatusAccepted)
		return
	}
	s.mu.Lock()
	u := s.uploads[id]
	if u != nil {
		u.last = time.Now()
	}
	s.mu.Unlock()
	if u == nil || u.repo != repo {
		writeErrors(w, http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", nil)
		return
	}
	switch r.Method {
	case http.MethodPatch:
		u.mu.Lock()
		defer u.mu.Unlock()
		if cr := r.Header.Get("Content-Range"); cr != "" {
			var start, end int64
			if _, err := fmt.Sscanf(cr, "%d-%d", &start, &end); err != nil || start != u.size {
				w.Header().Set("Range", rangeOf(u.size))
				writeErrors(w, http.StatusRequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID",
					fmt.Sprintf("the chunk starts at %q; the upload has %d bytes", cr, u.size), nil)
				return
			}
		}
		if err := u.write(r.Body); err != nil {
			writeErrors(w, http.StatusBadRequest, "BLOB_UPLOAD_INVALID", "the chunk could not be written: "+err.Error(), nil)
			return
		}
		uploadAccepted(w, repo, id, u.size, http.StatusAccepted)
	case http.MethodPut:
		s.finishUpload(w, r, repo, id, u, q.Get("digest"))
	case http.MethodGet:
		u.mu.Lock()
		size := u.size
		u.mu.Unlock()
		uploadAccepted(w, repo, id, size, http.StatusNoContent)
	case http.MethodDelete:
		s.dropUpload(id)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErrors(w, http.StatusMethodNotAllowed, "UNSUPPORTED", r.Method+" is not an upload method", nil)
	}
}

func (s *storage) startUpload(repo string) (*upload, string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, "", err
	}
	id := hex.EncodeToString(b)
	f, err := os.Create(filepath.Join(s.dir, "uploads", id))
	if err != nil {
		return nil, "", err
	}
	u := &upload{repo: repo, f: f, sum: sha256.New(), last: time.Now()}
	var idle []string
	s.mu.Lock()
	s.uploads[id] = u
	for other, o := range s.uploads {
		if time.Since(o.last) > uploadIdle {
			idle = append(idle, other)
		}
	}
	s.mu.Unlock()
	for _, other := range idle {
		s.dropUpload(other)
	}
	return u, id, nil
}

func (u *upload) write(body io.Reader) error {
	n, err := io.Copy(io.MultiWriter(u.f, u.sum), body)
	u.size += n
	return err
}

// finishUpload writes the last chunk, checks the digest and moves the
// blob into the store.
func (s *storage) finishUpload(w http.ResponseWriter, r *http.Request, repo, id string, u *upload, digest string) {
	defer s.dropUpload(id)
	h, err := v1.NewHash(digest)
	if err != nil || h.Algorithm != "sha256" {
		writeErrors(w, http.StatusBadRequest, "DIGEST_INVALID", fmt.Sprintf("digest %q is not a sha256 digest", digest), nil)
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.write(r.Body); err != nil {
		writeErrors(w, http.StatusBadRequest, "BLOB_UPLOAD_INVALID", "the upload could not be written: "+err.Error(), nil)
		return
	}
	if got := hex.EncodeToString(u.sum.Sum(nil)); got != h.Hex {
		writeErrors(w, http.StatusBadRequest, "DIGEST_INVALID", fmt.Sprintf("provided digest did not match uploaded content: the content is sha256:%s", got), nil)
		return
	}
	dst := filepath.Join(s.dir, "blobs", h.Algorithm, h.Hex)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "storing the blob failed", nil)
		return
	}
	if err := os.Rename(u.f.Name(), dst); err != nil {
		writeErrors(w, http.StatusInternalServerError, "UNKNOWN", "storing the blob failed", nil)
		return
	}
	blobCreated(w, repo, h)
}

// dropUpload ends an upload and removes what is left of its file.
func (s *storage) dropUpload(id string) {
	s.mu.Lock()
	u := s.uploads[id]
	delete(s.uploads, id)
	s.mu.Unlock()
	if u == nil {
		return
	}
	_ = u.f.Close()
	if err := os.Remove(u.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("removing an upload's file", "err", err)
	}
}

func (s *storage) hasBlob(h v1.Hash) bool {
	_, err := os.Stat(filepath.Join(s.dir, "blobs", h.Algorithm, h.Hex))
	return err == nil
}

func rangeOf(size int64) string {
	if size == 0 {
		return "0-0"
	}
	return fmt.Sprintf("0-%d", size-1)
}

func uploadAccepted(w http.ResponseWriter, repo, id string, size int64, status int) {
	w.Header().Set("Location", uploadPath(repo, id))
	w.Header().Set("Range", rangeOf(size))
	w.Header().Set("Docker-Upload-UUID", id)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

func blobCreated(w http.ResponseWriter, repo string, h v1.Hash) {
	w.Header().Set("Location", "/v2/"+repo+"/blobs/"+h.String())
	w.Header().Set("Docker-Content-Digest", h.String())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}
