package containerregistry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

// DataPlane is what the provider tells the registries' data plane.
type DataPlane interface {
	// Remove deletes a registry's images (its storage name, uid).
	Remove(uid string) error
	// ServePrivate serves a registry's private side on ln (and stops
	// serving any earlier listener of it); StopPrivate stops it.
	ServePrivate(uid string, ln net.Listener) error
	StopPrivate(uid string)
}

// Provider serves registries.
type Provider struct {
	rec    *arm.Records
	kind   *arm.Kind
	data   DataPlane
	log    *slog.Logger
	links  PrivateLink
	access Access
	arm    *arm.Client
	fab    Fabric
	opts   Options
}

// New makes the provider. Each registry's private side (see
// privatelink.go) is made through client in the managed subscription of
// opts, served in fab's namespaces, and offered to private endpoints of
// links.
func New(rec *arm.Records, data DataPlane, links PrivateLink, client *arm.Client, fab Fabric, opts Options, log *slog.Logger) *Provider {
	p := &Provider{rec: rec, data: data, links: links, arm: client, fab: fab, opts: opts, log: log}
	// Names are unique in the whole cloud: writes go one at a time.
	p.kind = &arm.Kind{Namespace: Namespace, Type: Type, APIVersions: APIVersions, Serialize: true,
		Build: p.build, Patch: p.patch, View: p.view, Realize: p.realize, Restart: p.restart, Unrealize: p.unrealize}
	links.AddPrivateLinkResourceType(Namespace+"/"+Type, p.resolvePrivateLink)
	return p
}

// Registries is the registry kind.
func (p *Provider) Registries() *arm.Kind { return p.kind }

// Realized lists the kinds whose deletion does work (the images).
func (p *Provider) Realized() []*arm.Kind { return []*arm.Kind{p.kind} }

// input is what a client may write: PUT's Registry and PATCH's
// RegistryUpdateParameters both.
type input struct {
	Location *string            `json:"location"`
	Tags     *map[string]string `json:"tags"`
	SKU      *struct {
		Name string `json:"name"`
	} `json:"sku"`
	Properties *struct {
		AdminUserEnabled         *bool           `json:"adminUserEnabled"`
		PublicNetworkAccess      *string         `json:"publicNetworkAccess"`
		NetworkRuleSet           *NetworkRuleSet `json:"networkRuleSet"`
		ZoneRedundancy           *string         `json:"zoneRedundancy"`
		AnonymousPullEnabled     *bool           `json:"anonymousPullEnabled"`
		DataEndpointEnabled      *bool           `json:"dataEndpointEnabled"`
		NetworkRuleBypassOptions *string         `json:"networkRuleBypassOptions"`
	} `json:"properties"`
}

func (p *Provider) build(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in input
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	var errs []*arm.Error
	if problem := nameProblem(id.Name()); problem != "" {
		return arm.Record{}, invalidName(id.Name(), problem)
	}
	loc := ""
	if in.Location == nil || strings.TrimSpace(*in.Location) == "" {
		errs = append(errs, &arm.Error{Status: http.StatusBadRequest, Code: "LocationRequired", Target: "location",
			Message: "The location property is required for a registry; give a region such as 'westus2'."})
	} else if l, ok := arm.NormalizeLocation(*in.Location); ok {
		loc = l
	} else {
		errs = append(errs, arm.InvalidLocation("location", *in.Location))
	}
	skuName := ""
	if in.SKU != nil {
		skuName = in.SKU.Name
	}
	sku, e := checkSKU(skuName)
	if e != nil {
		errs = append(errs, e)
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	reg := defaults(id, loc, sku)
	var old *Registry
	var keep internal
	if cur != nil {
		if old, keep = decodeStored(cur), internalOf(cur); old == nil {
			return arm.Record{}, fmt.Errorf("decoding registry %s", id)
		}
		if !strings.EqualFold(old.Location, loc) {
			return arm.Record{}, arm.BadRequest("LocationNotAvailableForResourceType",
				"Registry '%s' is in '%s'; its location cannot change to '%s'.", old.Name, old.Location, loc)
		}
		reg.ID, reg.Name, reg.Properties.CreationDate, reg.Properties.Policies = old.ID, old.Name, old.Properties.CreationDate, old.Properties.Policies
	} else {
		if err := p.nameFree(ctx, id); err != nil {
			return arm.Record{}, err
		}
		keep.UID = strings.ReplaceAll(uuid.NewString(), "-", "")
	}
	if in.Tags != nil && *in.Tags != nil {
		reg.Tags = *in.Tags
	}
	if err := p.apply(ctx, reg, old, &in, &keep); err != nil {
		return arm.Record{}, err
	}
	return record(reg, keep, cur)
}

// patch applies RegistryUpdateParameters: tags, sku and the properties a
// client may change.
func (p *Provider) patch(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in input
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	old := decodeStored(cur)
	if old == nil {
		return arm.Record{}, fmt.Errorf("decoding registry %s", id)
	}
	reg := decodeStored(cur)
	keep := internalOf(cur)
	if in.SKU != nil {
		sku, e := checkSKU(in.SKU.Name)
		if e != nil {
			return arm.Record{}, e
		}
		reg.SKU = SKU{Name: sku, Tier: sku}
	}
	if in.Tags != nil {
		reg.Tags = map[string]string{}
		if *in.Tags != nil {
			reg.Tags = *in.Tags
		}
	}
	if err := p.apply(ctx, reg, old, &in, &keep); err != nil {
		return arm.Record{}, err
	}
	rec, err := record(reg, keep, cur)
	if err != nil {
		return rec, err
	}
	rec.Body, err = arm.SetState(rec.Body, arm.Succeeded)
	return rec, err
}

// apply sets what in gives over reg (whose previous state is old, nil
// when new) and checks the result against the SKU.
func (p *Provider) apply(ctx context.Context, reg, old *Registry, in *input, keep *internal) error {
	var errs []*arm.Error
	errs = append(errs, arm.ValidateTags(reg.Tags)...)
	if pr := in.Properties; pr != nil {
		if pr.AdminUserEnabled != nil {
			reg.Properties.AdminUserEnabled = *pr.AdminUserEnabled
		}
		if pr.PublicNetworkAccess != nil {
			a, e := checkAccess(*pr.PublicNetworkAccess)
			if e != nil {
				errs = append(errs, e)
			}
			reg.Properties.PublicNetworkAccess = a
		}
		if pr.NetworkRuleSet != nil {
			reg.Properties.NetworkRuleSet = pr.NetworkRuleSet
			if reg.Properties.NetworkRuleSet.IPRules == nil {
				reg.Properties.NetworkRuleSet.IPRules = []any{}
			}
		}
		if pr.ZoneRedundancy != nil {
			reg.Properties.ZoneRedundancy = *pr.ZoneRedundancy
		}
		if pr.AnonymousPullEnabled != nil {
			reg.Properties.AnonymousPullEnabled = *pr.AnonymousPullEnabled
		}
		if pr.DataEndpointEnabled != nil {
			reg.Properties.DataEndpointEnabled = *pr.DataEndpointEnabled
		}
		if pr.NetworkRuleBypassOptions != nil {
			reg.Properties.NetworkRuleBypassOptions = *pr.NetworkRuleBypassOptions
		}
	}
	if reg.SKU.Name == Premium && reg.Properties.NetworkRuleSet == nil {
		reg.Properties.NetworkRuleSet = &NetworkRuleSet{DefaultAction: "Allow", IPRules: []any{}}
	}
	if reg.SKU.Name != Premium && old != nil && old.SKU.Name == Premium {
		conns, err := p.endpoints(ctx, reg.ID)
		if err != nil {
			return err
		}
		if len(conns) > 0 {
			errs = append(errs, &arm.Error{Status: http.StatusBadRequest, Code: "PremiumSkuRequired",
				Message: fmt.Sprintf("Registry '%s' has %d private endpoint connection(s), which need the Premium SKU; delete them before changing the SKU to '%s'.", reg.Name, len(conns), reg.SKU.Name)})
		}
	}
	if reg.Properties.DataEndpointEnabled {
		reg.Properties.DataEndpointHostNames = []string{fmt.Sprintf("%s.%s.data.%s", lower(reg.Name), reg.Location, Domain)}
	} else {
		reg.Properties.DataEndpointHostNames = []string{}
	}
	errs = append(errs, checkFeatures(reg)...)
	if err := arm.Join(errs); err != nil {
		return err
	}
	if reg.Properties.AdminUserEnabled && len(keep.Passwords) == 0 {
		keep.Passwords = []string{newPassword(), newPassword()}
	}
	return nil
}

// defaults is a new registry as ACR makes it.
func defaults(id arm.ResourceID, loc, sku string) *Registry {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return &Registry{ID: id.String(), Name: id.Name(), Type: Namespace + "/" + Type, Location: loc, Tags: map[string]string{},
		SKU: SKU{Name: sku, Tier: sku},
		Properties: Properties{
			LoginServer: loginServer(id.Name()), CreationDate: now,
			Policies: Policies{
				QuarantinePolicy:                 map[string]any{"status": "disabled"},
				TrustPolicy:                      map[string]any{"type": "Notary", "status": "disabled"},
				RetentionPolicy:                  map[string]any{"days": 7, "lastUpdatedTime": now, "status": "disabled"},
				ExportPolicy:                     map[string]any{"status": "enabled"},
				AzureADAuthenticationAsArmPolicy: map[string]any{"status": "enabled"},
				SoftDeletePolicy:                 map[string]any{"retentionDays": 7, "lastUpdatedTime": now, "status": "disabled"},
			},
			Encryption: map[string]any{"status": "disabled"}, DataEndpointHostNames: []string{},
			PrivateEndpointConnections: []any{}, PublicNetworkAccess: "Enabled",
			NetworkRuleBypassOptions: "AzureServices", ZoneRedundancy: "Disabled",
		}}
}

func record(reg *Registry, keep internal, cur *arm.Stored) (arm.Record, error) {
	rec := arm.Record{}
	if cur != nil {
		rec = cur.Record
	}
	var err error
	if rec.Body, err = json.Marshal(reg); err != nil {
		return rec, err
	}
	rec.Internal, err = json.Marshal(keep)
	return rec, err
}

func decodeStored(st *arm.Stored) *Registry {
	var r Registry
	if arm.Decode(st, &r) != nil {
		return nil
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	return &r
}

func internalOf(st *arm.Stored) internal {
	var in internal
	_ = json.Unmarshal(st.Internal, &in)
	return in
}

func newPassword() string {
	b := make([]byte, 39)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return strings.NewReplacer("+", "A", "/", "b").Replace(base64.StdEncoding.EncodeToString(b))[:52]
}

// nameFree refuses a name another registry (in any subscription) has.
func (p *Provider) nameFree(ctx context.Context, id arm.ResourceID) error {
	other, err := p.byName(ctx, id.Name())
	if err != nil || other == nil || strings.EqualFold(other.ID, id.String()) {
		return err
	}
	return &arm.Error{Status: http.StatusConflict, Code: "AlreadyInUse",
		Message: fmt.Sprintf("The registry DNS name %s is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability", loginServer(id.Name()))}
}

// byName finds the registry named name in any subscription (nil: none).
func (p *Provider) byName(ctx context.Context, name string) (*Registry, error) {
	st, err := p.storedByName(ctx, name)
	if err != nil || st == nil {
		return nil, err
	}
	return decodeStored(st), nil
}

func (p *Provider) storedByName(ctx context.Context, name string) (*arm.Stored, error) {
	all, err := p.kind.All(ctx, p.rec)
	if err != nil {
		return nil, err
	}
	for _, st := range all {
		if r := decodeStored(st); r != nil && strings.EqualFold(r.Name, name) {
			return st, nil
		}
	}
	return nil, nil
}

func (p *Provider) checkDelete(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	return nil
}

// unrealize deletes the registry's private side and images with it.
func (p *Provider) unrealize(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	reg := decodeStored(st)
	if reg == nil {
		return fmt.Errorf("decoding registry %s", id)
	}
	if err := p.unrealizePrivate(ctx, reg, internalOf(st)); err != nil {
		return err
	}
	return p.data.Remove(internalOf(st).UID)
}

// view adds the private endpoint connections of the registry.
func (p *Provider) view(ctx context.Context, st *arm.Stored) json.RawMessage {
	reg := decodeStored(st)
	if reg == nil {
		return st.Body
	}
	conns, err := p.endpoints(ctx, reg.ID)
	if err != nil || len(conns) == 0 {
		return st.Body
	}
	reg.Properties.PrivateEndpointConnections = nil
	for _, c := range conns {
		reg.Properties.PrivateEndpointConnections = append(reg.Properties.PrivateEndpointConnections, connectionBody(reg.ID, c))
	}
	out, err := json.Marshal(reg)
	if err != nil {
		return st.Body
	}
	return out
}

// get reads a registry by ID.
func (p *Provider) get(ctx context.Context, id arm.ResourceID) (*Registry, *arm.Stored, error) {
	st, err := p.rec.Get(ctx, id.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, arm.NotFound(id)
	}
	if err != nil {
		return nil, nil, err
	}
	reg := decodeStored(st)
	if reg == nil {
		return nil, nil, fmt.Errorf("decoding registry %s", id)
	}
	return reg, st, nil
}
