// Package resources is the Microsoft.Resources provider: subscriptions,
// tenants, locations, resource groups (with their cascading asynchronous
// delete) and resource provider registration.
package resources

import (
	"time"

	"github.com/aksbox/aksbox/internal/arm"
)

// Namespace of this provider.
const Namespace = "Microsoft.Resources"

// APIVersions accepted for Microsoft.Resources (az 2.45 uses 2021-04-01;
// the Azure SDK for Go uses 2021-04-01 and later).
var APIVersions = []string{
	"2025-04-01", "2025-03-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-07-01", "2022-09-01",
	"2021-04-01", "2021-01-01", "2020-10-01", "2020-08-01", "2020-06-01", "2019-10-01", "2019-08-01",
	"2019-07-01", "2019-05-10", "2019-05-01", "2019-03-01", "2018-05-01", "2018-02-01", "2017-05-10",
	"2016-09-01", "2016-07-01", "2016-06-01", "2016-02-01", "2015-11-01", "2014-04-01",
}

// ServiceAPIVersion is the api-version the cloud's own services (AKS, the
// container registry) use to make this provider's resources through the
// front door.
const ServiceAPIVersion = "2021-04-01"

// SubscriptionAPIVersions are those of subscriptions, tenants and locations.
var SubscriptionAPIVersions = []string{
	"2022-12-01", "2022-01-01", "2021-01-01", "2020-01-01", "2019-11-01", "2019-06-01", "2018-06-01",
	"2016-06-01", "2015-01-01", "2014-04-01",
}

// Subscription is one subscription of the directory.
type Subscription struct {
	ID          string
	DisplayName string
	State       string
}

// Directory is what this provider needs to know of the identity side.
type Directory struct {
	TenantID      string
	TenantName    string
	Subscriptions []Subscription
}

// Group is a resource group as ARM returns it.
type Group struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	ManagedBy  string            `json:"managedBy,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties GroupProperties   `json:"properties"`
}

// GroupProperties holds the provisioning state.
type GroupProperties struct {
	ProvisioningState string `json:"provisioningState"`
}

// groupInput is the body of a PUT or PATCH; pointers tell absent from empty.
type groupInput struct {
	Location   *string            `json:"location"`
	ManagedBy  *string            `json:"managedBy"`
	Tags       *map[string]string `json:"tags"`
	Properties *struct{}          `json:"properties"`
}

// Options tunes the provider.
type Options struct {
	// ProviderRegistrationDelay is how long a provider stays Registering.
	ProviderRegistrationDelay time.Duration
}

// Catalog of this provider's own types.
func catalogEntry() arm.Namespace {
	return arm.Namespace{Name: Namespace, RegistrationFree: true, Types: []arm.ResourceType{
		{Name: "resourceGroups", APIVersions: APIVersions},
		{Name: "subscriptions", APIVersions: SubscriptionAPIVersions},
		{Name: "tenants", APIVersions: SubscriptionAPIVersions},
		{Name: "subscriptions/locations", APIVersions: SubscriptionAPIVersions},
		{Name: "operationresults", APIVersions: APIVersions},
		{Name: "providers", APIVersions: APIVersions},
	}}
}
