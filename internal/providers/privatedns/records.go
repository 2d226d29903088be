package privatedns

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

func recordType(s string) (string, bool) {
	for _, t := range RecordTypes {
		if strings.EqualFold(t, s) {
			return t, true
		}
	}
	return "", false
}

func fqdn(name, zone string) string {
	if name == "@" {
		return strings.ToLower(zone) + "."
	}
	return strings.ToLower(name+"."+zone) + "."
}

// soa is the zone's start-of-authority record set, which every zone has.
func soa(zid arm.ResourceID, zone string) RecordSet {
	return RecordSet{ID: zid.Child("SOA", "@").String(), Name: "@", Type: Namespace + "/privateDnsZones/SOA",
		Properties: RecordSetProps{TTL: 3600, Fqdn: zone + ".", SoaRecord: json.RawMessage(
			`{"email":"azureprivatedns-host.microsoft.com","expireTime":2419200,"host":"azureprivatedns.net","minimumTtl":10,"refreshTime":3600,"retryTime":300,"serialNumber":1}`)}}
}

func (p *Provider) recordSet(w http.ResponseWriter, r *arm.Request) error {
	ctx := r.Context()
	typ, ok := recordType(r.Var("type"))
	if !ok {
		return arm.BadRequest("InvalidRecordType", "'%s' is not a record type; use one of %s.", r.Var("type"), strings.Join(RecordTypes, ", "))
	}
	zid, z, err := p.zoneOf(ctx, r)
	if err != nil {
		return err
	}
	name := r.Var("name")
	id := zid.Child(typ, name)
	if typ == "SOA" {
		if r.Method != http.MethodGet || name != "@" {
			return arm.BadRequest("BadRequest", "The SOA record set '@' is managed by the zone and can only be read.")
		}
		arm.WriteJSON(w, http.StatusOK, soa(zid, z.Name))
		return nil
	}
	if r.Method != http.MethodGet {
		defer arm.LockResource(zid.String() + "/recordsets")()
	}
	cur, err := p.rec.Get(ctx, id.String())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	switch r.Method {
	case http.MethodGet:
		if cur == nil {
			return arm.NotFound(id)
		}
		w.Header().Set("ETag", cur.ETag())
		arm.WriteJSON(w, http.StatusOK, arm.BodyOfBare(cur))
		return nil
	case http.MethodDelete:
		if cur == nil {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		if _, err := arm.Preconditions(r.Request, cur); err != nil {
			return err
		}
		if err := p.rec.Delete(ctx, id.String(), cur.Revision); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
	expect, err := arm.Preconditions(r.Request, cur)
	if err != nil {
		return err
	}
	var in RecordSet
	if err := r.Decode(&in); err != nil {
		return err
	}
	if r.Method == http.MethodPatch {
		if cur == nil {
			return arm.NotFound(id)
		}
		var old RecordSet
		_ = arm.Decode(cur, &old)
		in = mergeRecordSet(old, in)
	}
	rs, err := p.checkRecordSet(r, zid, z.Name, typ, name, &in)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(rs)
	rev, err := p.rec.Put(ctx, id.String(), arm.Record{Body: body}, expect)
	if err != nil {
		return err
	}
	st := &arm.Stored{Record: arm.Record{Body: body}, Revision: rev}
	w.Header().Set("ETag", st.ETag())
	status := http.StatusOK
	if cur == nil {
		status = http.StatusCreated
	}
	arm.WriteJSON(w, status, arm.BodyOfBare(st))
	return nil
}

func mergeRecordSet(old, in RecordSet) RecordSet {
	if in.Properties.TTL == 0 {
		in.Properties.TTL = old.Properties.TTL
	}
	if in.Properties.ARecords == nil {
		in.Properties.ARecords = old.Properties.ARecords
	}
	if in.Properties.AAAARecords == nil {
		in.Properties.AAAARecords = old.Properties.AAAARecords
	}
	if in.Properties.CnameRecord == nil {
		in.Properties.CnameRecord = old.Properties.CnameRecord
	}
	if in.Properties.TxtRecords == nil {
		in.Properties.TxtRecords = old.Properties.TxtRecords
	}
	if in.Properties.Metadata == nil {
		in.Properties.Metadata = old.Properties.Metadata
	}
	return in
}

// checkRecordSet validates a record set of one type and returns it as stored.
func (p *Provider) checkRecordSet(r *arm.Request, zid arm.ResourceID, zone, typ, name string, in *RecordSet) (*RecordSet, error) {
	var errs []*arm.Error
	if name != "@" {
		for _, l := range strings.Split(name, ".") {
			if l == "" || len(l) > 63 {
				errs = append(errs, arm.BadRequest("InvalidResourceName", "The record set name '%s' has an empty or too long label; use '@' for the zone apex.", name))
				break
			}
		}
	}
	if in.Properties.TTL < 0 || in.Properties.TTL > 2147483647 {
		errs = append(errs, arm.InvalidParameter("properties.ttl", "The TTL %d must be from 0 to 2147483647 seconds.", in.Properties.TTL))
	}
	name = strings.ToLower(name) // Azure lower-cases record set names, in the ID too
	rs := &RecordSet{ID: zid.Child(typ, name).String(), Name: name, Type: Namespace + "/privateDnsZones/" + typ}
	rs.Properties = RecordSetProps{TTL: in.Properties.TTL, Fqdn: fqdn(name, zone), Metadata: in.Properties.Metadata}
	if rs.Properties.TTL == 0 {
		rs.Properties.TTL = 3600
	}
	switch typ {
	case "A":
		for _, a := range in.Properties.ARecords {
			if ip, err := netip.ParseAddr(a.IPv4Address); err != nil || !ip.Is4() {
				errs = append(errs, arm.InvalidParameter("properties.aRecords.ipv4Address", "'%s' is not an IPv4 address.", a.IPv4Address))
			}
		}
		rs.Properties.ARecords = nonNil(in.Properties.ARecords)
	case "AAAA":
		for _, a := range in.Properties.AAAARecords {
			if ip, err := netip.ParseAddr(a.IPv6Address); err != nil || !ip.Is6() {
				errs = append(errs, arm.InvalidParameter("properties.aaaaRecords.ipv6Address", "'%s' is not an IPv6 address.", a.IPv6Address))
			}
		}
		rs.Properties.AAAARecords = in.Properties.AAAARecords
	case "CNAME":
		if in.Properties.CnameRecord == nil || in.Properties.CnameRecord.Cname == "" {
			errs = append(errs, arm.InvalidParameter("properties.cnameRecord.cname", "A CNAME record set needs properties.cnameRecord.cname."))
		}
		rs.Properties.CnameRecord = in.Properties.CnameRecord
	case "TXT":
		rs.Properties.TxtRecords = in.Properties.TxtRecords
	default:
		rs.Properties.MxRecords, rs.Properties.PtrRecords, rs.Properties.SrvRecords = in.Properties.MxRecords, in.Properties.PtrRecords, in.Properties.SrvRecords
	}
	if err := arm.Join(errs); err != nil {
		return nil, err
	}
	if err := p.checkCNAMEConflict(r, zid, typ, name); err != nil {
		return nil, err
	}
	return rs, nil
}

func nonNil(a []ARecord) []ARecord {
	if a == nil {
		return []ARecord{}
	}
	return a
}

// checkCNAMEConflict: a name with a CNAME has no other records, as in DNS.
func (p *Provider) checkCNAMEConflict(r *arm.Request, zid arm.ResourceID, typ, name string) error {
	all, err := p.rec.List(r.Context(), zid.String())
	if err != nil {
		return err
	}
	for _, st := range all {
		id, err := arm.ParseID(arm.IDOf(st.Body))
		if err != nil || len(id.Types) != 2 || !strings.EqualFold(id.Name(), name) || strings.EqualFold(id.Types[1], typ) ||
			strings.EqualFold(id.Types[1], "virtualNetworkLinks") {
			continue
		}
		if typ == "CNAME" || strings.EqualFold(id.Types[1], "CNAME") {
			return arm.Errorf(http.StatusConflict, "Conflict",
				"The record set '%s' cannot hold a %s record: a name with a CNAME record has no other records (it already has %s).", name, typ, id.Types[1])
		}
	}
	return nil
}

func (p *Provider) listRecordSets(w http.ResponseWriter, r *arm.Request) error {
	want := r.Var("type")
	all := strings.EqualFold(want, "ALL") || strings.EqualFold(want, "recordsets")
	typ, ok := recordType(want)
	if !all && !ok {
		return arm.BadRequest("InvalidRecordType", "'%s' is not a record type; use one of %s, or ALL.", want, strings.Join(RecordTypes, ", "))
	}
	zid, z, err := p.zoneOf(r.Context(), r)
	if err != nil {
		return err
	}
	var items []json.RawMessage
	if all || typ == "SOA" {
		b, _ := json.Marshal(soa(zid, z.Name))
		items = append(items, b)
	}
	children, err := p.rec.List(r.Context(), zid.String())
	if err != nil {
		return err
	}
	for _, st := range children {
		id, err := arm.ParseID(arm.IDOf(st.Body))
		if err != nil || len(id.Types) != 2 || strings.EqualFold(id.Types[1], "virtualNetworkLinks") {
			continue
		}
		if all || strings.EqualFold(id.Types[1], typ) {
			items = append(items, arm.BodyOfBare(st))
		}
	}
	items = append(items, p.autoRegistered(r.Context(), zid.String(), typ, all)...)
	return arm.WritePage(w, r, items)
}
