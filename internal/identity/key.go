package identity

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/http"
	"os"
	"path/filepath"

	"github.com/aksbox/aksbox/internal/pki"
)

// SigningKeyFile is the name of the token signing key inside Config.Dir.
const SigningKeyFile = "token-signing.key"

// signingKey is the RSA key that signs access tokens, with its key ID.
type signingKey struct {
	priv *rsa.PrivateKey
	kid  string
}

// loadOrCreateSigningKey reads dir/token-signing.key or creates an RSA-2048
// key there (mode 0600).
func loadOrCreateSigningKey(dir string) (*signingKey, error) {
	path := filepath.Join(dir, SigningKeyFile)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := pki.DecodeKeyPEM(raw)
		if err != nil {
			return nil, fmt.Errorf("decoding signing key %s: %w", path, err)
		}
		priv, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("signing key %s is %T, want an rsa key", path, key)
		}
		return newSigningKey(priv), nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	key, err := pki.GenerateKey(pki.KeyRSA2048)
	if err != nil {
		return nil, fmt.Errorf("generating signing key: %w", err)
	}
	pemBytes, err := pki.EncodeKeyPEM(key)
	if err != nil {
		return nil, fmt.Errorf("encoding signing key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating key directory: %w", err)
	}
	if err := pki.WriteFileAtomic(path, pemBytes, 0o600); err != nil {
		return nil, fmt.Errorf("writing signing key: %w", err)
	}
	return newSigningKey(key.(*rsa.PrivateKey)), nil
}

func newSigningKey(priv *rsa.PrivateKey) *signingKey {
	return &signingKey{priv: priv, kid: thumbprint(&priv.PublicKey)}
}

// jwk is an RSA public key in JSON Web Key form.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Kid string `json:"kid,omitempty"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func rsaJWK(pub *rsa.PublicKey) jwk {
	return jwk{
		Kty: "RSA",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// thumbprint is the RFC 7638 JWK thumbprint (SHA-256, base64url) of the key,
// used as its kid: stable for a key and different for any other.
func thumbprint(pub *rsa.PublicKey) string {
	k := rsaJWK(pub)
	// RFC 7638: required members only, lexicographic order, no whitespace.
	canonical := fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, k.E, k.N)
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// KeyID returns the kid of the current signing key.
func (is *Issuer) KeyID() string { return is.key.kid }

// JWKS returns the JSON Web Key Set publishing the token signing key.
func (is *Issuer) JWKS() []byte {
	k := rsaJWK(&is.key.priv.PublicKey)
	k.Use, k.Alg, k.Kid = "sig", "RS256", is.key.kid
	raw, err := json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{k}})
	if err != nil { // cannot happen: only strings
		return []byte(`{"keys":[]}`)
	}
	return raw
}

func (is *Issuer) handleKeys(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=86400, private")
	_, _ = w.Write(is.JWKS())
}
