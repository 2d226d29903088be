package portal

import (
	"sort"
	"strings"
)

// row is one line of a list view.
type row struct {
	Name, Type, Location, State, ID, Href string
	Cols                                  []string
}

// listView is a filtered list.
type listView struct {
	Filter string
	Rows   []row
	// Options of the view's create form (e.g. regions).
	Options []string
}

func matches(filter string, fields ...string) bool {
	if filter == "" {
		return true
	}
	f := strings.ToLower(filter)
	for _, s := range fields {
		if strings.Contains(strings.ToLower(s), f) {
			return true
		}
	}
	return false
}

func subscriptionOverview(rq *request, b *blade) error {
	groups, err := rq.arm.list("/subscriptions/"+b.ID.Sub+"/resourcegroups", resourcesAPI)
	if err != nil {
		return err
	}
	v := &listView{Filter: b.Q.Get("filter")}
	for _, g := range groups {
		name, id := digStr(g, "name"), digStr(g, "id")
		if matches(v.Filter, name) {
			v.Rows = append(v.Rows, row{Name: name, Location: digStr(g, "location"), State: digStr(g, "properties", "provisioningState"), ID: id, Href: portalURL(id)})
		}
	}
	sort.Slice(v.Rows, func(i, j int) bool { return strings.ToLower(v.Rows[i].Name) < strings.ToLower(v.Rows[j].Name) })
	if v.Options, err = rq.regions(b.ID.Sub); err != nil {
		return err
	}
	b.Extra = v
	return nil
}

func subscriptionFeatures(rq *request, b *blade) error {
	feats, err := rq.arm.list("/subscriptions/"+b.ID.Sub+"/providers/Microsoft.Features/features", featuresAPI)
	if err != nil {
		return err
	}
	v := &listView{Filter: b.Q.Get("filter")}
	for _, f := range feats {
		name := digStr(f, "name")
		if matches(v.Filter, name) {
			v.Rows = append(v.Rows, row{Name: name, State: digStr(f, "properties", "state"), ID: digStr(f, "id")})
		}
	}
	sort.Slice(v.Rows, func(i, j int) bool { return v.Rows[i].Name < v.Rows[j].Name })
	b.Extra = v
	return nil
}

func subscriptionProviders(rq *request, b *blade) error {
	provs, err := rq.arm.list("/subscriptions/"+b.ID.Sub+"/providers", resourcesAPI)
	if err != nil {
		return err
	}
	v := &listView{Filter: b.Q.Get("filter")}
	for _, p := range provs {
		ns := digStr(p, "namespace")
		if matches(v.Filter, ns) {
			v.Rows = append(v.Rows, row{Name: ns, State: digStr(p, "registrationState"), ID: digStr(p, "id")})
		}
	}
	sort.Slice(v.Rows, func(i, j int) bool { return v.Rows[i].Name < v.Rows[j].Name })
	b.Extra = v
	return nil
}

func groupOverview(rq *request, b *blade) error {
	res, err := rq.arm.list(b.IDStr+"/resources", resourcesAPI)
	if err != nil {
		return err
	}
	v := &listView{Filter: b.Q.Get("filter")}
	for _, r := range res {
		name, typ := digStr(r, "name"), digStr(r, "type")
		if matches(v.Filter, name, typ) {
			v.Rows = append(v.Rows, row{Name: name, Type: typ, Location: digStr(r, "location"), ID: digStr(r, "id"), Href: portalURL(digStr(r, "id"))})
		}
	}
	sort.Slice(v.Rows, func(i, j int) bool { return strings.ToLower(v.Rows[i].Name) < strings.ToLower(v.Rows[j].Name) })
	b.Extra = v
	return nil
}

// vnetPeerings offers the other VNets to peer with.
func vnetPeerings(rq *request, b *blade) error {
	vnets, err := rq.resourcesOfType(b.ID.Sub, "Microsoft.Network/virtualNetworks")
	if err != nil {
		return err
	}
	var others []option
	for _, v := range vnets {
		if !strings.EqualFold(v.Value, b.IDStr) {
			others = append(others, v)
		}
	}
	b.Extra = &zoneLinksView{VNets: others}
	return nil
}

// regions are the subscription's location names, sorted.
func (rq *request) regions(sub string) ([]string, error) {
	locs, err := rq.arm.list("/subscriptions/"+sub+"/locations", subscriptionsAPI)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range locs {
		out = append(out, digStr(l, "name"))
	}
	sort.Strings(out)
	return out, nil
}

// vnetDevices lists what has an address in the VNet: the NICs of the
// subscription whose IP configurations are in its subnets, with the VM or
// private endpoint they belong to.
func vnetDevices(rq *request, b *blade) error {
	nics, err := rq.resourcesOfType(b.ID.Sub, "Microsoft.Network/networkInterfaces")
	if err != nil {
		return err
	}
	v := &listView{}
	prefix := strings.ToLower(b.IDStr + "/subnets/")
	for _, o := range nics {
		id, err := parseID(o.Value)
		if err != nil {
			continue
		}
		nic, err := rq.read(id)
		if err != nil {
			return err
		}
		for _, ipc := range asList(dig(nic, "properties", "ipConfigurations")) {
			sub := digStr(ipc, "properties", "subnet", "id")
			if !strings.HasPrefix(strings.ToLower(sub), prefix) {
				continue
			}
			owner, kind := digStr(nic, "properties", "virtualMachine", "id"), "Network interface"
			if owner != "" {
				kind = "Virtual machine"
			} else if owner = digStr(nic, "properties", "privateEndpoint", "id"); owner != "" {
				kind = "Private endpoint"
			} else {
				owner = o.Value
			}
			oid, _ := parseID(owner)
			v.Rows = append(v.Rows, row{Name: oid.Name(), Type: kind, ID: owner, Href: portalURL(owner),
				Cols: []string{digStr(ipc, "properties", "privateIPAddress"), sub[strings.LastIndex(sub, "/")+1:], id.Name()}})
		}
	}
	sort.Slice(v.Rows, func(i, j int) bool { return v.Rows[i].Cols[0] < v.Rows[j].Cols[0] })
	b.Extra = v
	return nil
}
