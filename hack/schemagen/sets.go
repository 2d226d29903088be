//go:build !older

package main

import (
	cmp3 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v3"
	cmp4 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v4"
	cmp5 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v5"
	cmp6 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	cmp7 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
	aks1 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice"
	aks2 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v2"
	aks4 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v4"
	aks5 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v5"
	aks6 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	aks7 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v7"
	aks8 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dnsresolver/armdnsresolver"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	net1 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork"
	net2 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v2"
	net3 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v3"
	net4 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v4"
	net5 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v5"
	net6 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	net7 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v7"
	net8 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v8"
	net9 "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
)

const sdk = "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/"

func sets() []set {
	return []set{
		aks("2022-04-01", "armcontainerservice@v1.0.0", aks1.ManagedCluster{}, aks1.AgentPool{}, aks1.MaintenanceConfiguration{}),
		aks("2023-01-01", "armcontainerservice/v2@v2.4.0", aks2.ManagedCluster{}, aks2.AgentPool{}, aks2.MaintenanceConfiguration{}),
		aks("2023-04-01", "armcontainerservice/v4@v4.0.0", aks4.ManagedCluster{}, aks4.AgentPool{}, aks4.MaintenanceConfiguration{}),
		aks("2024-02-01", "armcontainerservice/v5@v5.0.0", aks5.ManagedCluster{}, aks5.AgentPool{}, aks5.MaintenanceConfiguration{}),
		aks("2025-02-01", "armcontainerservice/v6@v6.6.0", aks6.ManagedCluster{}, aks6.AgentPool{}, aks6.MaintenanceConfiguration{}),
		aks("2025-07-01", "armcontainerservice/v7@v7.3.0", aks7.ManagedCluster{}, aks7.AgentPool{}, aks7.MaintenanceConfiguration{}),
		aks("2025-10-01", "armcontainerservice/v8@v8.2.0", aks8.ManagedCluster{}, aks8.AgentPool{}, aks8.MaintenanceConfiguration{}),

		network("2022-01-01", "armnetwork@v1.1.0", map[string]any{"virtualNetworks": net1.VirtualNetwork{}, "virtualNetworks/subnets": net1.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net1.VirtualNetworkPeering{}, "networkInterfaces": net1.Interface{}, "publicIPAddresses": net1.PublicIPAddress{}, "privateEndpoints": net1.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net1.PrivateDNSZoneGroup{}, "privateLinkServices": net1.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net1.PrivateEndpointConnection{}, "loadBalancers": net1.LoadBalancer{}, "networkWatchers": net1.Watcher{}}),
		network("2022-09-01", "armnetwork/v2@v2.2.1", map[string]any{"virtualNetworks": net2.VirtualNetwork{}, "virtualNetworks/subnets": net2.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net2.VirtualNetworkPeering{}, "networkInterfaces": net2.Interface{}, "publicIPAddresses": net2.PublicIPAddress{}, "privateEndpoints": net2.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net2.PrivateDNSZoneGroup{}, "privateLinkServices": net2.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net2.PrivateEndpointConnection{}, "loadBalancers": net2.LoadBalancer{}, "networkWatchers": net2.Watcher{}}),
		network("2022-11-01", "armnetwork/v3@v3.0.0", map[string]any{"virtualNetworks": net3.VirtualNetwork{}, "virtualNetworks/subnets": net3.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net3.VirtualNetworkPeering{}, "networkInterfaces": net3.Interface{}, "publicIPAddresses": net3.PublicIPAddress{}, "privateEndpoints": net3.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net3.PrivateDNSZoneGroup{}, "privateLinkServices": net3.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net3.PrivateEndpointConnection{}, "loadBalancers": net3.LoadBalancer{}, "networkWatchers": net3.Watcher{}}),
		network("2023-05-01", "armnetwork/v4@v4.3.0", map[string]any{"virtualNetworks": net4.VirtualNetwork{}, "virtualNetworks/subnets": net4.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net4.VirtualNetworkPeering{}, "networkInterfaces": net4.Interface{}, "publicIPAddresses": net4.PublicIPAddress{}, "privateEndpoints": net4.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net4.PrivateDNSZoneGroup{}, "privateLinkServices": net4.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net4.PrivateEndpointConnection{}, "loadBalancers": net4.LoadBalancer{}, "networkWatchers": net4.Watcher{}}),
		network("2023-11-01", "armnetwork/v5@v5.2.0", map[string]any{"virtualNetworks": net5.VirtualNetwork{}, "virtualNetworks/subnets": net5.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net5.VirtualNetworkPeering{}, "networkInterfaces": net5.Interface{}, "publicIPAddresses": net5.PublicIPAddress{}, "privateEndpoints": net5.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net5.PrivateDNSZoneGroup{}, "privateLinkServices": net5.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net5.PrivateEndpointConnection{}, "loadBalancers": net5.LoadBalancer{}, "networkWatchers": net5.Watcher{}}),
		network("2024-05-01", "armnetwork/v6@v6.2.0", map[string]any{"virtualNetworks": net6.VirtualNetwork{}, "virtualNetworks/subnets": net6.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net6.VirtualNetworkPeering{}, "networkInterfaces": net6.Interface{}, "publicIPAddresses": net6.PublicIPAddress{}, "privateEndpoints": net6.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net6.PrivateDNSZoneGroup{}, "privateLinkServices": net6.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net6.PrivateEndpointConnection{}, "loadBalancers": net6.LoadBalancer{}, "networkWatchers": net6.Watcher{}}),
		network("2025-01-01", "armnetwork/v7@v7.2.0", map[string]any{"virtualNetworks": net7.VirtualNetwork{}, "virtualNetworks/subnets": net7.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net7.VirtualNetworkPeering{}, "networkInterfaces": net7.Interface{}, "publicIPAddresses": net7.PublicIPAddress{}, "privateEndpoints": net7.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net7.PrivateDNSZoneGroup{}, "privateLinkServices": net7.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net7.PrivateEndpointConnection{}, "loadBalancers": net7.LoadBalancer{}, "networkWatchers": net7.Watcher{}}),
		network("2025-03-01", "armnetwork/v8@v8.0.0", map[string]any{"virtualNetworks": net8.VirtualNetwork{}, "virtualNetworks/subnets": net8.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net8.VirtualNetworkPeering{}, "networkInterfaces": net8.Interface{}, "publicIPAddresses": net8.PublicIPAddress{}, "privateEndpoints": net8.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net8.PrivateDNSZoneGroup{}, "privateLinkServices": net8.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net8.PrivateEndpointConnection{}, "loadBalancers": net8.LoadBalancer{}, "networkWatchers": net8.Watcher{}}),
		network("2025-05-01", "armnetwork/v9@v9.0.0", map[string]any{"virtualNetworks": net9.VirtualNetwork{}, "virtualNetworks/subnets": net9.Subnet{}, "virtualNetworks/virtualNetworkPeerings": net9.VirtualNetworkPeering{}, "networkInterfaces": net9.Interface{}, "publicIPAddresses": net9.PublicIPAddress{}, "privateEndpoints": net9.PrivateEndpoint{}, "privateEndpoints/privateDnsZoneGroups": net9.PrivateDNSZoneGroup{}, "privateLinkServices": net9.PrivateLinkService{}, "privateLinkServices/privateEndpointConnections": net9.PrivateEndpointConnection{}, "loadBalancers": net9.LoadBalancer{}, "networkWatchers": net9.Watcher{}}),

		privateDNS("2024-06-01", "armprivatedns@v1.3.0", armprivatedns.PrivateZone{}, armprivatedns.VirtualNetworkLink{}, armprivatedns.RecordSet{}),
		resolver("2025-05-01", "armdnsresolver@v1.3.0", map[string]any{"dnsResolvers": armdnsresolver.DNSResolver{}, "dnsResolvers/inboundEndpoints": armdnsresolver.InboundEndpoint{}, "dnsResolvers/outboundEndpoints": armdnsresolver.OutboundEndpoint{}, "dnsForwardingRulesets": armdnsresolver.DNSForwardingRuleset{}, "dnsForwardingRulesets/forwardingRules": armdnsresolver.ForwardingRule{}, "dnsForwardingRulesets/virtualNetworkLinks": armdnsresolver.VirtualNetworkLink{}}),
		identity("2024-11-30", "armmsi@v1.3.0", armmsi.Identity{}),
		containerRegistry("2023-07-01", "armcontainerregistry@v1.2.0", armcontainerregistry.Registry{}),

		compute("2022-03-01", "armcompute/v3@v3.0.0", cmp3.VirtualMachine{}),
		compute("2022-11-01", "armcompute/v4@v4.2.0", cmp4.VirtualMachine{}),
		compute("2024-03-01", "armcompute/v5@v5.7.0", cmp5.VirtualMachine{}),
		compute("2024-11-01", "armcompute/v6@v6.4.0", cmp6.VirtualMachine{}),
		compute("2025-04-01", "armcompute/v7@v7.3.0", cmp7.VirtualMachine{}),
	}
}
