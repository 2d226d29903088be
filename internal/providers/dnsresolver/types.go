// Package dnsresolver is Azure DNS Private Resolver: DNS resolvers
// (Microsoft.Network/dnsResolvers) with inbound endpoints, whose addresses
// answer DNS as 168.63.129.16 of the resolver's virtual network does, and
// outbound endpoints; DNS forwarding rulesets with forwarding rules and
// virtual network links, which have the DNS of linked networks send
// matching names to the rules' target servers through an outbound
// endpoint. The fabric realizes both: inbound endpoints are DNS listeners
// of the resolver network's router, forwarding is done from inside it.
package dnsresolver

import "encoding/json"

// Namespace of the resolver's types.
const Namespace = "Microsoft.Network"

// APIVersions of Microsoft.Network/dnsResolvers and dnsForwardingRulesets
// (the specification's: 2025-05-01 and 2022-07-01 stable, 2023-07-01-preview
// and 2020-04-01-preview; az's dns-resolver extension uses 2023-07-01-preview
// and 2025-05-01, the Go SDK's armdnsresolver v1 2022-07-01).
var APIVersions = []string{"2025-05-01", "2023-07-01-preview", "2022-07-01", "2020-04-01-preview"}

// Types as Azure spells them.
const (
	typeResolver = "dnsResolvers"
	typeInbound  = "dnsResolvers/inboundEndpoints"
	typeOutbound = "dnsResolvers/outboundEndpoints"
	typeRuleset  = "dnsForwardingRulesets"
	typeRule     = "dnsForwardingRulesets/forwardingRules"
	typeLink     = "dnsForwardingRulesets/virtualNetworkLinks"
)

// SubRef references another resource by ID.
type SubRef struct {
	ID string `json:"id"`
}

// Resolver is a DNS resolver.
type Resolver struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties ResolverProps     `json:"properties"`
}

// ResolverProps are a resolver's properties.
type ResolverProps struct {
	VirtualNetwork    *SubRef `json:"virtualNetwork"`
	DNSResolverState  string  `json:"dnsResolverState,omitempty"`
	ProvisioningState string  `json:"provisioningState,omitempty"`
	ResourceGUID      string  `json:"resourceGuid,omitempty"`
}

// InboundEndpoint is an address of a resolver in a subnet of its network.
type InboundEndpoint struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties InboundProps      `json:"properties"`
}

// InboundProps are an inbound endpoint's properties.
type InboundProps struct {
	IPConfigurations  []*IPConfig `json:"ipConfigurations"`
	ProvisioningState string      `json:"provisioningState,omitempty"`
	ResourceGUID      string      `json:"resourceGuid,omitempty"`
}

// IPConfig is the address of an inbound endpoint.
type IPConfig struct {
	Subnet                    *SubRef `json:"subnet"`
	PrivateIPAddress          string  `json:"privateIpAddress,omitempty"`
	PrivateIPAllocationMethod string  `json:"privateIpAllocationMethod,omitempty"`
}

// OutboundEndpoint is where a resolver's forwarded queries leave from.
type OutboundEndpoint struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties OutboundProps     `json:"properties"`
}

// OutboundProps are an outbound endpoint's properties.
type OutboundProps struct {
	Subnet            *SubRef `json:"subnet"`
	ProvisioningState string  `json:"provisioningState,omitempty"`
	ResourceGUID      string  `json:"resourceGuid,omitempty"`
}

// Ruleset is a DNS forwarding ruleset.
type Ruleset struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties RulesetProps      `json:"properties"`
}

// RulesetProps are a ruleset's properties.
type RulesetProps struct {
	DNSResolverOutboundEndpoints []SubRef `json:"dnsResolverOutboundEndpoints"`
	ProvisioningState            string   `json:"provisioningState,omitempty"`
	ResourceGUID                 string   `json:"resourceGuid,omitempty"`
}

// Rule is a forwarding rule of a ruleset.
type Rule struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Etag       string    `json:"etag"`
	Properties RuleProps `json:"properties"`
}

// RuleProps are a rule's properties.
type RuleProps struct {
	DomainName          string            `json:"domainName"`
	TargetDNSServers    []TargetServer    `json:"targetDnsServers"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	ForwardingRuleState string            `json:"forwardingRuleState,omitempty"`
	ProvisioningState   string            `json:"provisioningState,omitempty"`
}

// TargetServer is a DNS server a rule forwards to.
type TargetServer struct {
	IPAddress string `json:"ipAddress"`
	Port      *int   `json:"port,omitempty"`
}

// Link links a ruleset to a virtual network.
type Link struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Etag       string    `json:"etag"`
	Properties LinkProps `json:"properties"`
}

// LinkProps are a link's properties.
type LinkProps struct {
	VirtualNetwork    *SubRef           `json:"virtualNetwork"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	ProvisioningState string            `json:"provisioningState,omitempty"`
}

// decode reads a stored body into v.
func decode[T any](body []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
