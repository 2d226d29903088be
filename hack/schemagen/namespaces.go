package main

// The namespaces' resource types, as in a resource ID below the namespace.

func aks(apiVersion, module string, cluster, pool, maintenance any) set {
	return set{"Microsoft.ContainerService", apiVersion, sdk + "containerservice/" + module, map[string]any{
		"managedClusters": cluster, "managedClusters/agentPools": pool, "managedClusters/maintenanceConfigurations": maintenance}}
}

func network(apiVersion, module string, roots map[string]any) set {
	return set{"Microsoft.Network", apiVersion, sdk + "network/" + module, roots}
}

// privateDNS: record sets are a type per record type.
func privateDNS(apiVersion, module string, zone, link, records any) set {
	roots := map[string]any{"privateDnsZones": zone, "privateDnsZones/virtualNetworkLinks": link}
	for _, t := range []string{"A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT"} {
		roots["privateDnsZones/"+t] = records
	}
	return set{"Microsoft.Network", apiVersion, sdk + "privatedns/" + module, roots}
}

func resolver(apiVersion, module string, roots map[string]any) set {
	return set{"Microsoft.Network", apiVersion, sdk + "dnsresolver/" + module, roots}
}

func identity(apiVersion, module string, id any) set {
	return set{"Microsoft.ManagedIdentity", apiVersion, sdk + "msi/" + module, map[string]any{"userAssignedIdentities": id}}
}

func compute(apiVersion, module string, vm any) set {
	return set{"Microsoft.Compute", apiVersion, sdk + "compute/" + module, map[string]any{"virtualMachines": vm}}
}

func containerRegistry(apiVersion, module string, registry any) set {
	return set{"Microsoft.ContainerRegistry", apiVersion, sdk + "containerregistry/" + module, map[string]any{"registries": registry}}
}
