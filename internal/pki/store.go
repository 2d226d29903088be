package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File modes used when saving.
const (
	dirMode  = 0o700
	certMode = 0o644
	keyMode  = 0o600
)

// CertPath is where a pair called name is stored in dir: dir/name.crt.
func CertPath(dir, name string) string { return filepath.Join(dir, name+".crt") }

// KeyPath is where the private key of a pair called name is stored in dir:
// dir/name.key.
func KeyPath(dir, name string) string { return filepath.Join(dir, name+".key") }

// SavePair writes p as dir/name.crt (0644) and dir/name.key (0600), creating
// dir (0700) if needed. Each file is written to a temporary file and renamed
// into place so readers never see a partial file.
func SavePair(dir, name string, p *Pair) error {
	if p == nil || p.Cert == nil || p.Key == nil {
		return errors.New("saving pair: certificate or key missing")
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	keyPEM := p.KeyPEM
	if len(keyPEM) == 0 {
		var err error
		if keyPEM, err = EncodeKeyPEM(p.Key); err != nil {
			return err
		}
	}
	certPEM := p.CertPEM
	if len(certPEM) == 0 {
		certPEM = EncodeCertPEM(p.Cert)
	}
	// Key first: a crash between the two writes then leaves a new key with an
	// old certificate, which LoadOrIssue detects as a mismatch and repairs.
	if err := WriteFileAtomic(KeyPath(dir, name), keyPEM, keyMode); err != nil {
		return fmt.Errorf("writing %s key: %w", name, err)
	}
	if err := WriteFileAtomic(CertPath(dir, name), certPEM, certMode); err != nil {
		return fmt.Errorf("writing %s certificate: %w", name, err)
	}
	return nil
}

// LoadPair reads dir/name.crt and dir/name.key. A missing file yields an error
// matching fs.ErrNotExist.
func LoadPair(dir, name string) (*Pair, error) {
	certPEM, err := os.ReadFile(CertPath(dir, name))
	if err != nil {
		return nil, fmt.Errorf("reading %s certificate: %w", name, err)
	}
	keyPEM, err := os.ReadFile(KeyPath(dir, name))
	if err != nil {
		return nil, fmt.Errorf("reading %s key: %w", name, err)
	}
	cert, err := DecodeCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", CertPath(dir, name), err)
	}
	key, err := DecodeKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", KeyPath(dir, name), err)
	}
	if !publicKeysEqual(key.Public(), cert.PublicKey) {
		return nil, fmt.Errorf("loading %s: %w", name, ErrKeyMismatch)
	}
	return &Pair{Cert: cert, Key: key, CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// ErrKeyMismatch is returned by LoadPair when the key does not belong to the
// certificate.
var ErrKeyMismatch = errors.New("private key does not match certificate")

// LoadOrIssue returns the pair stored as name in dir when it still satisfies
// spec under ca (see ReissueReason); otherwise it issues a new pair and saves
// it. Unreadable or mismatched files are replaced as well.
func LoadOrIssue(dir, name string, ca *CA, spec LeafSpec) (*Pair, error) {
	p, _, err := LoadOrIssueReason(dir, name, ca, spec)
	return p, err
}

// LoadOrIssueReason is LoadOrIssue that also returns why a new certificate was
// issued ("" when the stored one was kept), for logging.
func LoadOrIssueReason(dir, name string, ca *CA, spec LeafSpec) (*Pair, string, error) {
	if ca == nil {
		return nil, "", errors.New("issuing certificate: nil ca")
	}
	var reason string
	p, err := LoadPair(dir, name)
	switch {
	case err == nil:
		reason = ca.ReissueReason(p, spec)
		if reason == "" {
			return p, "", nil
		}
	case errors.Is(err, fs.ErrNotExist):
		reason = "certificate or key missing"
	default:
		reason = err.Error()
	}
	p, err = ca.Issue(spec)
	if err != nil {
		return nil, "", err
	}
	if err := SavePair(dir, name, p); err != nil {
		return nil, "", err
	}
	return p, reason, nil
}

// WriteFileAtomic writes data to path with the given mode via a temporary
// file in the same directory and a rename.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	tmpName := tmp.Name()
	cleanup := func() { _ = os.Remove(tmpName) }
	if err := tmp.Chmod(mode); err != nil {
		_ = tmp.Close()
		cleanup()
		return fmt.Errorf("setting mode of %s: %w", tmpName, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		cleanup()
		return fmt.Errorf("writing %s: %w", tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		cleanup()
		return fmt.Errorf("syncing %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return fmt.Errorf("closing %s: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		cleanup()
		return fmt.Errorf("renaming %s to %s: %w", tmpName, path, err)
	}
	return nil
}
