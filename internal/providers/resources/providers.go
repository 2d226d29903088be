package resources

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// Registration states of a resource provider in a subscription.
const (
	Registered    = "Registered"
	Registering   = "Registering"
	NotRegistered = "NotRegistered"
	Unregistering = "Unregistering"
)

type registration struct {
	State string    `json:"state"`
	Since time.Time `json:"since"`
}

func registrationKey(sub, ns string) string {
	return "/aksbox/registrations/" + strings.ToLower(sub) + "/" + strings.ToLower(ns)
}

// state is the registration state now: a transition that began more than
// the configured delay ago has completed.
func (p *Provider) state(ctx context.Context, sub string, ns *arm.Namespace) (string, error) {
	if ns.RegistrationFree {
		return Registered, nil
	}
	reg, err := p.registration(ctx, registrationKey(sub, ns.Name))
	if err != nil {
		return "", err
	}
	if reg == nil {
		if ns.RegisteredByDefault {
			return Registered, nil
		}
		return NotRegistered, nil
	}
	if time.Since(reg.Since) >= p.opts.ProviderRegistrationDelay {
		switch reg.State {
		case Registering:
			return Registered, nil
		case Unregistering:
			return NotRegistered, nil
		}
	}
	return reg.State, nil
}

// registration is what the store holds at key (nil: nothing). This
// provider is the only writer of registrations, so it keeps what it read
// and wrote: every request checks that its namespace is registered.
func (p *Provider) registration(ctx context.Context, key string) (*registration, error) {
	p.regMu.Lock()
	reg, ok := p.regs[key]
	p.regMu.Unlock()
	if ok {
		return reg, nil
	}
	o, err := p.rec.Store().Get(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		reg = &registration{}
		if err := json.Unmarshal(o.Value, reg); err != nil {
			return nil, err
		}
	}
	p.regMu.Lock()
	defer p.regMu.Unlock()
	if cur, ok := p.regs[key]; ok { // written meanwhile
		return cur, nil
	}
	p.regs[key] = reg
	return reg, nil
}

// setRegistration writes a registration to the store and to what the
// provider keeps of it.
func (p *Provider) setRegistration(ctx context.Context, key string, reg registration) error {
	data, _ := json.Marshal(reg)
	p.regMu.Lock()
	defer p.regMu.Unlock()
	if _, err := p.rec.Store().Put(ctx, key, data, -1); err != nil {
		delete(p.regs, key)
		return err
	}
	p.regs[key] = &reg
	return nil
}

// Registered reports whether sub may use namespace (arm.Registrations).
func (p *Provider) Registered(ctx context.Context, sub, namespace string) (bool, error) {
	ns, ok := p.cat.Lookup(namespace)
	if !ok {
		return false, nil
	}
	st, err := p.state(ctx, sub, ns)
	return st == Registered, err
}

func (p *Provider) providerRoutes(s *arm.Server) {
	base := "/subscriptions/{subscriptionId}/providers"
	s.Handle(arm.Route{Pattern: base, Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: p.listProviders})
	s.Handle(arm.Route{Pattern: base + "/{ns}", Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: p.getProvider})
	s.Handle(arm.Route{Pattern: base + "/{ns}/register", Methods: []string{http.MethodPost}, APIVersions: APIVersions, Handler: p.register(Registering)})
	s.Handle(arm.Route{Pattern: base + "/{ns}/unregister", Methods: []string{http.MethodPost}, APIVersions: APIVersions, Handler: p.register(Unregistering)})
}

func (p *Provider) providerBody(ctx context.Context, sub string, ns *arm.Namespace) (map[string]any, error) {
	st, err := p.state(ctx, sub, ns)
	if err != nil {
		return nil, err
	}
	policy := "RegistrationRequired"
	if ns.RegistrationFree {
		policy = "RegistrationFree"
	}
	types := make([]map[string]any, 0, len(ns.Types))
	for _, t := range ns.Types {
		locs := t.Locations
		if locs == nil {
			for _, l := range arm.Locations {
				locs = append(locs, l.DisplayName)
			}
		}
		types = append(types, map[string]any{"resourceType": t.Name, "locations": locs, "apiVersions": t.APIVersions, "capabilities": "None"})
	}
	return map[string]any{
		"id":                 "/subscriptions/" + sub + "/providers/" + ns.Name,
		"namespace":          ns.Name,
		"registrationState":  st,
		"registrationPolicy": policy,
		"resourceTypes":      types,
	}, nil
}

func (p *Provider) lookup(name string) (*arm.Namespace, error) {
	ns, ok := p.cat.Lookup(name)
	if !ok {
		e := arm.InvalidNamespace(name)
		e.Status = http.StatusNotFound
		return nil, e
	}
	return ns, nil
}

func (p *Provider) listProviders(w http.ResponseWriter, r *arm.Request) error {
	var items []json.RawMessage
	for _, ns := range p.cat.All() {
		b, err := p.providerBody(r.Context(), r.Var("subscriptionId"), ns)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(b)
		items = append(items, raw)
	}
	return arm.WritePage(w, r, items)
}

func (p *Provider) getProvider(w http.ResponseWriter, r *arm.Request) error {
	ns, err := p.lookup(r.Var("ns"))
	if err != nil {
		return err
	}
	b, err := p.providerBody(r.Context(), r.Var("subscriptionId"), ns)
	if err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusOK, b)
	return nil
}

// register starts registering (to = Registering) or unregistering.
func (p *Provider) register(to string) arm.Handler {
	return func(w http.ResponseWriter, r *arm.Request) error {
		ctx := r.Context()
		sub := r.Var("subscriptionId")
		ns, err := p.lookup(r.Var("ns"))
		if err != nil {
			return err
		}
		if ns.RegistrationFree && to == Unregistering {
			return arm.Errorf(http.StatusConflict, "CannotUnregisterProvider",
				"The namespace '%s' is registration free and cannot be unregistered.", ns.Name)
		}
		cur, err := p.state(ctx, sub, ns)
		if err != nil {
			return err
		}
		done := Registered
		if to == Unregistering {
			done = NotRegistered
		}
		if cur != done && cur != to && !ns.RegistrationFree {
			reg := registration{State: to, Since: time.Now().UTC()}
			if p.opts.ProviderRegistrationDelay <= 0 {
				reg.State = done
			}
			if err := p.setRegistration(ctx, registrationKey(sub, ns.Name), reg); err != nil {
				return err
			}
		}
		b, err := p.providerBody(ctx, sub, ns)
		if err != nil {
			return err
		}
		arm.WriteJSON(w, http.StatusOK, b)
		return nil
	}
}

// Routes registers every Microsoft.Resources endpoint.
func (p *Provider) Routes(s *arm.Server) {
	p.subscriptionRoutes(s)
	p.routes(s)
	p.providerRoutes(s)
}
