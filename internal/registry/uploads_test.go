package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The upload protocol: sessions, chunks in order, the digest checked,
// a monolithic upload, a mount of a blob the registry has, and what a
// client gets wrong.
func TestUploads(t *testing.T) {
	e := newEnv(t, t.TempDir(), twoRegistries())
	c := &http.Client{Transport: e.tr}
	do := func(method, path, body string, hdr ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "https://myreg.azurecr.io"+path, strings.NewReader(body))
		req.SetBasicAuth("myReg", "p1")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	sum := sha256.Sum256([]byte("hello world"))
	digest := "sha256:" + hex.EncodeToString(sum[:])

	resp, _ := do("POST", "/v2/app/blobs/uploads/", "")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 202 || !strings.HasPrefix(loc, "/v2/app/blobs/uploads/") || resp.Header.Get("Range") != "0-0" {
		t.Fatalf("start: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := do("PATCH", loc, "hello", "Content-Range", "0-4"); resp.StatusCode != 202 || resp.Header.Get("Range") != "0-4" {
		t.Fatalf("first chunk: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, body := do("PATCH", loc, " world", "Content-Range", "3-8"); resp.StatusCode != 416 || !strings.Contains(body, "BLOB_UPLOAD_INVALID") {
		t.Errorf("a chunk out of order: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do("GET", loc, ""); resp.StatusCode != 204 || resp.Header.Get("Range") != "0-4" {
		t.Errorf("upload status: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := do("PUT", loc+"?digest="+digest, " world"); resp.StatusCode != 201 || resp.Header.Get("Docker-Content-Digest") != digest {
		t.Fatalf("finish: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, body := do("GET", "/v2/app/blobs/"+digest, ""); resp.StatusCode != 200 || body != "hello world" {
		t.Errorf("the blob: %d %q", resp.StatusCode, body)
	}
	if resp, body := do("PATCH", loc, "more"); resp.StatusCode != 404 || !strings.Contains(body, "BLOB_UPLOAD_UNKNOWN") {
		t.Errorf("a finished upload: %d %s", resp.StatusCode, body)
	}
	// A wrong digest is refused and stores nothing.
	resp, _ = do("POST", "/v2/app/blobs/uploads/", "")
	if resp, body := do("PUT", resp.Header.Get("Location")+"?digest=sha256:"+strings.Repeat("0", 64), "other"); resp.StatusCode != 400 || !strings.Contains(body, "DIGEST_INVALID") {
		t.Errorf("a wrong digest: %d %s", resp.StatusCode, body)
	}
	// Monolithic, and a mount into another repository.
	sum2 := sha256.Sum256([]byte("in one go"))
	d2 := "sha256:" + hex.EncodeToString(sum2[:])
	if resp, _ := do("POST", "/v2/app/blobs/uploads/?digest="+d2, "in one go"); resp.StatusCode != 201 {
		t.Errorf("monolithic upload: %d", resp.StatusCode)
	}
	if resp, _ := do("POST", "/v2/other/blobs/uploads/?mount="+d2+"&from=app", ""); resp.StatusCode != 201 || resp.Header.Get("Location") != "/v2/other/blobs/"+d2 {
		t.Errorf("mount: %d %v", resp.StatusCode, resp.Header)
	}
}
