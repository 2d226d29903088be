package cloud

import (
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/authorization"
	"github.com/aksbox/aksbox/internal/providers/containerservice"
	"github.com/aksbox/aksbox/internal/providers/managedidentity"
	"github.com/aksbox/aksbox/internal/providers/resources"
)

// addPlannedNamespaces lists the namespaces whose types are served by
// providers of their own, so that registration works for them and their
// types answer MissingSubscriptionRegistration until registered.
func addPlannedNamespaces(cat *arm.Catalog) {
	cs := containerservice.APIVersions
	net := []string{"2024-07-01", "2024-05-01", "2024-03-01", "2024-01-01", "2023-11-01", "2023-09-01", "2023-06-01", "2023-05-01", "2023-04-01", "2023-02-01", "2022-11-01", "2022-09-01", "2022-07-01", "2022-05-01", "2022-01-01", "2021-08-01", "2021-05-01"}
	cat.Add(arm.Namespace{Name: "Microsoft.ContainerService", Types: []arm.ResourceType{
		{Name: "managedClusters", APIVersions: cs},
		{Name: "managedClusters/agentPools", APIVersions: cs},
		{Name: "managedClusters/maintenanceConfigurations", APIVersions: cs},
		{Name: "locations/orchestrators", APIVersions: cs},
		{Name: "locations/kubernetesVersions", APIVersions: cs},
		{Name: "locations/operations", APIVersions: cs},
	}})
	cat.Add(arm.Namespace{Name: "Microsoft.Network", Types: []arm.ResourceType{
		{Name: "virtualNetworks", APIVersions: net},
		{Name: "virtualNetworks/subnets", APIVersions: net},
		{Name: "virtualNetworks/virtualNetworkPeerings", APIVersions: net},
		{Name: "networkInterfaces", APIVersions: net},
		{Name: "publicIPAddresses", APIVersions: net},
		{Name: "privateEndpoints", APIVersions: net},
		{Name: "privateLinkServices", APIVersions: net},
		{Name: "networkWatchers", APIVersions: net},
		{Name: "privateDnsZones", APIVersions: []string{"2024-06-01", "2020-06-01", "2020-01-01", "2018-09-01"}},
		{Name: "privateDnsZones/virtualNetworkLinks", APIVersions: []string{"2024-06-01", "2020-06-01", "2020-01-01", "2018-09-01"}},
		{Name: "locations/operations", APIVersions: net},
	}})
	cat.Add(arm.Namespace{Name: "Microsoft.Compute", RegisteredByDefault: true, Types: []arm.ResourceType{
		{Name: "virtualMachines", APIVersions: []string{"2024-07-01", "2024-03-01", "2023-09-01", "2023-07-01", "2023-03-01", "2022-11-01", "2022-08-01", "2022-03-01"}},
		{Name: "locations/operations", APIVersions: []string{"2024-07-01", "2022-08-01"}},
	}})
	// Microsoft.ManagedIdentity is among the namespaces Azure registers on a
	// new subscription (as it does Microsoft.Compute), so az identity create
	// works without a provider register; unregistering it gates its types
	// with MissingSubscriptionRegistration like any other namespace.
	cat.Add(arm.Namespace{Name: managedidentity.Namespace, RegisteredByDefault: true, Types: []arm.ResourceType{
		{Name: managedidentity.Type, APIVersions: managedidentity.APIVersions},
	}})
	cat.Add(arm.Namespace{Name: "Microsoft.Authorization", RegistrationFree: true})
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
			if _, err := res.RequireGroup(r.Context(), sub, g); err != nil {
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
