// Package cloud assembles one aksbox instance: the store, the identity
// endpoints, the ARM front door and every resource provider, served over
// HTTPS on one address until its context ends.
package cloud

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/identity"
	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/pki"
	"github.com/aksbox/aksbox/internal/portal"
	"github.com/aksbox/aksbox/internal/providers/authorization"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/providers/containerservice"
	"github.com/aksbox/aksbox/internal/providers/dnsresolver"
	"github.com/aksbox/aksbox/internal/providers/features"
	"github.com/aksbox/aksbox/internal/providers/managedidentity"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/providers/networkwatcher"
	"github.com/aksbox/aksbox/internal/providers/privatedns"
	"github.com/aksbox/aksbox/internal/providers/resources"
	"github.com/aksbox/aksbox/internal/registry"
	"github.com/aksbox/aksbox/internal/sandbox"
	"github.com/aksbox/aksbox/internal/store"
)

// Options configure an instance.
type Options struct {
	Dir    instance.Dir
	Listen string // host:port, loopback
	// FeatureRegistrationDelay: how long a feature stays Registering.
	FeatureRegistrationDelay time.Duration
	// ProviderRegistrationDelay: how long a provider stays Registering.
	ProviderRegistrationDelay time.Duration
	// PageSize of list answers before a nextLink (0: default).
	PageSize int
	// AKSRegions are where managed clusters can be created (default: the
	// seed document's seven); AKSPreviewGate requires AKSPrivateLinkPreview
	// for private clusters.
	AKSRegions     []string
	AKSPreviewGate bool
	// PortalSessionIdle ends a portal session after this long without a
	// request (0: an hour).
	PortalSessionIdle time.Duration
	// IdleSleep puts the control plane of a cluster nobody used for that
	// long to sleep until the next connection to it (0: never).
	IdleSleep time.Duration
	// WarmControlPlanes is how many control planes are kept started for
	// clusters to come (0: none; see controlplane.PoolOptions).
	WarmControlPlanes int
	Logger            *slog.Logger
	// Ready, if set, is called once the server accepts requests.
	Ready func(endpoint string)
}

// Run serves the instance until ctx ends, then stops cleanly.
func Run(ctx context.Context, o Options) error {
	log := o.Logger
	if err := os.MkdirAll(string(o.Dir), 0o700); err != nil {
		return fmt.Errorf("creating state dir: %w", err)
	}
	// One server per state dir: held until Run returns.
	unlock, err := o.Dir.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", o.Listen, err)
	}
	defer ln.Close()
	endpoint := "https://" + ln.Addr().String()
	host, _, _ := net.SplitHostPort(ln.Addr().String())

	ca, err := pki.LoadOrCreateCA(o.Dir.PKIDir(), "ca")
	if err != nil {
		return fmt.Errorf("loading the CA: %w", err)
	}
	serving, err := pki.LoadOrIssue(o.Dir.PKIDir(), "server", ca, pki.LeafSpec{
		CommonName: "aksbox", Usage: pki.UsageServer,
		// *.azurecr.io: the registries' public endpoint (see package registry).
		DNSNames: []string{"localhost", "*" + registry.Domain}, IPAddresses: servingIPs(host),
	})
	if err != nil {
		return fmt.Errorf("issuing the serving certificate: %w", err)
	}
	dir, err := identity.LoadOrCreateDirectory(o.Dir.IdentityFile())
	if err != nil {
		return err
	}
	issuer, err := identity.NewIssuer(identity.Config{Dir: o.Dir.IdentityDir(), BaseURL: endpoint, Directory: dir, Logger: log})
	if err != nil {
		return err
	}

	st, err := store.Open(ctx, o.Dir.StoreDir(), log)
	if err != nil {
		return err
	}
	defer st.Close()

	if o.PageSize > 0 {
		arm.DefaultPageSize = o.PageSize
	}
	workCtx, stopWork := context.WithCancel(context.Background())
	ops := arm.NewOperations(workCtx, st, log)
	// Background work ends before the store closes (deferred above).
	defer func() { stopWork(); ops.Wait() }()
	front := arm.NewServer(authenticator{issuer}, log)
	front.Fallback = http.NewServeMux()
	issuer.Register(front.Fallback)
	site, err := portal.New(portal.Options{ARM: front, Issuer: issuer, SessionIdle: o.PortalSessionIdle, Logger: log})
	if err != nil {
		return err
	}
	site.Register(front.Fallback)
	fab := openFabric(o.Dir, log)
	defer fab.Close()
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the aksbox binary: %w", err)
	}
	vms := sandbox.New(o.Dir.Path("vms"), self, log)
	var gw compute.Gateway
	if g := openSSH(o.Dir, vms, log); g != nil {
		defer g.(*sshGateway).Close()
		gw = g
	}
	closeProviders, registries, err := assemble(ctx, front, st, ops, issuer, fab, gw, runner{self: self, vms: vms},
		listener{cert: serving.TLSCertificate(), addr: ln.Addr().String()}, o, log)
	if closeProviders != nil {
		defer closeProviders()
	}
	if err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           byHost(front, registries.Public()),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{serving.TLSCertificate()}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 30 * time.Second,
		HTTP2:             registry.HTTP2,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	shutdown := func() {
		shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutCtx)
	}
	if err := o.Dir.WriteServer(instance.Server{Endpoint: endpoint, PID: os.Getpid(), Started: time.Now().UTC()}); err != nil {
		shutdown()
		return err
	}
	defer o.Dir.RemoveServer()
	log.Info("aksbox is serving", "endpoint", endpoint, "state", string(o.Dir))
	if o.Ready != nil {
		o.Ready(endpoint)
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	}
	log.Info("aksbox is stopping")
	shutdown()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// servingIPs are the addresses the serving certificate names.
func servingIPs(host string) []net.IP {
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() && !ip.Equal(ips[0]) && !ip.Equal(ips[1]) {
		ips = append(ips, ip)
	}
	return ips
}

// assemble adds every provider's routes to the front door, in order:
// specific routes before generic ones.
// The returned func stops what the providers run (control planes, node
// agents).
func assemble(ctx context.Context, front *arm.Server, st *store.Store, ops *arm.Operations, issuer *identity.Issuer, fab Fabric, gw compute.Gateway, run runner,
	serve listener, o Options, log *slog.Logger) (func(), *registry.Server, error) {
	dir := issuer.Directory()
	cat := arm.NewCatalog()
	rec := arm.NewRecords(st)
	rec.CacheReads(ctx, log)
	var subs []resources.Subscription
	for _, s := range dir.Subscriptions() {
		subs = append(subs, resources.Subscription{ID: s.SubscriptionID, DisplayName: s.DisplayName, State: s.State})
	}
	res := resources.New(rec, ops, cat, resources.Directory{TenantID: dir.TenantID(), TenantName: "aksbox", Subscriptions: subs},
		resources.Options{ProviderRegistrationDelay: o.ProviderRegistrationDelay}, log)
	feat := features.New(st, cat, features.Options{RegistrationDelay: o.FeatureRegistrationDelay}, log)
	addPlannedNamespaces(cat)

	ops.Routes(front)
	feat.Routes(front)
	res.Routes(front)
	deps := arm.KindDeps{Records: rec, Ops: ops, Catalog: cat, Log: log, Group: res.RequireGroup}
	netp := network.New(rec, fab, network.Options{PublicIPPool: PublicIPPool(o.Dir)}, log)
	netp.Routes(front, deps)
	netp.UseClient(front.Client())
	comp := compute.New(rec, fab, gw, run.vms, log)
	comp.Routes(front, deps)
	netp.SetNICOwner(comp.NICOwner)
	netp.OnDNSServers(comp.RenewDNS)
	dnsp := privatedns.New(rec, log)
	dnsp.Routes(front, deps)
	dnsp.SetPublicGroup(containerservice.PublicDNSGroup(managedSubscription(dir)))
	dnsr := dnsresolver.New(rec, fab, netp, log)
	dnsr.Routes(front, deps)
	netp.AddAddressUsers(dnsr.AddressUsers)
	netp.AddServiceLinks(dnsr.ServiceLinks)
	fab.SetResolver(dnsr.Resolver(dnsp))
	nw := networkwatcher.New(rec, fab, log)
	nw.UseResolvers(dnsr)
	nw.Routes(front, deps, network.APIVersions)
	// Identities are records only: a deleted group's records take them along.
	ids := managedidentity.New(rec, dir.TenantID(), log)
	ids.Routes(front, deps)
	authz := authorization.New(rec)
	acr, registries, err := newContainerRegistry(front, rec, issuer, authz, netp, fab, serve.cert, o, log)
	if err != nil {
		return nil, nil, err
	}
	nodesPull, err := nodeRegistries(o, registries, serve.addr)
	if err != nil {
		return nil, nil, err
	}
	aks := newContainerService(front, rec, st, fab, run, feat, dir, nodesPull, o, log)
	aks.UseIdentities(func(ctx context.Context, id string) (string, string, error) {
		u, err := ids.Get(ctx, id)
		if err != nil {
			return "", "", err
		}
		return u.Properties.PrincipalID, u.Properties.ClientID, nil
	}, authz.Holds)
	aks.Routes(front, deps)
	aks.UsePrivateLink(netp)
	acr.Routes(front, deps)
	closeAll := func() { registries.Close(); aks.Close() }
	// The kinds that make things real, each provider's in its own order,
	// providers in the order they depend on each other: resumed in this
	// order on start, undone in reverse when their group is deleted.
	var realized []*arm.Kind
	for _, p := range []interface{ Realized() []*arm.Kind }{netp, dnsr, comp, aks, acr} {
		realized = append(realized, p.Realized()...)
	}
	for i := len(realized) - 1; i >= 0; i-- {
		res.AddCascade(realized[i].UnrealizeGroup)
	}

	unknownProviderRoutes(front, cat, res, authz)
	if err := res.Resume(ctx); err != nil {
		return closeAll, registries, err
	}
	for _, k := range realized {
		if err := k.Resume(ctx); err != nil {
			return closeAll, registries, err
		}
	}
	return closeAll, registries, ops.Sweep(ctx)
}

// listener is the serve listener as the providers need it: its certificate
// (which also serves the registries' private sides) and its address (the
// registries' public endpoint, where public clusters' nodes reach them).
type listener struct {
	cert tls.Certificate
	addr string
}

// authenticator adapts the identity issuer to the front door.
type authenticator struct{ is *identity.Issuer }

func (a authenticator) Authenticate(r *http.Request) (arm.Caller, string, error) {
	c, err := a.is.Authenticate(r)
	if err != nil {
		var ae *identity.AuthError
		if errors.As(err, &ae) {
			return arm.Caller{}, a.is.Challenge(err), &arm.Error{Status: ae.Status, Code: ae.Code, Message: ae.Message}
		}
		return arm.Caller{}, a.is.Challenge(err), err
	}
	return arm.Caller{ClientID: c.ClientID, ObjectID: c.ObjectID, TenantID: c.TenantID}, "", nil
}

func (a authenticator) Subscription(c arm.Caller, sub string) (string, bool) {
	d := a.is.Directory()
	s, ok := d.Subscription(sub)
	if !ok || !d.HasAccess(c.ObjectID, s.SubscriptionID) {
		return "", false
	}
	return s.SubscriptionID, true
}
