package portal

import (
	"sort"
	"strings"
)

// option is a choice of a picker.
type option struct{ Value, Label string }

// zoneLinksView is a private DNS zone's Virtual network links blade.
type zoneLinksView struct {
	Links []row // Cols: status, virtual network, auto-registration, provisioning state
	VNets []option
	Subs  []option
}

// recordsView is a zone's record sets.
type recordsView struct{ Rows []row } // Cols: type, TTL, values

func zoneOverview(rq *request, b *blade) error {
	b.Essentials = append(b.Essentials,
		essential{K: "Record sets", V: digStr(b.Doc, "properties", "numberOfRecordSets")},
		essential{K: "Virtual network links", V: digStr(b.Doc, "properties", "numberOfVirtualNetworkLinks")})
	return nil
}

func zoneRecordSets(rq *request, b *blade) error {
	v, err := rq.arm.apiVersionOf(b.ID.Sub, b.Type)
	if err != nil {
		return err
	}
	sets, err := rq.arm.list(b.IDStr+"/ALL", v)
	if err != nil {
		return err
	}
	rv := &recordsView{}
	for _, s := range sets {
		typ := digStr(s, "type")
		typ = typ[strings.LastIndex(typ, "/")+1:]
		rv.Rows = append(rv.Rows, row{Name: digStr(s, "name"), Type: typ, ID: digStr(s, "id"),
			Cols: []string{digStr(s, "properties", "ttl"), recordValues(s["properties"])}})
	}
	b.Extra = rv
	return nil
}

// recordValues lists a record set's values as Azure's portal does.
func recordValues(props any) string {
	var vals []string
	for _, r := range asList(dig(props, "aRecords")) {
		vals = append(vals, digStr(r, "ipv4Address"))
	}
	for _, r := range asList(dig(props, "aaaaRecords")) {
		vals = append(vals, digStr(r, "ipv6Address"))
	}
	if c := digStr(props, "cnameRecord", "cname"); c != "" {
		vals = append(vals, c)
	}
	for _, r := range asList(dig(props, "txtRecords")) {
		vals = append(vals, strings.Join(asStrings(r["value"]), ""))
	}
	if s := dig(props, "soaRecord"); s != nil {
		vals = append(vals, "Email: "+digStr(s, "email"))
	}
	return strings.Join(vals, ", ")
}

func zoneLinks(rq *request, b *blade) error {
	v, err := rq.arm.apiVersionOf(b.ID.Sub, b.Type+"/virtualNetworkLinks")
	if err != nil {
		return err
	}
	links, err := rq.arm.list(b.IDStr+"/virtualNetworkLinks", v)
	if err != nil {
		return err
	}
	lv := &zoneLinksView{}
	for _, l := range links {
		vnet := digStr(l, "properties", "virtualNetwork", "id")
		auto := "Disabled"
		if b, _ := dig(l, "properties", "registrationEnabled").(bool); b {
			auto = "Enabled"
		}
		lv.Links = append(lv.Links, row{Name: digStr(l, "name"), ID: digStr(l, "id"), Href: portalURL(vnet),
			Cols: []string{digStr(l, "properties", "virtualNetworkLinkState"), vnet[strings.LastIndex(vnet, "/")+1:], auto,
				digStr(l, "properties", "provisioningState")}})
	}
	sort.Slice(lv.Links, func(i, j int) bool { return lv.Links[i].Name < lv.Links[j].Name })
	if lv.VNets, err = rq.resourcesOfType(b.ID.Sub, "Microsoft.Network/virtualNetworks"); err != nil {
		return err
	}
	lv.Subs = []option{{b.ID.Sub, b.ID.Sub}}
	b.Extra = lv
	return nil
}

// resourcesOfType lists the subscription's resources of one type as
// picker options: the ID, labelled "name (group)".
func (rq *request) resourcesOfType(sub, typ string) ([]option, error) {
	res, err := rq.arm.list("/subscriptions/"+sub+"/resources", resourcesAPI)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, r := range res {
		if !strings.EqualFold(digStr(r, "type"), typ) {
			continue
		}
		id, _ := parseID(digStr(r, "id"))
		out = append(out, option{Value: digStr(r, "id"), Label: digStr(r, "name") + " (" + id.Group + ")"})
	}
	sortOptions(out)
	return out, nil
}

func sortOptions(o []option) {
	sort.Slice(o, func(i, j int) bool { return strings.ToLower(o[i].Label) < strings.ToLower(o[j].Label) })
}
