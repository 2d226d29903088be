package cloud

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/identity"
	"github.com/aksbox/aksbox/internal/nodeagent"
	"github.com/aksbox/aksbox/internal/providers/authorization"
	"github.com/aksbox/aksbox/internal/providers/containerregistry"
	"github.com/aksbox/aksbox/internal/providers/containerservice"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/registry"
)

// newContainerRegistry makes the registries' provider and their data
// plane, whose storage is under the state directory's registries/.
func newContainerRegistry(front *arm.Server, rec *arm.Records, issuer *identity.Issuer, authz *authorization.Provider, netp *network.Provider,
	fab Fabric, cert tls.Certificate, o Options, log *slog.Logger) (*containerregistry.Provider, *registry.Server, error) {
	var acr *containerregistry.Provider
	dir := issuer.Directory()
	verify := func(ctx context.Context, token string) (string, error) {
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		c, err := issuer.Authenticate(r)
		if err != nil {
			return "", err
		}
		return c.ObjectID, nil
	}
	data, err := registry.New(o.Dir.Path("registries"), lookup{&acr}, verify, cert, log)
	if err != nil {
		return nil, nil, err
	}
	managed := managedSubscription(dir)
	acr = containerregistry.New(rec, data, netp, front.Client(), fab, containerregistry.Options{
		ManagedSubscription: managed, PublicDNSGroup: containerservice.PublicDNSGroup(managed)}, log)
	acr.UseAccess(containerregistry.Access{OwnsSubscription: dir.HasAccess, Holds: authz.Holds})
	return acr, data, nil
}

// nodeRegistries is how nodes pull from the registries: through their own
// network and DNS, trusting the instance CA, with a refresh token for
// their kubelet identity — what the kubelet's credential provider gets
// from the instance metadata service (which, as in Azure, is not on the
// VNet's path).
//
// The nodes of a public cluster reach the registries where the host does:
// at publicEndpoint (host:port on loopback), the registries' public
// endpoint.
func nodeRegistries(o Options, data *registry.Server, publicEndpoint string) (func(string, bool) *nodeagent.Registries, error) {
	ca, err := os.ReadFile(o.Dir.CAFile())
	if err != nil {
		return nil, fmt.Errorf("reading the instance CA: %w", err)
	}
	return func(principal string, public bool) *nodeagent.Registries {
		endpoint := ""
		if public {
			endpoint = publicEndpoint
		}
		return &nodeagent.Registries{Domain: registry.Domain, CA: ca, Endpoint: endpoint,
			Credential: func(ctx context.Context, loginServer string) (string, string, error) {
				if principal == "" {
					return "", "", fmt.Errorf("the cluster has no kubelet identity")
				}
				tok, err := data.RefreshTokenFor(principal, loginServer)
				return registry.TokenUser, tok, err
			}}
	}, nil
}

// lookup lets the data plane reach the provider made after it.
type lookup struct{ p **containerregistry.Provider }

func (l lookup) Lookup(ctx context.Context, name string) (registry.Info, bool, error) {
	return (*l.p).Lookup(ctx, name)
}

func (l lookup) Access(ctx context.Context, principal string, info registry.Info) (bool, bool, error) {
	return (*l.p).Access(ctx, principal, info)
}

// byHost sends requests for a registry's host name to the registries'
// public endpoint, the rest to the front door.
func byHost(front, registries http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if registry.Handles(r.Host) {
			registries.ServeHTTP(w, r)
			return
		}
		front.ServeHTTP(w, r)
	})
}
