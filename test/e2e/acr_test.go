package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const zeroUser = "00000000-0000-0000-0000-000000000000"

// registryTransport reaches every <name>.azurecr.io at the instance's
// endpoint (the registries' public endpoint on the host), trusting the
// instance CA only: what a host client gets from a hosts-file line.
func (in *instanceT) registryTransport() http.RoundTripper {
	in.t.Helper()
	pem, err := os.ReadFile(in.dir.CAFile())
	if err != nil {
		in.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	u, _ := url.Parse(in.Endpoint)
	return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, _, _ := net.SplitHostPort(addr); !strings.HasSuffix(host, ".azurecr.io") {
				return nil, &net.AddrError{Err: "not a registry", Addr: addr}
			}
			return (&net.Dialer{}).DialContext(ctx, network, u.Host)
		}}
}

// pullAll reads an image's manifest, config and every layer, each checked
// against its digest by the client.
func pullAll(ref name.Reference, opts ...remote.Option) (v1.Hash, error) {
	img, err := remote.Image(ref, opts...)
	if err != nil {
		return v1.Hash{}, err
	}
	if _, err := img.RawConfigFile(); err != nil {
		return v1.Hash{}, err
	}
	layers, err := img.Layers()
	if err != nil {
		return v1.Hash{}, err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return v1.Hash{}, err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return v1.Hash{}, err
		}
	}
	return img.Digest()
}

// Azure Container Registry end to end from the host: the ARM resource and
// its rules through the CLI, a real push and pull with go-containerregistry
// after az acr login's token exchange, the admin user, the public access
// switch, the repository commands, and images kept across a restart.
func TestContainerRegistry(t *testing.T) {
	in := start(t, "--provider-registration-delay", "0s")
	in.mustAksbox("group", "create", "-n", "acrrg", "-l", "westus2")
	t.Cleanup(func() { in.aksbox("group", "delete", "-n", "acrrg", "--yes") })
	in.mustAksbox("provider", "register", "-n", "Microsoft.ContainerRegistry")

	reg := in.jsonOf("acr", "create", "-g", "acrrg", "-n", "Shipyard01", "--sku", "Basic")
	if reg["loginServer"] != "shipyard01.azurecr.io" || reg["sku"].(map[string]any)["name"] != "Basic" || reg["adminUserEnabled"] != false ||
		reg["publicNetworkAccess"] != "Enabled" || reg["provisioningState"] != "Succeeded" || reg["location"] != "westus2" {
		t.Fatalf("acr create: %v", reg)
	}
	// Names: ACR's rules, unique in the whole cloud.
	in.fails(1, "(InvalidParameterValue)", "acr", "create", "-g", "acrrg", "-n", "ab", "--sku", "Basic")
	in.fails(1, "(InvalidParameterValue)", "acr", "create", "-g", "acrrg", "-n", "ship-yard", "--sku", "Basic")
	in.mustAksbox("group", "create", "-n", "acrrg2", "-l", "eastus")
	t.Cleanup(func() { in.aksbox("group", "delete", "-n", "acrrg2", "--yes") })
	in.fails(1, "(AlreadyInUse) The registry DNS name shipyard01.azurecr.io is already in use", "acr", "create", "-g", "acrrg2", "-n", "SHIPYARD01", "--sku", "Basic")
	if got := in.tsv("acr", "check-name", "-n", "shipyard01", "--query", "[nameAvailable,reason]"); got != "false\nAlreadyExists" {
		t.Errorf("check-name of a taken name: %q", got)
	}
	if got := in.tsv("acr", "check-name", "-n", "freshname01", "--query", "nameAvailable"); got != "true" {
		t.Errorf("check-name of a free name: %q", got)
	}
	if got := in.tsv("acr", "list", "--query", "[].name"); got != "Shipyard01" {
		t.Errorf("acr list: %q", got)
	}
	// Only Premium may close its public endpoint; nothing changes when refused.
	in.fails(1, "(DisablingPublicNetworkAccessNotSupported)", "acr", "update", "-n", "shipyard01", "--public-network-enabled", "false")
	if got := in.tsv("acr", "show", "-n", "shipyard01", "--query", "publicNetworkAccess"); got != "Enabled" {
		t.Errorf("after a refused update: %s", got)
	}
	// The admin user: no credentials while disabled, two passwords once enabled.
	in.fails(1, "--admin-enabled true", "acr", "credential", "show", "-n", "shipyard01")
	in.mustAksbox("acr", "update", "-n", "shipyard01", "--admin-enabled", "true")
	adminPass := in.tsv("acr", "credential", "show", "-n", "shipyard01", "--query", "passwords[1].value")
	if user := in.tsv("acr", "credential", "show", "-n", "shipyard01", "--query", "username"); user != "Shipyard01" || len(adminPass) < 32 {
		t.Errorf("credential show: %q %q", user, adminPass)
	}

	// A real push from the host after az acr login's exchange.
	tr := in.registryTransport()
	ref, _ := name.ParseReference("shipyard01.azurecr.io/hello/app:v1")
	img, _ := random.Image(64<<10, 3)
	want, _ := img.Digest()
	if err := remote.Write(ref, img, remote.WithTransport(tr)); err == nil || !strings.Contains(err.Error(), "authentication required") {
		t.Fatalf("push without a token: %v", err)
	}
	token := in.tsv("acr", "login", "-n", "shipyard01", "--expose-token", "--query", "accessToken")
	owner := remote.WithAuth(&authn.Basic{Username: zeroUser, Password: token})
	if err := remote.Write(ref, img, remote.WithTransport(tr), owner); err != nil {
		t.Fatalf("push: %v", err)
	}
	if got, err := pullAll(ref, remote.WithTransport(tr), remote.WithAuth(&authn.Basic{Username: "shipyard01", Password: adminPass})); err != nil || got != want {
		t.Fatalf("pull as the admin user: %v %v", got, err)
	}
	if _, err := pullAll(ref, remote.WithTransport(tr), remote.WithAuth(&authn.Basic{Username: "shipyard01", Password: "wrong"})); err == nil {
		t.Errorf("pull with a wrong admin password worked")
	}
	if got := in.tsv("acr", "repository", "list", "-n", "shipyard01"); got != "hello/app" {
		t.Errorf("repository list: %q", got)
	}
	if got := in.tsv("acr", "repository", "show-tags", "-n", "shipyard01", "--repository", "hello/app"); got != "v1" {
		t.Errorf("repository show-tags: %q", got)
	}
	in.fails(1, `repository "nothere" is not found`, "acr", "repository", "show-tags", "-n", "shipyard01", "--repository", "nothere")
	missing, _ := name.ParseReference("shipyard01.azurecr.io/hello/app:v9")
	if _, err := remote.Get(missing, remote.WithTransport(tr), owner); err == nil || !strings.Contains(err.Error(), `manifest tagged by "v9" is not found`) {
		t.Errorf("a tag that does not exist: %v", err)
	}

	// Premium with public access disabled: the host is refused, with ACR's words.
	in.mustAksbox("acr", "update", "-n", "shipyard01", "--sku", "Premium", "--public-network-enabled", "false")
	in.fails(1, "is not allowed access", "acr", "login", "-n", "shipyard01", "--expose-token")
	if _, err := pullAll(ref, remote.WithTransport(tr), owner); err == nil || !strings.Contains(err.Error(), "not allowed access") {
		t.Errorf("pull through a disabled public endpoint: %v", err)
	}
	in.mustAksbox("acr", "update", "-n", "shipyard01", "--public-network-enabled", "true")

	// A restart keeps the images.
	in.stop()
	in.restart()
	if got, err := pullAll(ref, remote.WithTransport(in.registryTransport()), owner); err != nil || got != want {
		t.Fatalf("pull after a restart: %v %v", got, err)
	}
	if got := in.tsv("acr", "repository", "show-tags", "-n", "shipyard01", "--repository", "hello/app"); got != "v1" {
		t.Errorf("tags after a restart: %q", got)
	}

	// Deleting the registry deletes its images: the name made again is empty.
	in.mustAksbox("acr", "delete", "-n", "shipyard01", "--yes")
	in.mustAksbox("acr", "create", "-g", "acrrg2", "-n", "shipyard01", "--sku", "Standard")
	if got := in.tsv("acr", "repository", "list", "-n", "shipyard01"); got != "" {
		t.Errorf("repositories of a registry made again: %q", got)
	}
}
