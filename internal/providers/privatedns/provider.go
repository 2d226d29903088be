package privatedns

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

// Provider serves private DNS zones, record sets and virtual network links,
// and resolves names for the fabric's DNS servers.
type Provider struct {
	rec   *arm.Records
	log   *slog.Logger
	zones *arm.Kind
	links *arm.Kind

	// publicGroup holds the zones of the cloud's own public DNS (lower
	// case, with a trailing "/"): names the cloud owns, answered in every
	// virtual network when no zone linked to it holds them.
	publicGroup string

	mu    sync.Mutex
	index *index
	facts map[string]*fact // by record key, as of the index's build
}

// SetPublicGroup names the resource group whose zones are the cloud's
// public DNS.
func (p *Provider) SetPublicGroup(groupID string) {
	p.publicGroup = strings.ToLower(strings.TrimSuffix(groupID, "/")) + "/"
}

// New makes the provider.
func New(rec *arm.Records, log *slog.Logger) *Provider {
	p := &Provider{rec: rec, log: log}
	p.zones = &arm.Kind{Namespace: Namespace, Type: "privateDnsZones", APIVersions: APIVersions,
		Build: p.buildZone, CheckDelete: p.checkDeleteZone, View: p.viewZone, BareETag: true}
	p.links = &arm.Kind{Namespace: Namespace, Type: "privateDnsZones/virtualNetworkLinks", APIVersions: APIVersions,
		Build: p.buildLink, View: p.viewLink, Serialize: true, BareETag: true}
	return p
}

// Zones and Links are the provider's kinds.
func (p *Provider) Zones() *arm.Kind { return p.zones }

// Routes registers the endpoints: links, then record sets, then zones.
func (p *Provider) Routes(s *arm.Server, d arm.KindDeps) {
	p.links.Serve(s, d)
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/privateDnsZones/{zone}"
	guard := func(h arm.Handler) arm.Handler { return d.Guard(Namespace, h) }
	s.Handle(arm.Route{Pattern: base + "/{type}/{name}", APIVersions: APIVersions,
		Methods: []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete}, Handler: guard(p.recordSet)})
	s.Handle(arm.Route{Pattern: base + "/{type}", APIVersions: APIVersions, Methods: []string{http.MethodGet}, Handler: guard(p.listRecordSets)})
	p.zones.Serve(s, d)
}

// validZoneName requires a DNS name of at least two labels.
func validZoneName(name string) *arm.Error {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	bad := len(labels) < 2 || len(name) > 253
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			bad = true
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				bad = true
			}
		}
	}
	if bad {
		return arm.BadRequest("InvalidResourceName",
			"The zone name '%s' is not a valid DNS name: use at least two labels of letters, digits and hyphens, e.g. privatelink.westus2.azmk8s.io.", name)
	}
	return nil
}

func (p *Provider) buildZone(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in Zone
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	if e := validZoneName(id.Name()); e != nil {
		return arm.Record{}, e
	}
	if in.Location != "" && !strings.EqualFold(in.Location, "global") {
		return arm.Record{}, arm.InvalidParameter("location", "A private DNS zone's location must be 'global', not '%s'.", in.Location)
	}
	z := Zone{ID: id.String(), Name: strings.ToLower(id.Name()), Type: Namespace + "/privateDnsZones", Location: "global", Tags: in.Tags}
	z.Properties.InternalID = uuid.NewString()
	if cur != nil {
		var old Zone
		_ = arm.Decode(cur, &old)
		z.Name, z.Properties.InternalID = old.Name, old.Properties.InternalID
	}
	out, err := json.Marshal(z)
	return arm.Record{Body: out}, err
}

// viewZone fills in the zone's counters.
func (p *Provider) viewZone(ctx context.Context, st *arm.Stored) json.RawMessage {
	var z Zone
	if arm.Decode(st, &z) != nil {
		return st.Body
	}
	children, _ := p.rec.List(ctx, z.ID)
	z.Properties.NumberOfRecordSets = 1 // the SOA record
	for _, c := range children {
		id, err := arm.ParseID(arm.IDOf(c.Body))
		if err != nil || len(id.Types) != 2 {
			continue
		}
		if strings.EqualFold(id.Types[1], "virtualNetworkLinks") {
			z.Properties.NumberOfVirtualNetworkLinks++
			var l Link
			if arm.Decode(c, &l) == nil && l.Properties.RegistrationEnabled {
				z.Properties.NumberOfVirtualNetworkLinksWithRegistration++
			}
		} else {
			z.Properties.NumberOfRecordSets++
		}
	}
	z.Properties.MaxNumberOfRecordSets, z.Properties.MaxNumberOfVirtualNetworkLinks = 25000, 1000
	z.Properties.MaxNumberOfVirtualNetworkLinksWithRegistration = 100
	out, _ := json.Marshal(z)
	return out
}

func (p *Provider) checkDeleteZone(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	children, err := p.rec.List(ctx, id.String())
	if err != nil {
		return err
	}
	for _, c := range children {
		if cid, err := arm.ParseID(arm.IDOf(c.Body)); err == nil && len(cid.Types) == 2 && strings.EqualFold(cid.Types[1], "virtualNetworkLinks") {
			return arm.Errorf(http.StatusConflict, "CannotDeleteResource",
				"Private DNS zone '%s' cannot be deleted while it has virtual network links (such as '%s'); delete the links first.", id.Name(), cid.Name())
		}
	}
	return nil
}

// zoneOf reads the zone a child request is under.
func (p *Provider) zoneOf(ctx context.Context, r *arm.Request) (arm.ResourceID, *Zone, error) {
	id := arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
		Namespace: Namespace, Types: []string{"privateDnsZones"}, Names: []string{r.Var("zone")}}
	st, err := p.rec.Get(ctx, id.String())
	if errors.Is(err, store.ErrNotFound) {
		return id, nil, arm.NotFound(id)
	}
	if err != nil {
		return id, nil, err
	}
	var z Zone
	if err := arm.Decode(st, &z); err != nil {
		return id, nil, err
	}
	id.Names[0] = z.Name
	return id, &z, nil
}
