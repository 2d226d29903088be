package managedidentity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

// Provider serves user-assigned identities.
type Provider struct {
	rec      *arm.Records
	tenantID string
	log      *slog.Logger
	kind     *arm.Kind
}

// New makes the provider; tenantID is the directory's tenant, which every
// identity belongs to.
func New(rec *arm.Records, tenantID string, log *slog.Logger) *Provider {
	p := &Provider{rec: rec, tenantID: tenantID, log: log}
	// Nothing to realize: PUT and DELETE answer at once (200/201, 200/204).
	p.kind = &arm.Kind{Namespace: Namespace, Type: Type, APIVersions: APIVersions,
		Build: p.build, Patch: p.patch, View: p.view}
	return p
}

// Identities is the user-assigned identity kind.
func (p *Provider) Identities() *arm.Kind { return p.kind }

// Routes registers the provider's endpoints.
func (p *Provider) Routes(s *arm.Server, d arm.KindDeps) { p.kind.Serve(s, d) }

// Get reads the identity whose resource ID is id (in any case). A malformed
// ID is InvalidResourceId, one of another type InvalidResourceType (both
// 400), a missing identity ResourceNotFound (404): *arm.Error each, for the
// caller to re-word as its own API does.
func (p *Provider) Get(ctx context.Context, id string) (*Identity, error) {
	rid, err := arm.ParseID(id)
	if err != nil {
		return nil, err
	}
	if len(rid.Types) != 1 || !strings.EqualFold(rid.Type(), Namespace+"/"+Type) || rid.ResourceGroup == "" {
		return nil, arm.BadRequest("InvalidResourceType",
			"'%s' is not the ID of a user-assigned identity; it looks like /subscriptions/{subscriptionId}/resourceGroups/{group}/providers/%s/%s/{name}.",
			id, Namespace, Type)
	}
	st, err := p.rec.Get(ctx, rid.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, arm.NotFound(rid)
	}
	if err != nil {
		return nil, err
	}
	return decode(st.Body)
}

// resourceID formats an identity's ID as Azure's identity service does,
// with "resourcegroups" in lower case.
func resourceID(id arm.ResourceID) string {
	return fmt.Sprintf("/subscriptions/%s/resourcegroups/%s/providers/%s/%s/%s", id.Subscription, id.ResourceGroup, Namespace, Type, id.Name())
}

func decode(body []byte) (*Identity, error) {
	var in Identity
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("decoding user-assigned identity: %w", err)
	}
	return &in, nil
}

// input is what a client may write: PUT's Identity and PATCH's
// IdentityUpdate both.
type input struct {
	Location   *string            `json:"location"`
	Tags       *map[string]string `json:"tags"`
	Properties *struct {
		IsolationScope *string `json:"isolationScope"`
	} `json:"properties"`
}

// isolation is the isolation scope a body sets, if it sets one the
// request's api-version knows.
func (in *input) isolation(apiVersion string) (string, bool, *arm.Error) {
	if !hasIsolation(apiVersion) || in.Properties == nil || in.Properties.IsolationScope == nil {
		return "", false, nil
	}
	s, e := checkIsolation(*in.Properties.IsolationScope)
	return s, e == nil, e
}

func (p *Provider) build(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in input
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	var errs []*arm.Error
	if e := validName(id.Name()); e != nil {
		errs = append(errs, e)
	}
	given := ""
	if in.Location != nil {
		given = *in.Location
	}
	loc, e := checkLocation(given)
	if e != nil {
		errs = append(errs, e)
	}
	tags := map[string]string{}
	if in.Tags != nil && *in.Tags != nil {
		tags = *in.Tags
		errs = append(errs, arm.ValidateTags(tags)...)
	}
	scope, set, e := in.isolation(r.APIVersion)
	if e != nil {
		errs = append(errs, e)
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	next := &Identity{ID: resourceID(id), Name: id.Name(), Type: Namespace + "/" + Type, Location: loc, Tags: tags,
		Properties: Properties{TenantID: p.tenantID, PrincipalID: uuid.NewString(), ClientID: uuid.NewString()}}
	if hasIsolation(r.APIVersion) {
		next.Properties.IsolationScope = IsolationNone // a PUT replaces what it knows
		if set {
			next.Properties.IsolationScope = scope
		}
	}
	if cur != nil {
		old, err := decode(cur.Body)
		if err != nil {
			return arm.Record{}, err
		}
		if e := sameLocation(id, old.Location, loc); e != nil {
			return arm.Record{}, e
		}
		// The name keeps its first case; the IDs are the identity's for life.
		next.ID, next.Name = old.ID, old.Name
		next.Properties.TenantID, next.Properties.PrincipalID, next.Properties.ClientID =
			old.Properties.TenantID, old.Properties.PrincipalID, old.Properties.ClientID
		if !hasIsolation(r.APIVersion) {
			next.Properties.IsolationScope = old.Properties.IsolationScope
		}
	}
	out, err := json.Marshal(next)
	return arm.Record{Body: out}, err
}

// patch applies an IdentityUpdate: tags, and the isolation scope where the
// api-version has it; a location, if given, must be the identity's own.
func (p *Provider) patch(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in input
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	ident, err := decode(cur.Body)
	if err != nil {
		return arm.Record{}, err
	}
	var errs []*arm.Error
	if in.Location != nil && *in.Location != "" {
		if loc, e := checkLocation(*in.Location); e != nil {
			errs = append(errs, e)
		} else if e := sameLocation(id, ident.Location, loc); e != nil {
			errs = append(errs, e)
		}
	}
	if in.Tags != nil {
		ident.Tags = map[string]string{}
		if *in.Tags != nil {
			ident.Tags = *in.Tags
		}
		errs = append(errs, arm.ValidateTags(ident.Tags)...)
	}
	if scope, set, e := in.isolation(r.APIVersion); e != nil {
		errs = append(errs, e)
	} else if set {
		ident.Properties.IsolationScope = scope
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	out, err := json.Marshal(ident)
	if err != nil {
		return arm.Record{}, err
	}
	rec := cur.Record
	rec.Body, err = arm.SetState(out, arm.Succeeded)
	return rec, err
}

// view is the identity as the request's api-version has it: no
// provisioningState, and isolationScope (None unless set) only from the
// version that introduced it.
func (p *Provider) view(ctx context.Context, st *arm.Stored) json.RawMessage {
	ident, err := decode(st.Body)
	if err != nil {
		return st.Body
	}
	switch {
	case !hasIsolation(arm.APIVersionOf(ctx)):
		ident.Properties.IsolationScope = ""
	case ident.Properties.IsolationScope == "":
		ident.Properties.IsolationScope = IsolationNone
	}
	out, err := json.Marshal(ident)
	if err != nil {
		return st.Body
	}
	return out
}
