package dnsresolver

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/google/uuid"
)

// vnetRef is what a resolver needs of a virtual network.
type vnetRef struct {
	ID       string `json:"id"`
	Location string `json:"location"`
}

// readVNet finds a virtual network by ID (nil when there is none).
func (p *Provider) readVNet(ctx context.Context, id string) (*vnetRef, error) {
	vid, err := arm.ParseID(id)
	if err != nil || !strings.EqualFold(vid.Type(), "Microsoft.Network/virtualNetworks") {
		return nil, nil
	}
	return read[vnetRef](ctx, p.rec, vid.String())
}

func (p *Provider) buildResolver(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in Resolver
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	loc, errs := checkTracked("DNS resolver", id.Name(), in.Location)
	vnetID := refOf(in.Properties.VirtualNetwork)
	if vnetID == "" {
		errs = append(errs, arm.InvalidParameter("properties.virtualNetwork.id",
			"DNS resolver '%s' needs properties.virtualNetwork.id, the virtual network it serves.", id.Name()))
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	old := kept[Resolver](cur)
	if old != nil && !strings.EqualFold(refOf(old.Properties.VirtualNetwork), vnetID) {
		return arm.Record{}, arm.Errorf(http.StatusConflict, "Conflict",
			"The virtual network of DNS resolver '%s' is %s and cannot be changed to %s; create another resolver for that network.",
			id.Name(), refOf(old.Properties.VirtualNetwork), vnetID)
	}
	v, err := p.readVNet(ctx, vnetID)
	if err != nil {
		return arm.Record{}, err
	}
	if v == nil {
		return arm.Record{}, arm.InvalidParameter("properties.virtualNetwork.id",
			"Virtual network %s referenced by DNS resolver '%s' was not found; create it first or check the ID.", vnetID, id.Name())
	}
	if !strings.EqualFold(v.Location, loc) {
		return arm.Record{}, arm.InvalidParameter("properties.virtualNetwork.id",
			"DNS resolver '%s' is in '%s' but virtual network %s is in '%s': a DNS resolver can only reference a virtual network in its own region.",
			id.Name(), loc, v.ID, v.Location)
	}
	others, err := allOf[Resolver](ctx, p.resolvers, p.rec)
	if err != nil {
		return arm.Record{}, err
	}
	for _, o := range others {
		if strings.EqualFold(refOf(o.Properties.VirtualNetwork), v.ID) && !strings.EqualFold(o.ID, id.String()) {
			return arm.Record{}, arm.Errorf(http.StatusConflict, "Conflict",
				"Virtual network %s is already referenced by DNS resolver %s; a virtual network can be referenced by a single DNS resolver only.", v.ID, o.ID)
		}
	}
	out := Resolver{ID: id.String(), Name: id.Name(), Type: Namespace + "/" + typeResolver, Location: loc, Tags: in.Tags,
		Properties: ResolverProps{VirtualNetwork: &SubRef{ID: v.ID}, ResourceGUID: uuid.NewString()}}
	if old != nil {
		out.Properties.ResourceGUID = old.Properties.ResourceGUID
	}
	b, err := json.Marshal(out)
	return arm.Record{Body: b}, err
}

// viewResolver shows the resolver connected to its network.
func (p *Provider) viewResolver(ctx context.Context, st *arm.Stored) json.RawMessage {
	r, err := decode[Resolver](st.Body)
	if err != nil {
		return st.Body
	}
	r.Properties.DNSResolverState = "Connected"
	b, _ := json.Marshal(r)
	return b
}

// checkDeleteResolver refuses to delete a resolver that has endpoints.
func (p *Provider) checkDeleteResolver(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	all, err := p.rec.List(ctx, id.String())
	if err != nil {
		return err
	}
	for _, c := range all {
		if cid, err := arm.ParseID(arm.IDOf(c.Body)); err == nil && len(cid.Types) == 2 {
			return arm.Errorf(http.StatusConflict, "Conflict",
				"DNS resolver '%s' cannot be deleted while it has endpoints (such as %s); delete its inbound and outbound endpoints first.",
				id.Name(), cid.String())
		}
	}
	return nil
}
