package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"time"
)

// Usage selects the extended key usages of a leaf certificate.
type Usage int

// Usage flags; combine with |. Zero means UsageServer.
const (
	UsageServer Usage = 1 << iota // TLS server authentication
	UsageClient                   // TLS client authentication
)

// LeafSpec describes a leaf certificate to issue.
type LeafSpec struct {
	// CommonName is the subject CN: for a Kubernetes client certificate the
	// user name, e.g. "kubernetes-admin" or "system:node:node1".
	CommonName string
	// Organization is the subject O list: for Kubernetes the groups, e.g.
	// "system:masters".
	Organization []string
	DNSNames     []string
	IPAddresses  []net.IP
	Usage        Usage
	Validity     time.Duration // default DefaultLeafValidity
	KeyType      KeyType       // default KeyECDSAP256
	// RenewBefore makes LoadOrIssue replace a certificate that expires within
	// this duration. Default: a third of Validity.
	RenewBefore time.Duration
	Now         func() time.Time
}

func (s LeafSpec) validity() time.Duration {
	if s.Validity <= 0 {
		return DefaultLeafValidity
	}
	return s.Validity
}

func (s LeafSpec) renewBefore() time.Duration {
	if s.RenewBefore > 0 {
		return s.RenewBefore
	}
	return s.validity() / 3
}

func (s LeafSpec) extKeyUsages() []x509.ExtKeyUsage {
	u := s.Usage
	if u == 0 {
		u = UsageServer
	}
	var out []x509.ExtKeyUsage
	if u&UsageServer != 0 {
		out = append(out, x509.ExtKeyUsageServerAuth)
	}
	if u&UsageClient != 0 {
		out = append(out, x509.ExtKeyUsageClientAuth)
	}
	return out
}

// Pair is a certificate with its private key, plus their PEM encodings.
type Pair struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
}

func newPair(cert *x509.Certificate, key crypto.Signer) (*Pair, error) {
	keyPEM, err := EncodeKeyPEM(key)
	if err != nil {
		return nil, err
	}
	return &Pair{Cert: cert, Key: key, CertPEM: EncodeCertPEM(cert), KeyPEM: keyPEM}, nil
}

// TLSCertificate returns the pair as a tls.Certificate. When chain is given
// (usually the issuing CA) it is appended after the leaf.
func (p *Pair) TLSCertificate(chain ...*x509.Certificate) tls.Certificate {
	c := tls.Certificate{Certificate: [][]byte{p.Cert.Raw}, PrivateKey: p.Key, Leaf: p.Cert}
	for _, ca := range chain {
		c.Certificate = append(c.Certificate, ca.Raw)
	}
	return c
}

// Issue creates a new key and a certificate for it, signed by the CA.
func (ca *CA) Issue(spec LeafSpec) (*Pair, error) {
	if spec.CommonName == "" && len(spec.DNSNames) == 0 && len(spec.IPAddresses) == 0 {
		return nil, errors.New("issuing certificate: spec needs a common name or at least one san")
	}
	now := nowFunc(spec.Now)()
	key, err := GenerateKey(spec.KeyType)
	if err != nil {
		return nil, fmt.Errorf("generating key for %q: %w", spec.CommonName, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	notAfter := now.Add(spec.validity())
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter // never outlive the issuer
	}
	keyUsage := x509.KeyUsageDigitalSignature
	if _, isRSA := key.(*rsa.PrivateKey); isRSA {
		keyUsage |= x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: spec.CommonName, Organization: spec.Organization},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              keyUsage,
		ExtKeyUsage:           spec.extKeyUsages(),
		BasicConstraintsValid: true,
		DNSNames:              spec.DNSNames,
		IPAddresses:           spec.IPAddresses,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("creating certificate for %q: %w", spec.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate for %q: %w", spec.CommonName, err)
	}
	return newPair(cert, key)
}

// ReissueReason says why the pair does not satisfy spec under this CA, or ""
// when it does. It checks presence, that the key matches the certificate, the
// CA signature, expiry (including spec.RenewBefore), the SANs, the subject
// CN/O and the extended key usages.
func (ca *CA) ReissueReason(p *Pair, spec LeafSpec) string {
	if p == nil || p.Cert == nil || p.Key == nil {
		return "certificate or key missing"
	}
	if !publicKeysEqual(p.Key.Public(), p.Cert.PublicKey) {
		return "private key does not match certificate"
	}
	if !ca.Signed(p.Cert) {
		return "certificate not signed by the current ca"
	}
	now := nowFunc(spec.Now)()
	if !now.Before(p.Cert.NotAfter) {
		return "certificate expired"
	}
	if now.Add(spec.renewBefore()).After(p.Cert.NotAfter) {
		return "certificate near expiry"
	}
	if !sameStrings(p.Cert.DNSNames, spec.DNSNames) {
		return fmt.Sprintf("dns names differ: have %v, want %v", p.Cert.DNSNames, spec.DNSNames)
	}
	if !sameIPs(p.Cert.IPAddresses, spec.IPAddresses) {
		return fmt.Sprintf("ip addresses differ: have %v, want %v", p.Cert.IPAddresses, spec.IPAddresses)
	}
	if p.Cert.Subject.CommonName != spec.CommonName {
		return fmt.Sprintf("common name differs: have %q, want %q", p.Cert.Subject.CommonName, spec.CommonName)
	}
	if !sameStrings(p.Cert.Subject.Organization, spec.Organization) {
		return fmt.Sprintf("organization differs: have %v, want %v", p.Cert.Subject.Organization, spec.Organization)
	}
	if !sameUsages(p.Cert.ExtKeyUsage, spec.extKeyUsages()) {
		return "extended key usage differs"
	}
	return ""
}

func sameStrings(a, b []string) bool {
	set := make(map[string]int, len(a))
	for _, s := range a {
		set[s]++
	}
	for _, s := range b {
		set[s]--
	}
	for _, n := range set {
		if n != 0 {
			return false
		}
	}
	return true
}

func sameIPs(a, b []net.IP) bool {
	as := make([]string, len(a))
	for i, ip := range a {
		as[i] = ip.String()
	}
	bs := make([]string, len(b))
	for i, ip := range b {
		bs[i] = ip.String()
	}
	return sameStrings(as, bs)
}

func sameUsages(a, b []x509.ExtKeyUsage) bool {
	as := make([]string, len(a))
	for i, u := range a {
		as[i] = fmt.Sprint(int(u))
	}
	bs := make([]string, len(b))
	for i, u := range b {
		bs[i] = fmt.Sprint(int(u))
	}
	return sameStrings(as, bs)
}
