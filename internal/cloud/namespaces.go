package cloud

import (
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/authorization"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/providers/containerregistry"
	"github.com/aksbox/aksbox/internal/providers/containerservice"
	"github.com/aksbox/aksbox/internal/providers/managedidentity"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/providers/networkwatcher"
	"github.com/aksbox/aksbox/internal/providers/privatedns"
	"github.com/aksbox/aksbox/internal/providers/resources"
)

// addPlannedNamespaces adds each provider's namespace to the catalog, as
// the provider declares it, so that registration works for them and their
// types answer MissingSubscriptionRegistration until registered.
func addPlannedNamespaces(cat *arm.Catalog) {
	for _, ns := range []arm.Namespace{
		containerservice.Catalog(), network.Catalog(), privatedns.Catalog(), networkwatcher.Catalog(network.APIVersions),
		compute.Catalog(), managedidentity.Catalog(), authorization.Catalog(), containerregistry.Catalog(),
	} {
		cat.Add(ns)
	}
}

// unknownProviderRoutes answer requests for provider resources nobody
// serves: an unknown namespace, an unregistered subscription, a missing
// group, or a type the namespace does not have.
func unknownProviderRoutes(front *arm.Server, cat *arm.Catalog, res *resources.Provider, authz *authorization.Provider) {
	h := func(w http.ResponseWriter, r *arm.Request) error {
		if authz.Serves(r.URL.Path) { // role assignments live under any scope
			return authz.Serve(w, r)
		}
		ns, sub := r.Var("ns"), r.Var("subscriptionId")
		if err := cat.RequireRegistered(r.Context(), sub, ns); err != nil {
			return err
		}
		if g := r.Var("resourceGroupName"); g != "" {
			if err := res.RequireGroup(r.Context(), sub, g); err != nil {
				return err
			}
		}
		typ := typePath(r.Var("rest"))
		if cat.APIVersions(ns, typ) == nil {
			return arm.Errorf(http.StatusBadRequest, "InvalidResourceType",
				"The resource type '%s' could not be found in the namespace '%s' for api version '%s'.",
				typ, ns, r.URL.Query().Get("api-version"))
		}
		return arm.Errorf(http.StatusNotImplemented, "NotImplemented",
			"aksbox does not serve '%s/%s' yet.", ns, typ)
	}
	front.Handle(arm.Route{Pattern: "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/{ns}/{rest...}", Handler: h})
	front.Handle(arm.Route{Pattern: "/subscriptions/{subscriptionId}/providers/{ns}/{rest...}", Handler: h})
}

// typePath is the type part of "type/name/childType/name...": "type/childType".
func typePath(rest string) string {
	parts := strings.Split(rest, "/")
	var types []string
	for i := 0; i < len(parts); i += 2 {
		types = append(types, parts[i])
	}
	return strings.Join(types, "/")
}
