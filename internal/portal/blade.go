package portal

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// blade is one resource's page: its left pane and the view chosen in it.
type blade struct {
	ID         resID
	IDStr      string
	Name, Type string
	View       string
	Menu       []menuItem
	Doc        map[string]any
	Essentials []essential
	Props      []kv
	Tags       []kv
	Q          url.Values // form values handed back after a sign-in
	Extra      any        // the view's own data
}

// essential is one line of an Overview's essentials; Href links it.
type essential struct{ K, V, Href string }

// menuItem is an entry of a blade's left pane.
type menuItem struct{ Key, Label string }

// menus are the left panes per resource type (lower case); the rest get
// defaultMenu.
var menus = map[string][]menuItem{
	"microsoft.resources/subscriptions":  {{"overview", "Overview"}, {"features", "Preview features"}, {"providers", "Resource providers"}},
	"microsoft.resources/resourcegroups": {{"overview", "Overview"}, {"topology", "Topology"}, {"json", "JSON view"}, {"tags", "Tags"}},
	"microsoft.network/privatednszones": {{"overview", "Overview"}, {"recordsets", "Recordsets"},
		{"links", "Virtual network links"}, {"properties", "Properties"}, {"json", "JSON view"}, {"tags", "Tags"}},
	"microsoft.containerservice/managedclusters": {{"overview", "Overview"}, {"nodepools", "Node pools"},
		{"networking", "Networking"}, {"topology", "Topology"}, {"runcommand", "Run command"}, {"connect", "Connect"},
		{"properties", "Properties"}, {"json", "JSON view"}, {"tags", "Tags"}},
	"microsoft.network/virtualnetworks": {{"overview", "Overview"}, {"addressspace", "Address space"}, {"subnets", "Subnets"}, {"peerings", "Peerings"},
		{"dns", "DNS servers"}, {"devices", "Connected devices"}, {"properties", "Properties"}, {"json", "JSON view"}, {"tags", "Tags"}},
	"microsoft.compute/virtualmachines": {{"overview", "Overview"}, {"connect", "Connect"}, {"runcommand", "Run command"},
		{"properties", "Properties"}, {"json", "JSON view"}, {"tags", "Tags"}},
	"microsoft.network/privateendpoints": {{"overview", "Overview"}, {"dnsconfig", "DNS configuration"}, {"nic", "Network interface"},
		{"properties", "Properties"}, {"json", "JSON view"}, {"tags", "Tags"}},
}

// hiddenViews are views of a type reached by a button, not the left pane.
var hiddenViews = map[string][]string{
	"microsoft.resources/resourcegroups": {"newcluster", "reviewcluster", "newvnet", "newvm"},
}

var defaultMenu = []menuItem{{"overview", "Overview"}, {"properties", "Properties"}, {"json", "JSON view"}, {"tags", "Tags"}}

// views fill a blade's Extra for (type, view); overview, properties, json
// and tags need nothing more than the document.
var views = map[string]func(*request, *blade) error{
	"microsoft.resources/subscriptions overview":            subscriptionOverview,
	"microsoft.resources/subscriptions features":            subscriptionFeatures,
	"microsoft.resources/subscriptions providers":           subscriptionProviders,
	"microsoft.resources/resourcegroups overview":           groupOverview,
	"microsoft.network/privatednszones overview":            zoneOverview,
	"microsoft.network/privatednszones recordsets":          zoneRecordSets,
	"microsoft.network/privatednszones links":               zoneLinks,
	"microsoft.containerservice/managedclusters overview":   clusterOverview,
	"microsoft.containerservice/managedclusters nodepools":  clusterPools,
	"microsoft.resources/resourcegroups topology":           topologyBlade,
	"microsoft.resources/resourcegroups newcluster":         newClusterForm,
	"microsoft.resources/resourcegroups reviewcluster":      newClusterForm,
	"microsoft.resources/resourcegroups newvnet":            newClusterForm,
	"microsoft.resources/resourcegroups newvm":              newClusterForm,
	"microsoft.containerservice/managedclusters topology":   topologyBlade,
	"microsoft.containerservice/managedclusters runcommand": runCommandView,
	"microsoft.network/virtualnetworks peerings":            vnetPeerings,
	"microsoft.network/virtualnetworks devices":             vnetDevices,
	"microsoft.compute/virtualmachines overview":            vmOverview,
	"microsoft.compute/virtualmachines runcommand":          runCommandView,
	"microsoft.compute/virtualmachines connect":             vmOverview,
}

func (p *Portal) blade(rq *request) {
	id, err := parseID(rq.r.PathValue("id"))
	if err != nil {
		rq.fail(&armError{Status: http.StatusBadRequest, Code: "InvalidResourceId", Message: err.Error()})
		return
	}
	rq.showBlade(id, nil)
}

// showBlade shows a resource's page at the view the query names, with
// problem (a form's refusal) above it when there is one.
func (rq *request) showBlade(id resID, problem *armError) {
	rq.refreshNotes()
	doc, err := rq.read(id)
	if err != nil {
		rq.fail(err)
		return
	}
	typ := strings.ToLower(id.Type())
	b := &blade{ID: id, IDStr: id.String(), Name: id.Name(), Type: id.Type(), Doc: doc, Q: rq.r.URL.Query()}
	b.Menu = menus[typ]
	if b.Menu == nil {
		b.Menu = defaultMenu
	}
	b.View = b.Q.Get("view")
	if !hasView(b.Menu, b.View) && !slices.Contains(hiddenViews[typ], b.View) {
		b.View = "overview"
	}
	b.Essentials = essentials(id, doc)
	flatten("", doc["properties"], &b.Props)
	if tags, ok := doc["tags"].(map[string]any); ok {
		for k, v := range tags {
			b.Tags = append(b.Tags, kv{K: k, V: str(v)})
		}
		sort.Slice(b.Tags, func(i, j int) bool { return b.Tags[i].K < b.Tags[j].K })
	}
	if fill := views[typ+" "+b.View]; fill != nil {
		if err := fill(rq, b); err != nil {
			rq.fail(err)
			return
		}
	}
	if id.NS != "" {
		rq.ss.visited(b.Name+" ("+b.Type+")", portalURL(b.IDStr))
	}
	status := http.StatusOK
	if problem != nil {
		status = problem.Status
	}
	rq.show(status, "blade", page{Title: b.Name, Crumbs: crumbsOf(id), Data: b, Err: problem})
}

func hasView(menu []menuItem, v string) bool {
	for _, m := range menu {
		if m.Key == v {
			return true
		}
	}
	return false
}

// read GETs the resource an ID names, with its type's api-version.
func (rq *request) read(id resID) (map[string]any, error) {
	v, err := rq.arm.apiVersionOf(id.Sub, id.Type())
	if err != nil {
		return nil, err
	}
	if id.Group == "" {
		v = subscriptionsAPI
	}
	return rq.arm.get(id.String(), v)
}

// subscriptionsAPI is the api-version of subscription reads.
const subscriptionsAPI = "2022-12-01"

// crumbsOf leads from Home through the subscription and group to id.
func crumbsOf(id resID) []crumb {
	c := []crumb{{"Home", "/portal/"}}
	if id.Group != "" {
		c = append(c, crumb{"Subscription", portalURL("subscriptions/" + id.Sub)})
	}
	if id.NS != "" {
		c = append(c, crumb{id.Group, portalURL(id.GroupID())})
	}
	for i := 0; i+1 < len(id.Names); i++ {
		parent := id
		parent.Types, parent.Names = id.Types[:i+1], id.Names[:i+1]
		c = append(c, crumb{id.Names[i], portalURL(parent.String())})
	}
	return c
}

// essentials are the Overview's first lines, as Azure's portal shows them.
func essentials(id resID, doc map[string]any) []essential {
	var e []essential
	if id.Group != "" && id.NS != "" {
		e = append(e, essential{"Resource group", id.Group, portalURL(id.GroupID())})
	}
	if loc := digStr(doc, "location"); loc != "" {
		e = append(e, essential{K: "Location", V: loc})
	}
	e = append(e, essential{"Subscription ID", id.Sub, portalURL("subscriptions/" + id.Sub)})
	if id.Group != "" {
		e = append(e, essential{K: "Type", V: firstNonEmpty(digStr(doc, "type"), id.Type())})
	}
	if ps := digStr(doc, "properties", "provisioningState"); ps != "" {
		e = append(e, essential{K: "Provisioning state", V: ps})
	}
	if s := digStr(doc, "state"); s != "" && id.Group == "" {
		e = append(e, essential{K: "State", V: s})
	}
	return e
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
