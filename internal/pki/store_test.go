package pki

import (
	"crypto/tls"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestSaveLoadPair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	ca := mustCA(t, CAOptions{})
	p, err := ca.Issue(LeafSpec{CommonName: "srv", DNSNames: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := SavePair(dir, "srv", p); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, CertPath(dir, "srv"): 0o644, KeyPath(dir, "srv"): 0o600} {
		if got := fileMode(t, path); got != want {
			t.Errorf("mode of %s = %v, want %v", path, got, want)
		}
	}
	got, err := LoadPair(dir, "srv")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Cert.Equal(p.Cert) || !publicKeysEqual(got.Key.Public(), p.Key.Public()) {
		t.Errorf("loaded pair differs from saved")
	}
	if _, err := LoadPair(dir, "absent"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("absent pair: err = %v, want fs.ErrNotExist", err)
	}
	other, err := ca.Issue(LeafSpec{CommonName: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(KeyPath(dir, "srv"), other.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPair(dir, "srv"); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("mismatched key: err = %v, want ErrKeyMismatch", err)
	}
	if err := SavePair(dir, "nil", &Pair{}); err == nil {
		t.Errorf("saving an empty pair succeeded")
	}
}

func TestLoadOrCreateCA(t *testing.T) {
	now := time.Now()
	t.Run("create then load the same", func(t *testing.T) {
		dir := t.TempDir()
		first, err := LoadOrCreateCA(dir, "ca")
		if err != nil {
			t.Fatal(err)
		}
		if first.Cert.Subject.CommonName != "ca" {
			t.Errorf("cn = %q", first.Cert.Subject.CommonName)
		}
		if fileMode(t, KeyPath(dir, "ca")) != 0o600 {
			t.Errorf("ca key not 0600")
		}
		second, err := LoadOrCreateCA(dir, "ca")
		if err != nil {
			t.Fatal(err)
		}
		if !second.Cert.Equal(first.Cert) {
			t.Errorf("second call created a new ca")
		}
	})
	t.Run("half present is an error", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := LoadOrCreateCA(dir, "ca"); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(CertPath(dir, "ca")); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOrCreateCA(dir, "ca")
		if err == nil || !strings.Contains(err.Error(), "only one of") {
			t.Fatalf("err = %v, want 'only one of'", err)
		}
	})
	t.Run("expired is replaced", func(t *testing.T) {
		dir := t.TempDir()
		old, err := LoadOrCreateCAWithOptions(dir, "ca", CAOptions{Validity: time.Hour, Now: func() time.Time { return now.Add(-2 * time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := LoadOrCreateCA(dir, "ca")
		if err != nil {
			t.Fatal(err)
		}
		if fresh.Cert.Equal(old.Cert) || !fresh.Cert.NotAfter.After(now) {
			t.Errorf("expired ca was kept")
		}
	})
	t.Run("leaf is not a ca", func(t *testing.T) {
		dir := t.TempDir()
		leaf, err := mustCA(t, CAOptions{}).Issue(LeafSpec{CommonName: "leaf"})
		if err != nil {
			t.Fatal(err)
		}
		if err := SavePair(dir, "ca", leaf); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateCA(dir, "ca"); err == nil || !strings.Contains(err.Error(), "not a ca") {
			t.Fatalf("err = %v, want 'not a ca'", err)
		}
	})
}

func TestLoadOrIssue(t *testing.T) {
	ca := mustCA(t, CAOptions{})
	otherCA := mustCA(t, CAOptions{})
	base := LeafSpec{
		CommonName:  "aksbox",
		DNSNames:    []string{"localhost", "aksbox.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		Validity:    30 * 24 * time.Hour,
	}
	later := func(d time.Duration) func() time.Time { return func() time.Time { return time.Now().Add(d) } }
	with := func(f func(*LeafSpec)) LeafSpec { s := base; f(&s); return s }
	tests := []struct {
		name       string
		prepare    func(t *testing.T, dir string) // runs after the first issue
		useCA      *CA
		spec       LeafSpec
		wantReason string // "" means the stored pair must be kept
	}{
		{"unchanged is kept", nil, ca, base, ""},
		{"san order does not matter", nil, ca, with(func(s *LeafSpec) { s.DNSNames = []string{"aksbox.local", "localhost"} }), ""},
		{"cert missing", func(t *testing.T, dir string) { _ = os.Remove(CertPath(dir, "srv")) }, ca, base, "missing"},
		{"key missing", func(t *testing.T, dir string) { _ = os.Remove(KeyPath(dir, "srv")) }, ca, base, "missing"},
		{"key replaced", func(t *testing.T, dir string) {
			p, err := ca.Issue(base)
			if err != nil {
				t.Fatal(err)
			}
			_ = os.WriteFile(KeyPath(dir, "srv"), p.KeyPEM, 0o600)
		}, ca, base, "does not match"},
		{"expired", nil, ca, with(func(s *LeafSpec) { s.Now = later(31 * 24 * time.Hour) }), "expired"},
		{"near expiry", nil, ca, with(func(s *LeafSpec) { s.Now = later(25 * 24 * time.Hour) }), "near expiry"},
		{"explicit renew window", nil, ca, with(func(s *LeafSpec) { s.RenewBefore = 40 * 24 * time.Hour }), "near expiry"},
		{"other ca", nil, otherCA, base, "not signed by the current ca"},
		{"dns differs", nil, ca, with(func(s *LeafSpec) { s.DNSNames = []string{"localhost"} }), "dns names differ"},
		{"ip differs", nil, ca, with(func(s *LeafSpec) { s.IPAddresses = append(s.IPAddresses, net.ParseIP("::1")) }), "ip addresses differ"},
		{"cn differs", nil, ca, with(func(s *LeafSpec) { s.CommonName = "other" }), "common name differs"},
		{"groups differ", nil, ca, with(func(s *LeafSpec) { s.Organization = []string{"system:masters"} }), "organization differs"},
		{"usage differs", nil, ca, with(func(s *LeafSpec) { s.Usage = UsageClient }), "key usage differs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first, reason, err := LoadOrIssueReason(dir, "srv", ca, base)
			if err != nil || reason != "certificate or key missing" {
				t.Fatalf("first issue: reason %q, err %v", reason, err)
			}
			if tc.prepare != nil {
				tc.prepare(t, dir)
			}
			got, reason, err := LoadOrIssueReason(dir, "srv", tc.useCA, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(reason, tc.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", reason, tc.wantReason)
			}
			kept := got.Cert.Equal(first.Cert)
			if kept != (tc.wantReason == "") {
				t.Errorf("kept = %v, reason %q", kept, reason)
			}
			if !tc.useCA.Signed(got.Cert) {
				t.Errorf("result not signed by the requested ca")
			}
			if tc.wantReason != "" {
				if saved, err := LoadPair(dir, "srv"); err != nil || !saved.Cert.Equal(got.Cert) {
					t.Errorf("reissued pair was not saved: err %v", err)
				}
			}
		})
	}
	if _, err := LoadOrIssue(t.TempDir(), "x", nil, base); err == nil {
		t.Errorf("nil ca accepted")
	}
}

// TestMutualTLS proves issued server and client certificates work in a real
// TLS handshake over loopback.
func TestMutualTLS(t *testing.T) {
	ca := mustCA(t, CAOptions{})
	srv, err := ca.Issue(LeafSpec{CommonName: "srv", IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := ca.Issue(LeafSpec{CommonName: "kubernetes-admin", Organization: []string{"system:masters"}, Usage: UsageClient})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{srv.TLSCertificate(ca.Cert)},
		ClientCAs:    ca.Pool(),
		ClientAuth:   tls.RequireAndVerifyClientCert,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	gotCN := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			gotCN <- "accept: " + err.Error()
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			gotCN <- "handshake: " + err.Error()
			return
		}
		gotCN <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		RootCAs:      ca.Pool(),
		Certificates: []tls.Certificate{cli.TLSCertificate()},
	})
	if err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	defer conn.Close()
	if cn := <-gotCN; cn != "kubernetes-admin" {
		t.Errorf("server saw %q", cn)
	}
}
