package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/privatedns"
	"github.com/aksbox/aksbox/internal/store"
)

// A private endpoint's private DNS zone group writes the endpoint's A
// records into the zones it names and removes them with itself (or with
// the endpoint): for each FQDN the endpoint's customDnsConfigs show, the
// record is the FQDN without the zone's name (or, for a
// privatelink.<suffix> zone, without <suffix>: <name>.azurecr.io becomes
// <name> in privatelink.azurecr.io), holding the endpoint's address.

// zoneGroupType is the child type of private endpoints.
const zoneGroupType = "privateEndpoints/privateDnsZoneGroups"

// maxZoneConfigs is how many zones one group may name.
const maxZoneConfigs = 5

// ZoneGroup is a privateDnsZoneGroup as ARM returns it.
type ZoneGroup struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Etag       string         `json:"etag,omitempty"`
	Properties ZoneGroupProps `json:"properties"`
}

// ZoneGroupProps are a zone group's properties.
type ZoneGroupProps struct {
	ProvisioningState     string       `json:"provisioningState,omitempty"`
	PrivateDNSZoneConfigs []ZoneConfig `json:"privateDnsZoneConfigs"`
}

// ZoneConfig names one zone of a group.
type ZoneConfig struct {
	Name       string          `json:"name"`
	Properties ZoneConfigProps `json:"properties"`
}

// ZoneConfigProps are a zone config's zone and (read-only) record sets.
type ZoneConfigProps struct {
	PrivateDNSZoneID string       `json:"privateDnsZoneId"`
	RecordSets       []RecordInfo `json:"recordSets"`
}

// RecordInfo is a record set a zone group wrote.
type RecordInfo struct {
	RecordType        string   `json:"recordType"`
	RecordSetName     string   `json:"recordSetName"`
	Fqdn              string   `json:"fqdn"`
	ProvisioningState string   `json:"provisioningState"`
	TTL               int      `json:"ttl"`
	IPAddresses       []string `json:"ipAddresses"`
}

// zoneGroupState is what a group's record keeps beside its body: the
// record sets written, by zone config name.
type zoneGroupState struct {
	Written map[string][]RecordInfo `json:"written,omitempty"`
	IDs     []string                `json:"ids,omitempty"` // the record sets' IDs
}

// recordTTL is the TTL of the records zone groups write, as Azure's.
const recordTTL = 10

func (p *Provider) zoneGroupKind() *arm.Kind {
	return &arm.Kind{Namespace: Namespace, Type: zoneGroupType, APIVersions: APIVersions, Serialize: true,
		Build: p.buildZoneGroup, Realize: p.realizeZoneGroup, Unrealize: p.unrealizeZoneGroup, View: p.viewZoneGroup}
}

// UseClient gives the provider the front door's client, with which zone
// groups write their records in the Private DNS provider's zones.
func (p *Provider) UseClient(c *arm.Client) { p.arm = c }

func (p *Provider) buildZoneGroup(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in ZoneGroup
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	if cur == nil {
		others, err := p.rec.List(ctx, id.Parent().String()+"/privateDnsZoneGroups/")
		if err != nil {
			return arm.Record{}, err
		}
		if len(others) > 0 {
			return arm.Record{}, arm.BadRequest("OnlyOnePrivateDnsZoneGroupPerPrivateEndpointAllowed",
				"Private endpoint %s has a private DNS zone group already (%s); add zones to it instead (at most %d).", id.Parent().Name(), arm.IDOf(others[0].Body), maxZoneConfigs)
		}
	}
	configs := in.Properties.PrivateDNSZoneConfigs
	var errs []*arm.Error
	switch {
	case len(configs) == 0:
		errs = append(errs, arm.InvalidParameter("properties.privateDnsZoneConfigs", "Private DNS zone group '%s' needs at least one zone in properties.privateDnsZoneConfigs.", id.Name()))
	case len(configs) > maxZoneConfigs:
		errs = append(errs, arm.InvalidParameter("properties.privateDnsZoneConfigs", "Private DNS zone group '%s' names %d zones; at most %d are allowed.", id.Name(), len(configs), maxZoneConfigs))
	}
	seen := map[string]bool{}
	out := ZoneGroup{ID: id.String(), Name: id.Name(), Type: Namespace + "/" + zoneGroupType}
	for i, c := range configs {
		target := fmt.Sprintf("properties.privateDnsZoneConfigs[%d]", i)
		zid, err := arm.ParseID(c.Properties.PrivateDNSZoneID)
		if err != nil || !strings.EqualFold(zid.Type(), "Microsoft.Network/privateDnsZones") {
			errs = append(errs, arm.InvalidParameter(target+".properties.privateDnsZoneId",
				"'%s' is not the ID of a private DNS zone (/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Network/privateDnsZones/{zone}).", c.Properties.PrivateDNSZoneID))
			continue
		}
		if _, err := p.rec.Get(ctx, zid.String()); errors.Is(err, store.ErrNotFound) {
			errs = append(errs, arm.BadRequest("InvalidResourceReference", "Private DNS zone %s named by zone group '%s' was not found.", c.Properties.PrivateDNSZoneID, id.Name()))
			continue
		} else if err != nil {
			return arm.Record{}, err
		}
		name := c.Name
		if name == "" {
			name = strings.ReplaceAll(zid.Name(), ".", "-")
		}
		if seen[strings.ToLower(zid.String())] || seen["name:"+strings.ToLower(name)] {
			errs = append(errs, arm.InvalidParameter(target, "Private DNS zone group '%s' names zone %s or config '%s' twice.", id.Name(), zid.Name(), name))
			continue
		}
		seen[strings.ToLower(zid.String())], seen["name:"+strings.ToLower(name)] = true, true
		out.Properties.PrivateDNSZoneConfigs = append(out.Properties.PrivateDNSZoneConfigs, ZoneConfig{Name: name,
			Properties: ZoneConfigProps{PrivateDNSZoneID: c.Properties.PrivateDNSZoneID, RecordSets: []RecordInfo{}}})
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	rec := arm.Record{}
	if cur != nil {
		rec.Internal = cur.Internal
	}
	var err error
	rec.Body, err = json.Marshal(out)
	return rec, err
}

// recordName is the record an FQDN gets in zone ("" when the zone does not
// hold it).
func recordName(fqdn, zone string) string {
	fqdn, zone = strings.ToLower(strings.TrimSuffix(fqdn, ".")), strings.ToLower(zone)
	if rel, ok := strings.CutSuffix(fqdn, "."+zone); ok {
		return rel
	}
	if suffix, ok := strings.CutPrefix(zone, "privatelink."); ok {
		if rel, ok := strings.CutSuffix(fqdn, "."+suffix); ok && !strings.HasSuffix(rel, ".privatelink") {
			return rel
		}
	}
	return ""
}

// realizeZoneGroup writes the endpoint's records in the group's zones and
// removes those it wrote before that it no longer should.
func (p *Provider) realizeZoneGroup(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var g ZoneGroup
	if err := arm.Decode(st, &g); err != nil {
		return err
	}
	pe, err := p.rec.Get(ctx, id.Parent().String())
	if err != nil {
		return fmt.Errorf("reading private endpoint %s: %w", id.Parent(), err)
	}
	o := ownerOf(pe)
	ips := p.ownedNICAddresses(ctx, o.NIC)
	if len(ips) == 0 {
		return fmt.Errorf("private endpoint %s has no address yet; create the zone group once the endpoint has succeeded", id.Parent().Name())
	}
	type name struct{ fqdn, ip string }
	var names []name
	for i, m := range o.Members {
		for _, f := range m.FQDNs {
			names = append(names, name{f, memberAddress(ips, i)})
		}
	}
	own := len(names) == 0
	if own { // a private link service of the user's: the endpoint's name
		names = []name{{id.Parent().Name(), ips[0]}}
	}
	state := zoneGroupState{Written: map[string][]RecordInfo{}}
	_ = json.Unmarshal(st.Internal, &state)
	next := zoneGroupState{Written: map[string][]RecordInfo{}}
	keep := map[string]bool{}
	for _, c := range g.Properties.PrivateDNSZoneConfigs {
		zid, _ := arm.ParseID(c.Properties.PrivateDNSZoneID)
		for _, n := range names {
			f, ip := n.fqdn, n.ip
			rel := recordName(f, zid.Name())
			if rel == "" && own {
				rel = strings.ToLower(f)
			}
			if rel == "" {
				continue
			}
			rid := zid.String() + "/A/" + rel
			if _, err := p.arm.Put(ctx, rid, privatedns.ServiceAPIVersion, map[string]any{"properties": map[string]any{
				"ttl": recordTTL, "aRecords": []any{map[string]string{"ipv4Address": ip}}}}); err != nil {
				return fmt.Errorf("writing %s in zone %s: %w", rel, zid.Name(), err)
			}
			keep[strings.ToLower(rid)] = true
			next.IDs = append(next.IDs, rid)
			next.Written[c.Name] = append(next.Written[c.Name], RecordInfo{RecordType: "A", RecordSetName: rel,
				Fqdn: rel + "." + zid.Name(), ProvisioningState: arm.Succeeded, TTL: recordTTL, IPAddresses: []string{ip}})
		}
	}
	if err := p.removeWritten(ctx, state, keep); err != nil {
		return err
	}
	return p.saveZoneGroupState(ctx, id, next)
}

func (p *Provider) saveZoneGroupState(ctx context.Context, id arm.ResourceID, s zoneGroupState) error {
	st, err := p.rec.Get(ctx, id.String())
	if err != nil {
		return err
	}
	rec := st.Record
	if rec.Internal, err = json.Marshal(s); err != nil {
		return err
	}
	_, err = p.rec.Put(ctx, id.String(), rec, st.Revision)
	return err
}

// removeWritten deletes the records a group wrote, except those in keep.
func (p *Provider) removeWritten(ctx context.Context, s zoneGroupState, keep map[string]bool) error {
	var errs []error
	for _, rid := range s.IDs {
		if keep[strings.ToLower(rid)] {
			continue
		}
		if err := p.arm.Delete(ctx, rid, privatedns.ServiceAPIVersion); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", rid, err))
		}
	}
	return errors.Join(errs...)
}

func (p *Provider) unrealizeZoneGroup(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var s zoneGroupState
	_ = json.Unmarshal(st.Internal, &s)
	return p.removeWritten(ctx, s, nil)
}

// removeZoneGroups undoes the zone groups of an endpoint being deleted.
func (p *Provider) removeZoneGroups(ctx context.Context, peID string) error {
	groups, err := p.rec.List(ctx, peID+"/privateDnsZoneGroups/")
	if err != nil {
		return err
	}
	var errs []error
	for _, st := range groups {
		gid, err := arm.ParseID(arm.IDOf(st.Body))
		if err == nil {
			err = p.unrealizeZoneGroup(ctx, gid, st)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// viewZoneGroup shows the record sets each zone config wrote.
func (p *Provider) viewZoneGroup(ctx context.Context, st *arm.Stored) json.RawMessage {
	var g ZoneGroup
	if arm.Decode(st, &g) != nil {
		return st.Body
	}
	var s zoneGroupState
	_ = json.Unmarshal(st.Internal, &s)
	for i := range g.Properties.PrivateDNSZoneConfigs {
		c := &g.Properties.PrivateDNSZoneConfigs[i]
		c.Properties.RecordSets = append([]RecordInfo{}, s.Written[c.Name]...)
	}
	out, err := json.Marshal(g)
	if err != nil {
		return st.Body
	}
	return out
}
