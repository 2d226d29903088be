package registry

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

type fakeDir struct{ regs map[string]*Info }

func (d fakeDir) Lookup(_ context.Context, n string) (Info, bool, error) {
	r, ok := d.regs[strings.ToLower(n)]
	if !ok {
		return Info{}, false, nil
	}
	return *r, true, nil
}

func (d fakeDir) Access(_ context.Context, principal string, _ Info) (bool, bool, error) {
	switch principal {
	case "owner":
		return true, true, nil
	case "puller":
		return true, false, nil
	}
	return false, false, nil
}

func verify(_ context.Context, tok string) (string, error) {
	if tok == "aad-owner" || tok == "aad-puller" || tok == "aad-nobody" {
		return strings.TrimPrefix(tok, "aad-"), nil
	}
	return "", errors.New("signature invalid")
}

// env serves a data plane over TLS on loopback; its client reaches every
// *.azurecr.io name at that address.
type env struct {
	srv  *httptest.Server
	dir  fakeDir
	tr   *http.Transport
	root string
}

func newEnv(t testing.TB, root string, dir fakeDir) *env {
	s, err := New(root, dir, verify, tls.Certificate{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(s.Public())
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test's own loopback server
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
	return &env{srv: srv, dir: dir, tr: tr, root: root}
}

func twoRegistries() fakeDir {
	return fakeDir{regs: map[string]*Info{
		"myreg":  {ID: "/x/myreg", Name: "myReg", LoginServer: "myreg.azurecr.io", UID: "u1", Public: true, AdminPasswords: []string{"p1", "p2"}},
		"closed": {ID: "/x/closed", Name: "closed", LoginServer: "closed.azurecr.io", UID: "u2", Public: false},
	}}
}

func (e *env) form(t *testing.T, path string, v url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := (&http.Client{Transport: e.tr}).PostForm("https://myreg.azurecr.io"+path, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestPushPullAndRestart(t *testing.T) {
	root := t.TempDir()
	e := newEnv(t, root, twoRegistries())
	ref, _ := name.ParseReference("myreg.azurecr.io/team/app:v1")
	img, _ := random.Image(2048, 2)
	// Without credentials the push is refused with ACR's challenge.
	err := remote.Write(ref, img, remote.WithTransport(e.tr))
	if err == nil || !strings.Contains(err.Error(), "authentication required") {
		t.Fatalf("anonymous push: %v", err)
	}
	// The exchange flow of az acr login: an Entra token → a refresh token,
	// sent as the password of the all-zero user.
	code, m := e.form(t, "/oauth2/exchange", url.Values{"grant_type": {"access_token"}, "service": {"myreg.azurecr.io"}, "access_token": {"aad-owner"}})
	refresh, _ := m["refresh_token"].(string)
	if code != 200 || refresh == "" {
		t.Fatalf("exchange: %d %v", code, m)
	}
	if code, _ := e.form(t, "/oauth2/exchange", url.Values{"grant_type": {"access_token"}, "service": {"myreg.azurecr.io"}, "access_token": {"forged"}}); code != 401 {
		t.Errorf("exchange of a forged token: %d", code)
	}
	owner := remote.WithAuth(&authn.Basic{Username: TokenUser, Password: refresh})
	if err := remote.Write(ref, img, remote.WithTransport(e.tr), owner); err != nil {
		t.Fatalf("push: %v", err)
	}
	want, _ := img.Digest()
	// The admin user pulls it.
	admin := remote.WithAuth(&authn.Basic{Username: "myReg", Password: "p2"})
	desc, err := remote.Get(ref, remote.WithTransport(e.tr), admin)
	if err != nil || desc.Digest != want {
		t.Fatalf("pull as admin: %v %v", desc, err)
	}
	// A puller may pull but not push.
	_, m = e.form(t, "/oauth2/exchange", url.Values{"grant_type": {"access_token"}, "service": {"myreg.azurecr.io"}, "access_token": {"aad-puller"}})
	puller := remote.WithAuth(&authn.Basic{Username: TokenUser, Password: m["refresh_token"].(string)})
	if _, err := remote.Get(ref, remote.WithTransport(e.tr), puller); err != nil {
		t.Errorf("pull as puller: %v", err)
	}
	ref2, _ := name.ParseReference("myreg.azurecr.io/team/app:v2")
	if err := remote.Write(ref2, img, remote.WithTransport(e.tr), puller); err == nil {
		t.Errorf("a puller pushed")
	}
	// A tag that does not exist: ACR's message.
	missing, _ := name.ParseReference("myreg.azurecr.io/team/app:v9")
	if _, err := remote.Get(missing, remote.WithTransport(e.tr), owner); err == nil || !strings.Contains(err.Error(), `manifest tagged by "v9" is not found`) {
		t.Errorf("missing tag: %v", err)
	}
	// A manifest naming a blob the registry lacks is refused.
	req, _ := http.NewRequest(http.MethodPut, "https://myreg.azurecr.io/v2/team/app/manifests/bad",
		strings.NewReader(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:`+strings.Repeat("ab", 32)+`","size":2},"layers":[]}`))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	req.SetBasicAuth("myReg", "p1")
	resp, err := (&http.Client{Transport: e.tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "MANIFEST_BLOB_UNKNOWN") {
		t.Errorf("manifest with a missing blob: %d %s", resp.StatusCode, body)
	}
	// A registry whose public access is disabled refuses the host.
	closed, _ := name.ParseReference("closed.azurecr.io/app:v1")
	if err := remote.Write(closed, img, remote.WithTransport(e.tr), admin); err == nil || !strings.Contains(err.Error(), "not allowed access") {
		t.Errorf("push to a closed registry: %v", err)
	}

	// A new server on the same storage has the image.
	e2 := newEnv(t, root, twoRegistries())
	desc, err = remote.Get(ref, remote.WithTransport(e2.tr), admin)
	if err != nil || desc.Digest != want {
		t.Fatalf("pull after restart: %v %v", desc, err)
	}
	if _, err := remote.Image(ref, remote.WithTransport(e2.tr), admin); err != nil {
		t.Fatal(err)
	}
	got, _ := remote.Image(ref, remote.WithTransport(e2.tr), admin)
	layers, _ := got.Layers()
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatalf("layer after restart: %v", err)
		}
		n, _ := io.Copy(io.Discard, rc)
		rc.Close()
		if want, _ := l.Size(); n != want { // remote layers are checked against their digest as read
			t.Errorf("layer size %d, want %d", n, want)
		}
	}
	tags, err := remote.List(ref.Context(), remote.WithTransport(e2.tr), admin)
	if err != nil || strings.Join(tags, ",") != "v1" {
		t.Errorf("tags after restart: %v %v", tags, err)
	}
}

func TestNameOf(t *testing.T) {
	for host, want := range map[string]string{
		"myreg.azurecr.io": "myreg", "MyReg.azurecr.io:8443": "myreg", "myreg.westus2.data.azurecr.io": "myreg",
		"azurecr.io": "", "a.b.azurecr.io": "", "example.com": "", "myreg.azurecr.io.evil.com": "",
	} {
		got, ok := nameOf(host)
		if got != want || ok != (want != "") {
			t.Errorf("nameOf(%q) = %q %v, want %q", host, got, ok, want)
		}
	}
}
