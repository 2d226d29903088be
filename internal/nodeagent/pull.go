package nodeagent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registries is how a node pulls images from the cloud's own registries.
// An image whose registry host ends in Domain is pulled for real: the host
// is resolved through the node's DNS, the connection opened from the
// node's network, and the node authenticates with Credential (its kubelet
// identity); the manifest and the config are fetched and the layers'
// digests read from the manifest. Images of any other registry count as
// present (there is no internet to pull them from).
type Registries struct {
	Domain string // e.g. ".azurecr.io"
	CA     []byte // PEM the registries' certificates chain to
	// Credential returns the user and password the node presents to a
	// login server: what the kubelet's credential provider gets for its
	// identity.
	Credential func(ctx context.Context, loginServer string) (user, password string, err error)
	// Endpoint, when set, is where every registry is reached (host:port,
	// dialed with Config.Dial) instead of through the node's DNS: the
	// registries' public endpoint, for nodes whose way to the internet is
	// the host's loopback (those of public clusters).
	Endpoint string
}

// Kubelet's image pull back-off: 10 s, doubling, at most 5 minutes.
const (
	DefaultPullBackoff = 10 * time.Second
	maxPullBackoff     = 5 * time.Minute
)

// puller pulls images for one node and remembers those it has.
type puller struct {
	r         *Registries
	transport *http.Transport
	mu        sync.Mutex
	have      map[string]string // image → digest
}

func newPuller(c Config, d *dialer) (*puller, error) {
	if c.Registries == nil {
		return &puller{}, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(c.Registries.CA) {
		return nil, errors.New("nodeagent config: no certificate in the registries' CA PEM")
	}
	dial := d.DialContext
	if ep := c.Registries.Endpoint; ep != "" {
		dial = func(ctx context.Context, network, _ string) (net.Conn, error) { return c.Dial(ctx, network, ep) }
	}
	tr := &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 30 * time.Second, MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second}
	return &puller{r: c.Registries, transport: tr, have: map[string]string{}}, nil
}

// pulled tells whether image needs no pull: present, or not the cloud's.
func (p *puller) pulled(image string) bool {
	if p.r == nil {
		return true
	}
	ref, err := name.ParseReference(image)
	if err != nil || !strings.HasSuffix(strings.ToLower(ref.Context().RegistryStr()), p.r.Domain) {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.have[image]
	return ok
}

// pull fetches image's manifest and config over the node's network and
// returns its digest; the error reads as containerd's does.
func (p *puller) pull(ctx context.Context, image string) (string, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return "", fmt.Errorf("failed to pull and unpack image %q: %v", image, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	host := ref.Context().RegistryStr()
	user, pass, err := p.r.Credential(ctx, host)
	if err != nil {
		return "", fmt.Errorf("failed to pull and unpack image %q: getting the node's credential for %s: %v", ref.Name(), host, err)
	}
	img, err := remote.Image(ref, remote.WithContext(ctx), remote.WithTransport(p.transport),
		remote.WithAuth(&authn.Basic{Username: user, Password: pass}))
	if err == nil {
		_, err = img.RawConfigFile()
	}
	if err != nil {
		return "", fmt.Errorf("failed to pull and unpack image %q: failed to resolve reference %q: %v", ref.Name(), ref.Name(), err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	if _, err := img.Layers(); err != nil {
		return "", fmt.Errorf("failed to pull and unpack image %q: %v", ref.Name(), err)
	}
	p.mu.Lock()
	p.have[image] = d.String()
	p.mu.Unlock()
	return d.String(), nil
}

func (p *puller) close() {
	if p.transport != nil {
		p.transport.CloseIdleConnections()
	}
}
