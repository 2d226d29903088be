// Package containerregistry is the Microsoft.ContainerRegistry provider:
// registries (Basic, Standard, Premium) with their admin user, public
// network access switch, name check, credentials and the private link
// resource "registry". Each registry's images live in a real OCI
// Distribution registry served by package registry; this provider tells
// that data plane which registries exist and who may pull or push.
package containerregistry

import (
	"fmt"

	"github.com/aksbox/aksbox/internal/arm"
)

// Namespace of this provider.
const Namespace = "Microsoft.ContainerRegistry"

// Type of the registries.
const Type = "registries"

// APIVersions of registries, newest first: az's azure-mgmt-containerregistry
// versions, the Azure SDK for Go armcontainerregistry v1.2.0 (2023-07-01)
// and the GA versions before it.
var APIVersions = []string{"2023-07-01", "2023-01-01-preview", "2022-12-01", "2022-02-01-preview", "2021-09-01", "2019-05-01"}

// Domain is the DNS suffix of every registry's login server.
const Domain = "azurecr.io"

// PrivateLinkZone is the private DNS zone of registries' private endpoints.
const PrivateLinkZone = "privatelink." + Domain

// GroupID is the registry's one private link resource.
const GroupID = "registry"

// SKUs and what each allows.
const (
	Basic    = "Basic"
	Standard = "Standard"
	Premium  = "Premium"
)

// Registry is a registry as ARM returns it (and as stored).
type Registry struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	SKU        SKU               `json:"sku"`
	Properties Properties        `json:"properties"`
}

// SKU is the registry's tier.
type SKU struct {
	Name string `json:"name"`
	Tier string `json:"tier"`
}

// Properties of a registry.
type Properties struct {
	LoginServer                string          `json:"loginServer"`
	CreationDate               string          `json:"creationDate"`
	ProvisioningState          string          `json:"provisioningState,omitempty"`
	AdminUserEnabled           bool            `json:"adminUserEnabled"`
	NetworkRuleSet             *NetworkRuleSet `json:"networkRuleSet,omitempty"`
	Policies                   Policies        `json:"policies"`
	Encryption                 map[string]any  `json:"encryption"`
	DataEndpointEnabled        bool            `json:"dataEndpointEnabled"`
	DataEndpointHostNames      []string        `json:"dataEndpointHostNames"`
	PrivateEndpointConnections []any           `json:"privateEndpointConnections"`
	PublicNetworkAccess        string          `json:"publicNetworkAccess"`
	NetworkRuleBypassOptions   string          `json:"networkRuleBypassOptions"`
	ZoneRedundancy             string          `json:"zoneRedundancy"`
	AnonymousPullEnabled       bool            `json:"anonymousPullEnabled"`
}

// NetworkRuleSet is Premium's firewall: stored, not enforced beyond
// publicNetworkAccess.
type NetworkRuleSet struct {
	DefaultAction string `json:"defaultAction"`
	IPRules       []any  `json:"ipRules"`
}

// Policies are the registry's policies, stored with ACR's defaults.
type Policies struct {
	QuarantinePolicy                 map[string]any `json:"quarantinePolicy"`
	TrustPolicy                      map[string]any `json:"trustPolicy"`
	RetentionPolicy                  map[string]any `json:"retentionPolicy"`
	ExportPolicy                     map[string]any `json:"exportPolicy"`
	AzureADAuthenticationAsArmPolicy map[string]any `json:"azureADAuthenticationAsArmPolicy"`
	SoftDeletePolicy                 map[string]any `json:"softDeletePolicy"`
}

// Public tells whether the registry's public endpoint answers.
func (r *Registry) Public() bool { return r.Properties.PublicNetworkAccess != "Disabled" }

// internal is what the record keeps beside the body: the admin user's
// passwords (never in the body) and the data plane's storage name.
type internal struct {
	UID       string   `json:"uid"`
	Passwords []string `json:"passwords,omitempty"`
}

// Catalog is the provider's namespace in the providers list.
func Catalog() arm.Namespace {
	return arm.Namespace{Name: Namespace, Types: []arm.ResourceType{
		{Name: Type, APIVersions: APIVersions},
	}}
}

// loginServer is the login server of a registry named name.
func loginServer(name string) string { return fmt.Sprintf("%s.%s", lower(name), Domain) }
