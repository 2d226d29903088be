package portal

import (
	"net/http"
	"sort"
	"strings"
)

// homeView is the Home page: the subscriptions and their resource groups.
type homeView struct {
	Subs   []row
	Groups []row
	Recent []crumb
}

func (p *Portal) home(rq *request) {
	rq.refreshNotes()
	subs, err := rq.arm.list("/subscriptions", subscriptionsAPI)
	if err != nil {
		rq.fail(err)
		return
	}
	v := &homeView{Recent: rq.ss.recentResources()}
	for _, s := range subs {
		id := digStr(s, "subscriptionId")
		v.Subs = append(v.Subs, row{Name: digStr(s, "displayName"), ID: id, State: digStr(s, "state"), Href: portalURL("subscriptions/" + id)})
		groups, err := rq.arm.list("/subscriptions/"+id+"/resourcegroups", resourcesAPI)
		if err != nil {
			rq.fail(err)
			return
		}
		for _, g := range groups {
			v.Groups = append(v.Groups, row{Name: digStr(g, "name"), Location: digStr(g, "location"),
				State: digStr(g, "properties", "provisioningState"), Href: portalURL(digStr(g, "id"))})
		}
	}
	sort.Slice(v.Groups, func(i, j int) bool { return strings.ToLower(v.Groups[i].Name) < strings.ToLower(v.Groups[j].Name) })
	rq.show(http.StatusOK, "home", page{Title: "Home", Data: v})
}
