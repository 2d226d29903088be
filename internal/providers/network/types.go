// Package network is the Microsoft.Network provider: virtual networks with
// their subnets and peerings, realized by the fabric as network namespaces.
// Subnets and peerings live inside their virtual network's record (as they
// appear inline in its body), so a virtual network and its children always
// change together.
package network

import (
	"encoding/json"
	"github.com/aksbox/aksbox/internal/arm"
)

// Namespace of this provider.
const Namespace = "Microsoft.Network"

// APIVersions accepted for Microsoft.Network (az 2.45 uses 2022-01-01; the
// Azure SDK for Go armnetwork v6 uses 2024-05-01; Terraform's azurerm 5.x
// uses 2025-01-01).
var APIVersions = []string{
	"2025-07-01", "2025-05-01", "2025-01-01", "2024-10-01", "2024-07-01", "2024-05-01", "2024-03-01", "2024-01-01", "2023-11-01", "2023-09-01", "2023-06-01",
	"2023-05-01", "2023-04-01", "2023-02-01", "2022-11-01", "2022-09-01", "2022-07-01", "2022-05-01",
	"2022-01-01", "2021-08-01", "2021-05-01", "2021-03-01", "2021-02-01", "2020-11-01",
}

// ServiceAPIVersion is the api-version the cloud's own services (AKS, the
// container registry) use to make this provider's resources through the
// front door.
const ServiceAPIVersion = "2024-07-01"

// VNet is a virtual network as ARM returns it.
type VNet struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties VNetProperties    `json:"properties"`
}

// VNetProperties are a virtual network's properties.
type VNetProperties struct {
	ProvisioningState      string       `json:"provisioningState,omitempty"`
	ResourceGUID           string       `json:"resourceGuid,omitempty"`
	AddressSpace           AddressSpace `json:"addressSpace"`
	DhcpOptions            *DhcpOptions `json:"dhcpOptions,omitempty"`
	Subnets                []*Subnet    `json:"subnets"`
	VirtualNetworkPeerings []*Peering   `json:"virtualNetworkPeerings"`
	EnableDdosProtection   bool         `json:"enableDdosProtection"`
}

// AddressSpace lists address prefixes.
type AddressSpace struct {
	AddressPrefixes []string `json:"addressPrefixes"`
}

// DhcpOptions holds custom DNS servers.
type DhcpOptions struct {
	DNSServers []string `json:"dnsServers"`
}

// Subnet is a subnet as ARM returns it (inline in a VNet or on its own).
type Subnet struct {
	ID         string           `json:"id,omitempty"`
	Name       string           `json:"name"`
	Type       string           `json:"type,omitempty"`
	Etag       string           `json:"etag,omitempty"`
	Properties SubnetProperties `json:"properties"`
}

// SubnetProperties are a subnet's properties.
type SubnetProperties struct {
	ProvisioningState                 string        `json:"provisioningState,omitempty"`
	AddressPrefix                     string        `json:"addressPrefix,omitempty"`
	AddressPrefixes                   []string      `json:"addressPrefixes,omitempty"`
	PrivateEndpointNetworkPolicies    string        `json:"privateEndpointNetworkPolicies,omitempty"`
	PrivateLinkServiceNetworkPolicies string        `json:"privateLinkServiceNetworkPolicies,omitempty"`
	IPConfigurations                  []SubRef      `json:"ipConfigurations,omitempty"`
	PrivateEndpoints                  []SubRef      `json:"privateEndpoints,omitempty"`
	Delegations                       []*Delegation `json:"delegations"`
	// Purpose is Azure's read-only note on a delegated subnet ("" for
	// the services aksbox knows).
	Purpose *string `json:"purpose,omitempty"`
	// ServiceEndpoints are stored, not enforced (aksbox has no Azure
	// services behind them).
	ServiceEndpoints []*ServiceEndpoint `json:"serviceEndpoints,omitempty"`
}

// ServiceEndpoint is a subnet's service endpoint.
type ServiceEndpoint struct {
	Service           string   `json:"service"`
	Locations         []string `json:"locations,omitempty"`
	ProvisioningState string   `json:"provisioningState,omitempty"`
}

// Ranges are the subnet's address ranges: addressPrefix, or addressPrefixes
// as sent (Azure keeps whichever the client used).
func (s *Subnet) Ranges() []string {
	if s.Properties.AddressPrefix != "" {
		return []string{s.Properties.AddressPrefix}
	}
	return s.Properties.AddressPrefixes
}

// Prefix is the subnet's first range: the one the fabric realizes (a
// subnet's further ranges are stored and checked, not realized).
func (s *Subnet) Prefix() string {
	if r := s.Ranges(); len(r) > 0 {
		return r[0]
	}
	return ""
}

// SubRef is a reference to another resource by ID.
type SubRef struct {
	ID string `json:"id"`
}

// Peering is a virtual network peering.
type Peering struct {
	ID         string            `json:"id,omitempty"`
	Name       string            `json:"name"`
	Type       string            `json:"type,omitempty"`
	Etag       string            `json:"etag,omitempty"`
	Properties PeeringProperties `json:"properties"`
}

// PeeringProperties are a peering's properties.
type PeeringProperties struct {
	ProvisioningState    string        `json:"provisioningState,omitempty"`
	PeeringState         string        `json:"peeringState,omitempty"`
	PeeringSyncLevel     string        `json:"peeringSyncLevel,omitempty"`
	RemoteVirtualNetwork *SubRef       `json:"remoteVirtualNetwork"`
	RemoteAddressSpace   *AddressSpace `json:"remoteAddressSpace,omitempty"`
	// RemoteVirtualNetworkAddressSpace is the remote's address space as it
	// is now (Azure keeps remoteAddressSpace as it was when peered; aksbox
	// has them equal).
	RemoteVirtualNetworkAddressSpace *AddressSpace `json:"remoteVirtualNetworkAddressSpace,omitempty"`
	AllowVirtualNetworkAccess        *bool         `json:"allowVirtualNetworkAccess,omitempty"`
	AllowForwardedTraffic            *bool         `json:"allowForwardedTraffic,omitempty"`
	AllowGatewayTransit              *bool         `json:"allowGatewayTransit,omitempty"`
	UseRemoteGateways                *bool         `json:"useRemoteGateways,omitempty"`
}

// Peering states.
const (
	Initiated    = "Initiated"
	Connected    = "Connected"
	Disconnected = "Disconnected"
)

// vnetInternal is aksbox's own state of a virtual network record.
type vnetInternal struct {
	// ConnectedPeers are the peerings (by lower-case name) that have been
	// Connected, so that losing the remote side shows Disconnected.
	ConnectedPeers map[string]bool `json:"connectedPeers,omitempty"`
}

func decodeVNet(body []byte) (*VNet, error) {
	var v VNet
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Catalog is the part of Microsoft.Network served by this provider, as the
// provider catalog lists it.
func Catalog() arm.Namespace {
	var types []arm.ResourceType
	for _, t := range []string{"virtualNetworks", "virtualNetworks/subnets", "virtualNetworks/virtualNetworkPeerings",
		"networkInterfaces", "publicIPAddresses", "privateEndpoints", "privateLinkServices", "loadBalancers", "locations/operations"} {
		types = append(types, arm.ResourceType{Name: t, APIVersions: APIVersions})
	}
	return arm.Namespace{Name: Namespace, Types: types}
}
