package fabric

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
)

// Fabric realizes virtual networks, hosts, NICs, peerings and DNS servers
// with network namespaces whose names all start with one prefix.
type Fabric struct {
	names namer
	log   *slog.Logger

	resolver atomic.Pointer[resolverBox]

	mu  sync.Mutex // serializes every change to the topology
	dns map[string]*dnsServer
	// listeners are the extra DNS servers, by router namespace and address.
	listeners map[string]map[netip.Addr]*listener
	inflight  inflight            // forwarded queries, one upstream exchange per question
	nics      map[string]nicPlace // lower-cased NIC ID → where it was last ensured
	// frontends and endpoints are private link as last ensured, by
	// lower-cased ID.
	frontends map[string]frontendPlace
	endpoints map[string]Endpoint
	closed    bool
}

type resolverBox struct{ r Resolver }

// nicPlace is the pair of namespaces a NIC joins.
type nicPlace struct{ router, host string }

// New returns a fabric whose namespaces and links are named with prefix
// (1 to 6 lower-case letters and digits), so instances never collide.
func New(prefix string, log *slog.Logger) (*Fabric, error) {
	if err := validPrefix(prefix); err != nil {
		return nil, fmt.Errorf("creating fabric: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := prepareRunDir(); err != nil {
		return nil, fmt.Errorf("creating fabric: %w", err)
	}
	return &Fabric{
		names:     namer{prefix: prefix},
		log:       log.With("fabric", prefix),
		dns:       map[string]*dnsServer{},
		listeners: map[string]map[netip.Addr]*listener{},
		nics:      map[string]nicPlace{},
		frontends: map[string]frontendPlace{},
		endpoints: map[string]Endpoint{},
	}, nil
}

// SetResolver sets what the DNS servers answer from; nil refuses every query.
func (f *Fabric) SetResolver(r Resolver) { f.resolver.Store(&resolverBox{r: r}) }

func (f *Fabric) currentResolver() Resolver {
	if b := f.resolver.Load(); b != nil {
		return b.r
	}
	return nil
}

// HostNamespace is the name of the namespace of the host with this ID.
func (f *Fabric) HostNamespace(id string) string { return f.names.hostNS(id) }

// RouterNamespace is the name of the router namespace of a virtual network.
func (f *Fabric) RouterNamespace(vnetID string) string { return f.names.routerNS(vnetID) }

// Do runs fn on a locked OS thread inside the named network namespace and
// always switches back; a thread that cannot switch back is destroyed.
func (f *Fabric) Do(ns string, fn func() error) error { return doNS(ns, fn) }

// List returns the namespaces of this fabric's prefix.
func (f *Fabric) List() ([]string, error) { return listNS(f.names.prefix + "-") }

// Close stops the DNS servers. Namespaces stay: the caller's store is the
// truth and re-ensures them on the next start.
func (f *Fabric) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	var errs []error
	for ns, s := range f.dns {
		errs = append(errs, s.stop())
		delete(f.dns, ns)
	}
	for ns := range f.listeners {
		errs = append(errs, f.stopListeners(ns))
	}
	return errors.Join(errs...)
}

func (f *Fabric) lock() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return errors.New("fabric is closed")
	}
	return nil
}

// requireID rejects empty IDs, which would all hash to one name.
func requireID(kind, id string) error {
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("%s id is empty", kind)
	}
	return nil
}
