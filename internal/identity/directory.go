// Package identity is aksbox's stand-in for Microsoft Entra ID: a persisted
// directory (one tenant, its subscriptions and service principals), a token
// issuer serving the cloud metadata document, ADFS- and Entra-shaped OpenID
// discovery, JWKS and OAuth2 client-credentials token endpoints, and the
// bearer-token validation ARM performs on every request, with ARM's error
// codes and WWW-Authenticate challenge.
package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/aksbox/aksbox/internal/pki"
)

// DisplayName is the display name of the default subscription and principal.
const DisplayName = "aksbox"

// secretAlphabet avoids characters that need quoting in shells or URLs.
const (
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	secretLength   = 40
)

// Subscription is an Azure subscription of the directory's tenant.
type Subscription struct {
	SubscriptionID string `json:"subscriptionId"`
	DisplayName    string `json:"displayName"`
	State          string `json:"state"`
}

// Principal is a service principal (application) that signs in with a secret.
type Principal struct {
	ClientID    string `json:"clientId"` // a.k.a. appId
	ObjectID    string `json:"objectId"`
	Secret      string `json:"secret"`
	DisplayName string `json:"displayName"`
}

// Errors returned by VerifySecret.
var (
	ErrUnknownClient = errors.New("unknown client id")
	ErrInvalidSecret = errors.New("invalid client secret")
)

type directoryFile struct {
	TenantID          string         `json:"tenantId"`
	Subscriptions     []Subscription `json:"subscriptions"`
	ServicePrincipals []Principal    `json:"servicePrincipals"`
}

// Directory is the persisted tenant. It is safe for concurrent use.
type Directory struct {
	path string
	mu   sync.RWMutex
	data directoryFile
}

// LoadOrCreateDirectory loads the directory JSON at path, or creates one with
// a new tenant, subscription and service principal and saves it (mode 0600,
// parent directories 0700) when the file does not exist.
func LoadOrCreateDirectory(path string) (*Directory, error) {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		d := &Directory{path: path}
		if err := json.Unmarshal(raw, &d.data); err != nil {
			return nil, fmt.Errorf("parsing directory %s: %w", path, err)
		}
		if err := d.data.validate(); err != nil {
			return nil, fmt.Errorf("invalid directory %s: %w", path, err)
		}
		return d, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("reading directory: %w", err)
	}
	secret, err := NewSecret()
	if err != nil {
		return nil, err
	}
	d := &Directory{path: path, data: directoryFile{
		TenantID:      uuid.NewString(),
		Subscriptions: []Subscription{{SubscriptionID: uuid.NewString(), DisplayName: DisplayName, State: "Enabled"}},
		ServicePrincipals: []Principal{{
			ClientID: uuid.NewString(), ObjectID: uuid.NewString(), Secret: secret, DisplayName: DisplayName,
		}},
	}}
	if err := d.save(); err != nil {
		return nil, err
	}
	return d, nil
}

func (f *directoryFile) validate() error {
	if _, err := uuid.Parse(f.TenantID); err != nil {
		return fmt.Errorf("tenantId %q is not a uuid: %w", f.TenantID, err)
	}
	for _, s := range f.Subscriptions {
		if _, err := uuid.Parse(s.SubscriptionID); err != nil {
			return fmt.Errorf("subscriptionId %q is not a uuid: %w", s.SubscriptionID, err)
		}
	}
	for _, p := range f.ServicePrincipals {
		if _, err := uuid.Parse(p.ClientID); err != nil {
			return fmt.Errorf("clientId %q is not a uuid: %w", p.ClientID, err)
		}
		if _, err := uuid.Parse(p.ObjectID); err != nil {
			return fmt.Errorf("objectId %q is not a uuid: %w", p.ObjectID, err)
		}
		if p.Secret == "" {
			return fmt.Errorf("service principal %s has no secret", p.ClientID)
		}
	}
	return nil
}

func (d *Directory) save() error {
	raw, err := json.MarshalIndent(d.data, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding directory: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(d.path), 0o700); err != nil {
		return fmt.Errorf("creating directory folder: %w", err)
	}
	if err := pki.WriteFileAtomic(d.path, append(raw, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing directory: %w", err)
	}
	return nil
}

// NewSecret returns a random client secret of 40 alphanumeric characters.
func NewSecret() (string, error) {
	var b strings.Builder
	max := big.NewInt(int64(len(secretAlphabet)))
	for range secretLength {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("generating secret: %w", err)
		}
		b.WriteByte(secretAlphabet[n.Int64()])
	}
	return b.String(), nil
}

// Path is the file the directory is stored in.
func (d *Directory) Path() string { return d.path }

// TenantID is the directory's tenant ID.
func (d *Directory) TenantID() string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.TenantID
}

// Subscriptions returns a copy of the tenant's subscriptions.
func (d *Directory) Subscriptions() []Subscription {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]Subscription(nil), d.data.Subscriptions...)
}

// Subscription looks a subscription up by ID (case-insensitive).
func (d *Directory) Subscription(id string) (Subscription, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, s := range d.data.Subscriptions {
		if strings.EqualFold(s.SubscriptionID, id) {
			return s, true
		}
	}
	return Subscription{}, false
}

// Principals returns a copy of the service principals, secrets included.
func (d *Directory) Principals() []Principal {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]Principal(nil), d.data.ServicePrincipals...)
}

// Principal looks a service principal up by client (application) ID.
func (d *Directory) Principal(clientID string) (Principal, bool) {
	return d.find(func(p Principal) bool { return strings.EqualFold(p.ClientID, clientID) })
}

// PrincipalByObjectID looks a service principal up by object ID.
func (d *Directory) PrincipalByObjectID(objectID string) (Principal, bool) {
	return d.find(func(p Principal) bool { return strings.EqualFold(p.ObjectID, objectID) })
}

func (d *Directory) find(match func(Principal) bool) (Principal, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, p := range d.data.ServicePrincipals {
		if match(p) {
			return p, true
		}
	}
	return Principal{}, false
}

// VerifySecret returns the principal with clientID when secret is its
// secret. The comparison takes the same time whatever the secret or whether
// the client exists. Errors are ErrUnknownClient or ErrInvalidSecret.
func (d *Directory) VerifySecret(clientID, secret string) (Principal, error) {
	p, found := d.Principal(clientID)
	want := sha256.Sum256([]byte(p.Secret))
	got := sha256.Sum256([]byte(secret))
	match := subtle.ConstantTimeCompare(want[:], got[:]) == 1
	switch {
	case !found:
		return Principal{}, ErrUnknownClient
	case !match || p.Secret == "":
		return Principal{}, ErrInvalidSecret
	}
	return p, nil
}

// HasAccess reports whether the principal with objectID may access the
// subscription: every principal of the directory may access every
// subscription of it; anything else has no access.
func (d *Directory) HasAccess(objectID, subscriptionID string) bool {
	if _, ok := d.PrincipalByObjectID(objectID); !ok {
		return false
	}
	_, ok := d.Subscription(subscriptionID)
	return ok
}
