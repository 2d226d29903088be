package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"strings"
	"testing"
	"time"
)

func mustCA(t *testing.T, opts CAOptions) *CA {
	t.Helper()
	ca, err := NewCA(opts)
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	return ca
}

func TestNewCA(t *testing.T) {
	fixed := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		opts     CAOptions
		wantCN   string
		wantKey  string
		validity time.Duration
	}{
		{"defaults", CAOptions{}, "aksbox-ca", "*ecdsa.PrivateKey", DefaultCAValidity},
		{"rsa", CAOptions{CommonName: "k8s-ca", KeyType: KeyRSA2048, Validity: 48 * time.Hour, Now: func() time.Time { return fixed }},
			"k8s-ca", "*rsa.PrivateKey", 48 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ca := mustCA(t, tc.opts)
			if !ca.Cert.IsCA || !ca.Cert.BasicConstraintsValid {
				t.Fatalf("not a ca certificate")
			}
			if ca.Cert.Subject.CommonName != tc.wantCN {
				t.Errorf("cn = %q, want %q", ca.Cert.Subject.CommonName, tc.wantCN)
			}
			if got := typeName(ca.Key); got != tc.wantKey {
				t.Errorf("key type = %s, want %s", got, tc.wantKey)
			}
			if err := ca.Cert.CheckSignatureFrom(ca.Cert); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if len(ca.Cert.SubjectKeyId) == 0 {
				t.Errorf("missing subject key id")
			}
			if got := ca.Cert.NotAfter.Sub(ca.Cert.NotBefore); got != tc.validity+backdate {
				t.Errorf("lifetime = %v, want %v", got, tc.validity+backdate)
			}
			if tc.opts.Now != nil && !ca.Cert.NotAfter.Equal(fixed.Add(tc.validity)) {
				t.Errorf("not after = %v, want %v", ca.Cert.NotAfter, fixed.Add(tc.validity))
			}
		})
	}
	if _, err := NewCA(CAOptions{KeyType: "dsa"}); err == nil || !strings.Contains(err.Error(), "unsupported key type") {
		t.Errorf("unknown key type: err = %v", err)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *ecdsa.PrivateKey:
		return "*ecdsa.PrivateKey"
	case *rsa.PrivateKey:
		return "*rsa.PrivateKey"
	}
	return "other"
}

func TestIssue(t *testing.T) {
	ca := mustCA(t, CAOptions{})
	tests := []struct {
		name      string
		spec      LeafSpec
		verifyUse []x509.ExtKeyUsage
		dnsName   string
		wantErr   string
	}{
		{"server dns and ip", LeafSpec{CommonName: "aksbox", DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}},
			[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, "localhost", ""},
		{"kubernetes client", LeafSpec{CommonName: "kubernetes-admin", Organization: []string{"system:masters"}, Usage: UsageClient},
			[]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, "", ""},
		{"server and client rsa", LeafSpec{CommonName: "etcd", DNSNames: []string{"etcd.local"}, Usage: UsageServer | UsageClient, KeyType: KeyRSA2048},
			[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, "etcd.local", ""},
		{"empty spec", LeafSpec{}, nil, "", "needs a common name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ca.Issue(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			for _, use := range tc.verifyUse {
				_, err := p.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: tc.dnsName, KeyUsages: []x509.ExtKeyUsage{use}})
				if err != nil {
					t.Errorf("verify for usage %v: %v", use, err)
				}
			}
			if p.Cert.IsCA {
				t.Errorf("leaf is a ca")
			}
			if !sameStrings(p.Cert.Subject.Organization, tc.spec.Organization) {
				t.Errorf("organization = %v", p.Cert.Subject.Organization)
			}
			if reason := ca.ReissueReason(p, tc.spec); reason != "" {
				t.Errorf("fresh pair needs reissue: %s", reason)
			}
			if _, err := DecodeKeyPEM(p.KeyPEM); err != nil {
				t.Errorf("key pem: %v", err)
			}
		})
	}
}

func TestIssueNeverOutlivesCA(t *testing.T) {
	ca := mustCA(t, CAOptions{Validity: 24 * time.Hour})
	p, err := ca.Issue(LeafSpec{CommonName: "x", Validity: 1000 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if p.Cert.NotAfter.After(ca.Cert.NotAfter) {
		t.Errorf("leaf expires %v after ca %v", p.Cert.NotAfter, ca.Cert.NotAfter)
	}
}

func TestPEMRoundTrip(t *testing.T) {
	ca := mustCA(t, CAOptions{})
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8EC, err := EncodeKeyPEM(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8RSA, err := EncodeKeyPEM(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	keyTests := []struct {
		name    string
		data    []byte
		want    crypto.Signer
		wantErr string
	}{
		{"pkcs8 ec", pkcs8EC, ecKey, ""},
		{"pkcs8 rsa", pkcs8RSA, rsaKey, ""},
		{"pkcs1 rsa", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), rsaKey, ""},
		{"sec1 ec after a certificate", append(ca.CertPEM(), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})...), ecKey, ""},
		{"no key", ca.CertPEM(), nil, "no private key pem block"},
		{"garbage", []byte("hello"), nil, "no private key pem block"},
		{"corrupt", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), nil, "parsing PRIVATE KEY"},
	}
	for _, tc := range keyTests {
		t.Run("key/"+tc.name, func(t *testing.T) {
			got, err := DecodeKeyPEM(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !publicKeysEqual(got.Public(), tc.want.Public()) {
				t.Errorf("decoded key differs")
			}
		})
	}

	leaf, err := ca.Issue(LeafSpec{CommonName: "leaf"})
	if err != nil {
		t.Fatal(err)
	}
	bundle := append(append([]byte{}, leaf.CertPEM...), ca.CertPEM()...)
	certs, err := DecodeCertsPEM(bundle)
	if err != nil || len(certs) != 2 || !certs[0].Equal(leaf.Cert) || !certs[1].Equal(ca.Cert) {
		t.Fatalf("DecodeCertsPEM: %d certs, err %v", len(certs), err)
	}
	first, err := DecodeCertPEM(bundle)
	if err != nil || !first.Equal(leaf.Cert) {
		t.Fatalf("DecodeCertPEM: %v", err)
	}
	if _, err := DecodeCertPEM(pkcs8EC); err == nil {
		t.Errorf("DecodeCertPEM accepted a key")
	}
	if !bytes.HasPrefix(EncodeCertPEM(ca.Cert), []byte("-----BEGIN CERTIFICATE-----")) {
		t.Errorf("EncodeCertPEM header")
	}
}
