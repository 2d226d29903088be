package resources

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

func (p *Provider) subscriptionRoutes(s *arm.Server) {
	get := []string{http.MethodGet}
	s.Handle(arm.Route{Pattern: "/subscriptions", Methods: get, APIVersions: SubscriptionAPIVersions, Handler: p.listSubscriptions})
	s.Handle(arm.Route{Pattern: "/subscriptions/{subscriptionId}", Methods: get, APIVersions: SubscriptionAPIVersions, Handler: p.getSubscription})
	s.Handle(arm.Route{Pattern: "/subscriptions/{subscriptionId}/locations", Methods: get, APIVersions: SubscriptionAPIVersions, Handler: p.listLocations})
	s.Handle(arm.Route{Pattern: "/tenants", Methods: get, APIVersions: SubscriptionAPIVersions, Handler: p.listTenants})
}

func (p *Provider) subscriptionBody(s Subscription) map[string]any {
	return map[string]any{
		"id":                  "/subscriptions/" + s.ID,
		"subscriptionId":      s.ID,
		"tenantId":            p.dir.TenantID,
		"displayName":         s.DisplayName,
		"state":               s.State,
		"authorizationSource": "RoleBased",
		"managedByTenants":    []any{},
		"tags":                map[string]string{},
		"subscriptionPolicies": map[string]string{
			"locationPlacementId": "Public_2014-09-01",
			"quotaId":             "PayAsYouGo_2014-09-01",
			"spendingLimit":       "Off",
		},
	}
}

func (p *Provider) listSubscriptions(w http.ResponseWriter, r *arm.Request) error {
	var items []json.RawMessage
	for _, s := range p.dir.Subscriptions {
		b, _ := json.Marshal(p.subscriptionBody(s))
		items = append(items, b)
	}
	return arm.WritePage(w, r, items)
}

func (p *Provider) getSubscription(w http.ResponseWriter, r *arm.Request) error {
	for _, s := range p.dir.Subscriptions {
		if strings.EqualFold(s.ID, r.Var("subscriptionId")) {
			arm.WriteJSON(w, http.StatusOK, p.subscriptionBody(s))
			return nil
		}
	}
	return arm.Errorf(http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", r.Var("subscriptionId"))
}

func (p *Provider) listTenants(w http.ResponseWriter, r *arm.Request) error {
	b, _ := json.Marshal(map[string]any{
		"id":             "/tenants/" + p.dir.TenantID,
		"tenantId":       p.dir.TenantID,
		"tenantCategory": "Home",
		"countryCode":    "US",
		"displayName":    p.dir.TenantName,
		"defaultDomain":  "aksbox.local",
		"domains":        []string{"aksbox.local"},
		"tenantType":     "AAD",
	})
	return arm.WritePage(w, r, []json.RawMessage{b})
}

func (p *Provider) listLocations(w http.ResponseWriter, r *arm.Request) error {
	var items []json.RawMessage
	for _, l := range arm.Locations {
		b, _ := json.Marshal(map[string]any{
			"id":                  "/subscriptions/" + r.Var("subscriptionId") + "/locations/" + l.Name,
			"name":                l.Name,
			"displayName":         l.DisplayName,
			"regionalDisplayName": l.DisplayName,
			"type":                "Region",
			"metadata":            map[string]any{"regionType": "Physical", "regionCategory": "Recommended"},
		})
		items = append(items, b)
	}
	return arm.WritePage(w, r, items)
}

// listGroupResources lists the top-level resources of a group, as
// GET .../resourceGroups/{g}/resources does.
func (p *Provider) listGroupResources(w http.ResponseWriter, r *arm.Request) error {
	if err := p.RequireGroup(r.Context(), r.Var("subscriptionId"), r.Var("resourceGroupName")); err != nil {
		return err
	}
	return p.writeResources(w, r, groupID(r.Var("subscriptionId"), r.Var("resourceGroupName")).String())
}

func (p *Provider) listSubscriptionResources(w http.ResponseWriter, r *arm.Request) error {
	return p.writeResources(w, r, "/subscriptions/"+r.Var("subscriptionId")+"/resourceGroups")
}

func (p *Provider) writeResources(w http.ResponseWriter, r *arm.Request, prefix string) error {
	all, err := p.rec.Scan(r.Context(), prefix)
	if err != nil {
		return err
	}
	var items []json.RawMessage
	for _, s := range all {
		if kid, err := arm.ParseID(arm.IDOfKey(s.Key)); err != nil || len(kid.Types) != 1 {
			continue // groups themselves and child resources are not listed
		}
		st, err := s.Peek() // only decoded
		if err != nil {
			return err
		}
		var res map[string]any
		if arm.Decode(st, &res) != nil {
			continue
		}
		id, _ := res["id"].(string)
		pid, err := arm.ParseID(id)
		if err != nil || len(pid.Types) != 1 {
			continue // groups themselves and child resources are not listed
		}
		out := map[string]any{"id": id, "name": res["name"], "type": res["type"]}
		for _, k := range []string{"location", "tags", "kind", "managedBy", "sku", "identity"} {
			if v, ok := res[k]; ok {
				out[k] = v
			}
		}
		b, _ := json.Marshal(out)
		items = append(items, b)
	}
	return arm.WritePage(w, r, items)
}
