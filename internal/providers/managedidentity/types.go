// Package managedidentity is the Microsoft.ManagedIdentity provider:
// user-assigned identities. An identity is a record and nothing more — its
// tenant, principal and client IDs are GUIDs made when it is created and
// kept for its life; no service principal is made in the directory and no
// token can be had for it. Having nothing realized, identities go with
// their resource group's records when the group is deleted.
//
// Other providers look identities up with Provider.Get, to check what a
// resource names in its identity.userAssignedIdentities and which
// principal role assignments must be made for.
package managedidentity

import "github.com/aksbox/aksbox/internal/arm"

import "strings"

// Namespace of this provider.
const Namespace = "Microsoft.ManagedIdentity"

// Type of the one resource type served.
const Type = "userAssignedIdentities"

// APIVersions of userAssignedIdentities, newest first: az 2.45 uses
// 2022-01-31-preview (its API profile for azure-mgmt-msi), the Azure SDK
// for Go armmsi v1.3.0 uses 2024-11-30; the others are the versions
// between and the GA 2018-11-30 that older tools use.
var APIVersions = []string{"2024-11-30", "2023-07-31-preview", "2023-01-31", "2022-01-31-preview", "2021-09-30-preview", "2018-11-30"}

// isolationSince is the first api-version with properties.isolationScope.
const isolationSince = "2024-11-30"

// Isolation scopes of properties.isolationScope.
const (
	IsolationNone     = "None"
	IsolationRegional = "Regional"
)

// Identity is a user-assigned identity as ARM returns it, and as it is
// stored (with properties.provisioningState, which the view leaves out as
// Azure has none for identities).
type Identity struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Properties Properties        `json:"properties"`
}

// Properties of an identity. The IDs are read-only: made at creation,
// never changed by a later PUT or PATCH.
type Properties struct {
	TenantID    string `json:"tenantId"`
	PrincipalID string `json:"principalId"`
	ClientID    string `json:"clientId"`
	// IsolationScope (2024-11-30 and later): None or Regional.
	IsolationScope string `json:"isolationScope,omitempty"`
}

// hasIsolation tells whether an api-version knows properties.isolationScope.
// Versions are dates, so they compare as strings.
func hasIsolation(apiVersion string) bool {
	return strings.Compare(apiVersion[:min(len(apiVersion), 10)], isolationSince) >= 0
}

// Catalog is Microsoft.ManagedIdentity as the provider catalog lists it.
// Azure registers it on a new subscription (as it does Microsoft.Compute),
// so az identity create works without a provider register; unregistering
// it gates its types with MissingSubscriptionRegistration like any other.
func Catalog() arm.Namespace {
	return arm.Namespace{Name: Namespace, RegisteredByDefault: true, Types: []arm.ResourceType{
		{Name: Type, APIVersions: APIVersions},
	}}
}
