package network

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// Delegation hands a subnet to a service, which then places its own
// resources there (a DNS resolver's endpoints, an API server's VNet
// integration).
type Delegation struct {
	ID         string               `json:"id,omitempty"`
	Name       string               `json:"name"`
	Type       string               `json:"type,omitempty"`
	Etag       string               `json:"etag,omitempty"`
	Properties DelegationProperties `json:"properties"`
}

// DelegationProperties are a delegation's properties; Actions are what
// Azure lets the service do in the subnet, computed from the service.
type DelegationProperties struct {
	ServiceName       string   `json:"serviceName"`
	Actions           []string `json:"actions"`
	ProvisioningState string   `json:"provisioningState,omitempty"`
}

const (
	joinAction   = "Microsoft.Network/virtualNetworks/subnets/join/action"
	subnetAction = "Microsoft.Network/virtualNetworks/subnets/action"
)

// delegationActions are the actions Azure grants each service a subnet can
// be delegated to (the services' entries of availableDelegations).
var delegationActions = map[string][]string{
	"Microsoft.Network/dnsResolvers":              {joinAction},
	"Microsoft.ContainerService/managedClusters":  {joinAction},
	"Microsoft.ContainerInstance/containerGroups": {subnetAction},
	"Microsoft.Web/serverFarms":                   {subnetAction},
	"Microsoft.Web/hostingEnvironments":           {subnetAction},
	"Microsoft.App/environments":                  {joinAction},
	"Microsoft.DBforPostgreSQL/flexibleServers":   {joinAction},
	"Microsoft.DBforMySQL/flexibleServers":        {joinAction},
	"Microsoft.Sql/managedInstances":              {joinAction, "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action", "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action"},
	"Microsoft.Netapp/volumes":                    {"Microsoft.Network/networkinterfaces/*", joinAction},
	"Microsoft.Databricks/workspaces":             {joinAction, "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action", "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action"},
}

// DNSResolvers is the service a DNS resolver's endpoint subnets are
// delegated to.
const DNSResolvers = "Microsoft.Network/dnsResolvers"

// knownService finds a service by name, case-insensitively, in its Azure
// spelling.
func knownService(name string) (string, bool) {
	for s := range delegationActions {
		if strings.EqualFold(s, name) {
			return s, true
		}
	}
	return "", false
}

// normalizeDelegations gives each delegation of a subnet its ID, type,
// the service's Azure spelling and the actions Azure computes for it.
func normalizeDelegations(subnetID arm.ResourceID, in []*Delegation) []*Delegation {
	out := make([]*Delegation, 0, len(in))
	for _, d := range in {
		svc, _ := knownService(d.Properties.ServiceName)
		out = append(out, &Delegation{ID: subnetID.Child("delegations", d.Name).String(), Name: d.Name,
			Type: Namespace + "/virtualNetworks/subnets/delegations",
			Properties: DelegationProperties{ServiceName: svc, Actions: slices.Clone(delegationActions[svc]),
				ProvisioningState: arm.Succeeded}})
	}
	return out
}

// checkDelegations refuses delegations Azure refuses: unnamed, named twice,
// to a service Azure does not delegate to, or to two services at once.
func checkDelegations(subnetID arm.ResourceID, in []*Delegation) []*arm.Error {
	var errs []*arm.Error
	seen := map[string]bool{}
	services := map[string]bool{}
	for i, d := range in {
		id := subnetID.Child("delegations", d.Name).String()
		switch {
		case d == nil || d.Name == "":
			errs = append(errs, arm.InvalidParameter("properties.delegations",
				"Delegation %d of subnet '%s' has no name; name it, e.g. '0' as az does.", i, subnetID.Name()))
			continue
		case seen[strings.ToLower(d.Name)]:
			errs = append(errs, arm.BadRequest("InvalidRequestFormat",
				"The delegation name '%s' appears twice in subnet '%s'.", d.Name, subnetID.Name()))
			continue
		}
		seen[strings.ToLower(d.Name)] = true
		svc, ok := knownService(d.Properties.ServiceName)
		if !ok {
			errs = append(errs, arm.BadRequest("InvalidServiceNameOnDelegation",
				"The service name %s specified on delegation %s is not valid. Valid value(s) are: %s.",
				d.Properties.ServiceName, id, strings.Join(knownServices(), ",")))
			continue
		}
		services[svc] = true
	}
	if len(services) > 1 {
		names := make([]string, 0, len(services))
		for s := range services {
			names = append(names, s)
		}
		sort.Strings(names)
		errs = append(errs, arm.InvalidParameter("properties.delegations",
			"Subnet %s can be delegated to one service only, not to %s; keep one delegation.", subnetID.String(), strings.Join(names, " and ")))
	}
	return errs
}

func knownServices() []string {
	out := make([]string, 0, len(delegationActions))
	for s := range delegationActions {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// delegatedTo tells whether a subnet is delegated to service.
func delegatedTo(s *Subnet, service string) bool {
	for _, d := range s.Properties.Delegations {
		if strings.EqualFold(d.Properties.ServiceName, service) {
			return true
		}
	}
	return false
}

// ServiceLink is a resource of a service placed in a subnet delegated to
// it (a DNS resolver's endpoint): the subnet is in use while it exists and
// must stay delegated to the service.
type ServiceLink struct {
	ID      string // the resource, e.g. an inbound endpoint
	Service string // e.g. Microsoft.Network/dnsResolvers
	Link    string // the service association link's name, e.g. dnsResolverLink
}

// ServiceLinks lists the service resources in a subnet; providers of such
// services supply it.
type ServiceLinks func(ctx context.Context, subnetID string) ([]ServiceLink, error)

// AddServiceLinks registers a source of service resources in subnets.
func (p *Provider) AddServiceLinks(l ServiceLinks) { p.links = append(p.links, l) }

// serviceLinks lists the service resources in a subnet.
func (p *Provider) serviceLinks(ctx context.Context, subnetID string) ([]ServiceLink, error) {
	var out []ServiceLink
	for _, l := range p.links {
		got, err := l(ctx, subnetID)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// checkKeptDelegations refuses to take a subnet's delegation from a service
// that has resources in it, as Azure does (SubnetMissingRequiredDelegation).
func (p *Provider) checkKeptDelegations(ctx context.Context, vnet arm.ResourceID, subnets []*Subnet) error {
	for _, s := range subnets {
		sid := vnet.Child("subnets", s.Name)
		links, err := p.serviceLinks(ctx, sid.String())
		if err != nil {
			return err
		}
		for _, l := range links {
			if !delegatedTo(s, l.Service) {
				return arm.Errorf(http.StatusBadRequest, "SubnetMissingRequiredDelegation",
					"Subnet %s requires any of the following delegation(s) [%s] to reference service association link %s/serviceAssociationLinks/%s (of %s).",
					sid.String(), l.Service, sid.String(), l.Link, l.ID)
			}
		}
	}
	return nil
}
