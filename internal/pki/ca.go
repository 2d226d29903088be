// Package pki creates small X.509 public key infrastructures: a self-signed
// certificate authority, leaf certificates issued by it for TLS servers and
// clients (including Kubernetes-style client certificates whose CN is the user
// and whose O entries are the groups), PEM encoding, and persistence of
// certificate/key pairs in a directory with private keys readable only by the
// owner.
//
// The same package serves the aksbox HTTPS endpoint and, later, the PKI of each
// emulated Kubernetes cluster, so nothing in it is specific to either.
package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"time"
)

// Default lifetimes.
const (
	DefaultCAValidity   = 10 * 365 * 24 * time.Hour
	DefaultLeafValidity = 365 * 24 * time.Hour
	// backdate is subtracted from NotBefore so that peers with slightly
	// late clocks accept a freshly issued certificate.
	backdate = 5 * time.Minute
)

// CA is a certificate authority: its self-signed certificate and private key.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CAOptions configures NewCA. Zero values select the defaults.
type CAOptions struct {
	CommonName   string        // default "aksbox-ca"
	Organization []string      // optional subject O entries
	Validity     time.Duration // default DefaultCAValidity
	KeyType      KeyType       // default KeyECDSAP256
	Now          func() time.Time
}

// NewCA creates a new self-signed certificate authority.
func NewCA(opts CAOptions) (*CA, error) {
	if opts.CommonName == "" {
		opts.CommonName = "aksbox-ca"
	}
	if opts.Validity <= 0 {
		opts.Validity = DefaultCAValidity
	}
	now := nowFunc(opts.Now)()
	key, err := GenerateKey(opts.KeyType)
	if err != nil {
		return nil, fmt.Errorf("generating ca key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	skid, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: opts.CommonName, Organization: opts.Organization},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(opts.Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          skid,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("creating ca certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing ca certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// CertPEM returns the CA certificate in PEM form, e.g. for a trust bundle.
func (ca *CA) CertPEM() []byte { return EncodeCertPEM(ca.Cert) }

// Pool returns a certificate pool containing only this CA.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// Signed reports whether cert carries a valid signature of this CA.
func (ca *CA) Signed(cert *x509.Certificate) bool {
	if cert == nil {
		return false
	}
	return cert.CheckSignatureFrom(ca.Cert) == nil
}

// Pair returns the CA as a certificate/key pair (for saving).
func (ca *CA) Pair() (*Pair, error) { return newPair(ca.Cert, ca.Key) }

// LoadOrCreateCA loads the CA stored as name.crt/name.key in dir, or creates
// and saves a new one (with default options and CommonName name) when neither
// file exists or the stored CA has expired. A half-present or unreadable CA is
// an error rather than silently replaced, since replacing it invalidates every
// certificate it signed.
func LoadOrCreateCA(dir, name string) (*CA, error) {
	return LoadOrCreateCAWithOptions(dir, name, CAOptions{CommonName: name})
}

// LoadOrCreateCAWithOptions is LoadOrCreateCA with explicit creation options.
func LoadOrCreateCAWithOptions(dir, name string, opts CAOptions) (*CA, error) {
	p, err := LoadPair(dir, name)
	switch {
	case err == nil:
		if !p.Cert.IsCA {
			return nil, fmt.Errorf("loading ca %q: %s is not a ca certificate", name, CertPath(dir, name))
		}
		if nowFunc(opts.Now)().Before(p.Cert.NotAfter) {
			return &CA{Cert: p.Cert, Key: p.Key}, nil
		}
		// Expired: an expired CA is useless, replace it below.
	case errors.Is(err, fs.ErrNotExist):
		if exists(CertPath(dir, name)) || exists(KeyPath(dir, name)) {
			return nil, fmt.Errorf("loading ca %q: only one of %s and %s exists; remove it to create a new ca: %w",
				name, CertPath(dir, name), KeyPath(dir, name), err)
		}
	default:
		return nil, fmt.Errorf("loading ca %q: %w", name, err)
	}
	if opts.CommonName == "" {
		opts.CommonName = name
	}
	ca, err := NewCA(opts)
	if err != nil {
		return nil, err
	}
	pair, err := ca.Pair()
	if err != nil {
		return nil, err
	}
	if err := SavePair(dir, name, pair); err != nil {
		return nil, fmt.Errorf("saving ca %q: %w", name, err)
	}
	return ca, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func nowFunc(f func() time.Time) func() time.Time {
	if f == nil {
		return time.Now
	}
	return f
}

func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("generating serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// subjectKeyID follows RFC 5280 section 4.2.1.2 method 1 (SHA-1 of the
// subject public key bits).
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshaling public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:], nil
}
