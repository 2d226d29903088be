// Package features is the Microsoft.Features provider: preview features a
// subscription registers for. Registration goes NotRegistered → Registering
// → Registered after a configurable delay, as Azure's feature exposure
// control does; some features can never be unregistered once registered.
package features

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// Namespace of this provider.
const Namespace = "Microsoft.Features"

// APIVersions accepted (az 2.45 uses 2021-07-01).
var APIVersions = []string{"2021-07-01", "2015-12-01"}

// Feature states.
const (
	NotRegistered = "NotRegistered"
	Registering   = "Registering"
	Registered    = "Registered"
	Unregistering = "Unregistering"
	Unregistered  = "Unregistered"
)

// Known features, by namespace. Sticky ones cannot be unregistered.
var Known = map[string][]string{
	"Microsoft.ContainerService": {"AKSPrivateLinkPreview", "EnablePrivateClusterPublicFQDN", "PodSubnetPreview",
		"AKSNetworkModePreview", "EnableAPIServerVnetIntegrationPreview", "NodeOsUpgradeChannelPreview"},
	"Microsoft.Network": {"AllowPrivateEndpoints", "AllowGlobalPeering"},
	"Microsoft.Compute": {"EncryptionAtHost", "UseStandardSecurityType"},
}

// sticky features cannot be unregistered: the seed document says a
// registered AKSPrivateLinkPreview cannot currently be un-registered.
var sticky = map[string]bool{"microsoft.containerservice/aksprivatelinkpreview": true}

// Options tunes the provider.
type Options struct {
	RegistrationDelay time.Duration
}

// Provider serves Microsoft.Features.
type Provider struct {
	st   *store.Store
	opts Options
	log  *slog.Logger
}

// New makes the provider and adds Microsoft.Features to the catalog.
func New(st *store.Store, cat *arm.Catalog, opts Options, log *slog.Logger) *Provider {
	cat.Add(arm.Namespace{Name: Namespace, RegistrationFree: true, Types: []arm.ResourceType{
		{Name: "features", APIVersions: APIVersions},
		{Name: "providers", APIVersions: APIVersions},
	}})
	return &Provider{st: st, opts: opts, log: log}
}

type record struct {
	State string    `json:"state"`
	Since time.Time `json:"since"`
}

func key(sub, ns, name string) string {
	return "/aksbox/features/" + strings.ToLower(sub) + "/" + strings.ToLower(ns+"/"+name)
}

// lookup finds a known feature, returning its namespace and name as
// spelled in the catalog.
func lookup(ns, name string) (string, string, error) {
	for n, names := range Known {
		if !strings.EqualFold(n, ns) {
			continue
		}
		for _, f := range names {
			if strings.EqualFold(f, name) {
				return n, f, nil
			}
		}
	}
	return "", "", arm.Errorf(http.StatusNotFound, "FeatureNotFound",
		"The feature '%s' could not be found in namespace '%s'. List the features with 'aksbox feature list --namespace %s'.", name, ns, ns)
}

// State is the feature's state now.
func (p *Provider) State(ctx context.Context, sub, ns, name string) (string, error) {
	o, err := p.st.Get(ctx, key(sub, ns, name))
	if errors.Is(err, store.ErrNotFound) {
		return NotRegistered, nil
	}
	if err != nil {
		return "", err
	}
	var rec record
	if err := json.Unmarshal(o.Value, &rec); err != nil {
		return "", err
	}
	if time.Since(rec.Since) >= p.opts.RegistrationDelay {
		switch rec.State {
		case Registering:
			return Registered, nil
		case Unregistering:
			return Unregistered, nil
		}
	}
	return rec.State, nil
}

func (p *Provider) body(ctx context.Context, sub, ns, name string) (json.RawMessage, error) {
	st, err := p.State(ctx, sub, ns, name)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id":         "/subscriptions/" + sub + "/providers/Microsoft.Features/providers/" + ns + "/features/" + name,
		"name":       ns + "/" + name,
		"type":       "Microsoft.Features/providers/features",
		"properties": map[string]string{"state": st},
	})
}

// Routes registers the Microsoft.Features endpoints. They must come before
// generic provider routes.
func (p *Provider) Routes(s *arm.Server) {
	get := []string{http.MethodGet}
	post := []string{http.MethodPost}
	base := "/subscriptions/{subscriptionId}/providers/Microsoft.Features"
	s.Handle(arm.Route{Pattern: base + "/features", Methods: get, APIVersions: APIVersions, Handler: p.list})
	s.Handle(arm.Route{Pattern: base + "/providers/{ns}/features", Methods: get, APIVersions: APIVersions, Handler: p.list})
	s.Handle(arm.Route{Pattern: base + "/providers/{ns}/features/{name}", Methods: get, APIVersions: APIVersions, Handler: p.get})
	s.Handle(arm.Route{Pattern: base + "/providers/{ns}/features/{name}/register", Methods: post, APIVersions: APIVersions, Handler: p.set(Registering)})
	s.Handle(arm.Route{Pattern: base + "/providers/{ns}/features/{name}/unregister", Methods: post, APIVersions: APIVersions, Handler: p.set(Unregistering)})
}

func (p *Provider) list(w http.ResponseWriter, r *arm.Request) error {
	want := r.Var("ns")
	var nss []string
	for ns := range Known {
		if want == "" || strings.EqualFold(ns, want) {
			nss = append(nss, ns)
		}
	}
	if want != "" && len(nss) == 0 {
		return arm.InvalidNamespace(want)
	}
	sort.Strings(nss)
	var items []json.RawMessage
	for _, ns := range nss {
		for _, name := range Known[ns] {
			b, err := p.body(r.Context(), r.Var("subscriptionId"), ns, name)
			if err != nil {
				return err
			}
			items = append(items, b)
		}
	}
	return arm.WritePage(w, r, items)
}

func (p *Provider) get(w http.ResponseWriter, r *arm.Request) error {
	ns, name, err := lookup(r.Var("ns"), r.Var("name"))
	if err != nil {
		return err
	}
	b, err := p.body(r.Context(), r.Var("subscriptionId"), ns, name)
	if err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusOK, b)
	return nil
}

func (p *Provider) set(to string) arm.Handler {
	return func(w http.ResponseWriter, r *arm.Request) error {
		ctx := r.Context()
		sub := r.Var("subscriptionId")
		ns, name, err := lookup(r.Var("ns"), r.Var("name"))
		if err != nil {
			return err
		}
		cur, err := p.State(ctx, sub, ns, name)
		if err != nil {
			return err
		}
		if to == Unregistering && sticky[strings.ToLower(ns+"/"+name)] && (cur == Registered || cur == Registering) {
			return arm.Errorf(http.StatusConflict, "FeatureUnregistrationNotSupported",
				"The feature '%s/%s' cannot be unregistered: once registered on a subscription it stays registered. Use a separate subscription to try preview features.", ns, name)
		}
		done := map[string]string{Registering: Registered, Unregistering: Unregistered}[to]
		if cur != to && cur != done && !(to == Unregistering && cur == NotRegistered) {
			rec := record{State: to, Since: time.Now().UTC()}
			if p.opts.RegistrationDelay <= 0 {
				rec.State = done
			}
			data, _ := json.Marshal(rec)
			if _, err := p.st.Put(ctx, key(sub, ns, name), data, -1); err != nil {
				return err
			}
			p.log.Info("feature state changed", "feature", ns+"/"+name, "state", rec.State)
		}
		b, err := p.body(ctx, sub, ns, name)
		if err != nil {
			return err
		}
		arm.WriteJSON(w, http.StatusOK, b)
		return nil
	}
}
