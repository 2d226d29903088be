package arm

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// ResourceType describes one type a namespace offers, as the providers API
// lists it.
type ResourceType struct {
	Name        string   // e.g. managedClusters, locations/operations
	APIVersions []string // newest first
	Locations   []string // display names; nil: every location
}

// Namespace is a resource provider namespace.
type Namespace struct {
	Name string
	// RegistrationFree namespaces are always Registered (Microsoft.Resources...).
	RegistrationFree bool
	// RegisteredByDefault namespaces start Registered in a new subscription.
	RegisteredByDefault bool
	Types               []ResourceType
}

// Registrations tells whether a subscription is registered for a namespace.
type Registrations interface {
	Registered(ctx context.Context, subscription, namespace string) (bool, error)
}

// Catalog is the set of namespaces the server serves.
type Catalog struct {
	mu  sync.RWMutex
	nss map[string]*Namespace
	reg Registrations
}

// NewCatalog makes an empty catalog.
func NewCatalog() *Catalog { return &Catalog{nss: map[string]*Namespace{}} }

// Add registers a namespace (or adds types to one already there).
func (c *Catalog) Add(ns Namespace) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := strings.ToLower(ns.Name)
	if cur, ok := c.nss[k]; ok {
		for _, t := range ns.Types {
			known := false
			for i := range cur.Types {
				if strings.EqualFold(cur.Types[i].Name, t.Name) {
					cur.Types[i], known = t, true
				}
			}
			if !known {
				cur.Types = append(cur.Types, t)
			}
		}
		return
	}
	n := ns
	c.nss[k] = &n
}

// SetRegistrations sets who answers registration questions.
func (c *Catalog) SetRegistrations(r Registrations) { c.reg = r }

// Lookup finds a namespace by case-insensitive name.
func (c *Catalog) Lookup(name string) (*Namespace, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ns, ok := c.nss[strings.ToLower(name)]
	return ns, ok
}

// All lists the namespaces sorted by name.
func (c *Catalog) All() []*Namespace {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Namespace, 0, len(c.nss))
	for _, ns := range c.nss {
		out = append(out, ns)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// APIVersions of a type of a namespace (type given as "a/b").
func (c *Catalog) APIVersions(namespace, typ string) []string {
	ns, ok := c.Lookup(namespace)
	if !ok {
		return nil
	}
	for _, t := range ns.Types {
		if strings.EqualFold(t.Name, typ) {
			return t.APIVersions
		}
	}
	return nil
}

// RequireRegistered answers MissingSubscriptionRegistration unless the
// subscription is registered for namespace.
func (c *Catalog) RequireRegistered(ctx context.Context, subscription, namespace string) error {
	ns, ok := c.Lookup(namespace)
	if !ok {
		return InvalidNamespace(namespace)
	}
	if ns.RegistrationFree || c.reg == nil || IsSystem(ctx) {
		return nil
	}
	ok, err := c.reg.Registered(ctx, subscription, ns.Name)
	if err != nil || ok {
		return err
	}
	// One quoted name only, as Azure's message: az reads the namespace to
	// register from the last quoted string.
	e := Errorf(http.StatusConflict, "MissingSubscriptionRegistration",
		"The subscription is not registered to use namespace '%s'. See https://aka.ms/rps-not-found for how to register subscriptions: aksbox provider register --namespace %s.",
		ns.Name, ns.Name)
	e.Details = []*Error{{Code: "MissingSubscriptionRegistration", Target: ns.Name, Message: e.Message}}
	return e
}

// InvalidNamespace is ARM's error for a namespace that does not exist.
func InvalidNamespace(name string) *Error {
	return BadRequest("InvalidResourceNamespace", "The resource namespace '%s' is invalid.", name)
}
