package privatedns

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

func (p *Provider) buildLink(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in Link
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	if n := id.Name(); n == "" || len(n) > 80 {
		return arm.Record{}, arm.BadRequest("InvalidResourceName", "The link name '%s' must be 1 to 80 characters long.", n)
	}
	if in.Location != "" && !strings.EqualFold(in.Location, "global") {
		return arm.Record{}, arm.InvalidParameter("location", "A virtual network link's location must be 'global', not '%s'.", in.Location)
	}
	if in.Properties.VirtualNetwork == nil || in.Properties.VirtualNetwork.ID == "" {
		return arm.Record{}, arm.InvalidParameter("properties.virtualNetwork.id", "Link '%s' needs properties.virtualNetwork.id, the virtual network to link.", id.Name())
	}
	vid, err := arm.ParseID(in.Properties.VirtualNetwork.ID)
	if err != nil || !strings.EqualFold(vid.Type(), "Microsoft.Network/virtualNetworks") {
		return arm.Record{}, arm.InvalidParameter("properties.virtualNetwork.id", "'%s' is not a virtual network ID.", in.Properties.VirtualNetwork.ID)
	}
	vst, err := p.rec.Get(ctx, vid.String())
	if errors.Is(err, store.ErrNotFound) {
		return arm.Record{}, arm.BadRequest("InvalidResourceReference",
			"Virtual network %s referenced by link %s was not found; create it first or check the ID.", vid.String(), id.String())
	}
	if err != nil {
		return arm.Record{}, err
	}
	vnetID := arm.IDOf(vst.Body) // the stored spelling
	zone := id.Parent().Name()
	if err := p.checkLinkConflicts(ctx, id, zone, vnetID, in.Properties.RegistrationEnabled); err != nil {
		return arm.Record{}, err
	}
	l := Link{ID: id.String(), Name: id.Name(), Type: Namespace + "/privateDnsZones/virtualNetworkLinks", Location: "global", Tags: in.Tags}
	l.Properties = LinkProperties{VirtualNetwork: &SubRef{ID: vnetID}, RegistrationEnabled: in.Properties.RegistrationEnabled, VirtualNetworkLinkState: "Completed"}
	out, err := json.Marshal(l)
	return arm.Record{Body: out}, err
}

// checkLinkConflicts applies Azure's rules: a virtual network is linked to
// one zone of a namespace at most (the same zone twice, or a zone and its
// subdomain, overlap), and to one zone with auto-registration.
func (p *Provider) checkLinkConflicts(ctx context.Context, self arm.ResourceID, zone, vnetID string, registration bool) error {
	all, err := p.links.All(ctx, p.rec)
	if err != nil {
		return err
	}
	for _, st := range all {
		var l Link
		if arm.Decode(st, &l) != nil || l.Properties.VirtualNetwork == nil || strings.EqualFold(l.ID, self.String()) {
			continue
		}
		if !strings.EqualFold(l.Properties.VirtualNetwork.ID, vnetID) {
			continue
		}
		lid, _ := arm.ParseID(l.ID)
		other := lid.Parent().Name()
		if overlapping(zone, other) {
			return arm.Errorf(http.StatusConflict, "Conflict",
				"A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried to link virtual network with '%s' and '%s' zones (existing link %s).", other, zone, l.ID)
		}
		if registration && l.Properties.RegistrationEnabled {
			return arm.Errorf(http.StatusConflict, "Conflict",
				"A virtual network can be linked to only one private DNS zone with auto-registration enabled; it already is through link %s.", l.ID)
		}
	}
	return nil
}

func overlapping(a, b string) bool {
	a, b = strings.ToLower(strings.TrimSuffix(a, ".")), strings.ToLower(strings.TrimSuffix(b, "."))
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

func (p *Provider) viewLink(ctx context.Context, st *arm.Stored) json.RawMessage { return st.Body }
