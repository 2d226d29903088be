// Package privatedns is the private DNS zone provider
// (Microsoft.Network/privateDnsZones): zones, their record sets, and their
// links to virtual networks. It is also the resolver behind 168.63.129.16
// in every virtual network: a name is answered from the zones linked to
// that network, and nothing else is answered at all.
package privatedns

import (
	"encoding/json"

	"github.com/aksbox/aksbox/internal/arm"
)

// Namespace of the zone types.
const Namespace = "Microsoft.Network"

// APIVersions accepted (az 2.45 and the Azure SDK for Go use 2020-06-01 and 2024-06-01).
var APIVersions = []string{"2024-06-01", "2020-06-01", "2020-01-01", "2018-09-01"}

// ServiceAPIVersion is the api-version the cloud's own services (AKS, the
// container registry, private endpoints' zone groups) use to make this provider's resources through the
// front door.
const ServiceAPIVersion = "2020-06-01"

// RecordTypes served as record sets.
var RecordTypes = []string{"A", "AAAA", "CNAME", "TXT", "MX", "PTR", "SRV", "SOA"}

// Zone is a private DNS zone as ARM returns it.
type Zone struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties ZoneProperties    `json:"properties"`
}

// ZoneProperties are a zone's properties and counters.
type ZoneProperties struct {
	ProvisioningState                              string `json:"provisioningState,omitempty"`
	InternalID                                     string `json:"internalId,omitempty"`
	MaxNumberOfRecordSets                          int    `json:"maxNumberOfRecordSets"`
	NumberOfRecordSets                             int    `json:"numberOfRecordSets"`
	MaxNumberOfVirtualNetworkLinks                 int    `json:"maxNumberOfVirtualNetworkLinks"`
	NumberOfVirtualNetworkLinks                    int    `json:"numberOfVirtualNetworkLinks"`
	MaxNumberOfVirtualNetworkLinksWithRegistration int    `json:"maxNumberOfVirtualNetworkLinksWithRegistration"`
	NumberOfVirtualNetworkLinksWithRegistration    int    `json:"numberOfVirtualNetworkLinksWithRegistration"`
}

// RecordSet is a record set as ARM returns it.
type RecordSet struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Etag       string         `json:"etag"`
	Properties RecordSetProps `json:"properties"`
}

// RecordSetProps holds the records of every type.
type RecordSetProps struct {
	Metadata         map[string]string `json:"metadata,omitempty"`
	TTL              int64             `json:"ttl"`
	Fqdn             string            `json:"fqdn"`
	IsAutoRegistered bool              `json:"isAutoRegistered"`
	ARecords         []ARecord         `json:"aRecords,omitempty"`
	AAAARecords      []AAAARecord      `json:"aaaaRecords,omitempty"`
	CnameRecord      *CnameRecord      `json:"cnameRecord,omitempty"`
	TxtRecords       []TxtRecord       `json:"txtRecords,omitempty"`
	MxRecords        []json.RawMessage `json:"mxRecords,omitempty"`
	PtrRecords       []json.RawMessage `json:"ptrRecords,omitempty"`
	SrvRecords       []json.RawMessage `json:"srvRecords,omitempty"`
	SoaRecord        json.RawMessage   `json:"soaRecord,omitempty"`
}

// ARecord is an IPv4 address.
type ARecord struct {
	IPv4Address string `json:"ipv4Address"`
}

// AAAARecord is an IPv6 address.
type AAAARecord struct {
	IPv6Address string `json:"ipv6Address"`
}

// CnameRecord is a canonical name.
type CnameRecord struct {
	Cname string `json:"cname"`
}

// TxtRecord is a list of strings.
type TxtRecord struct {
	Value []string `json:"value"`
}

// Link is a virtual network link as ARM returns it.
type Link struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties LinkProperties    `json:"properties"`
}

// LinkProperties are a link's properties.
type LinkProperties struct {
	ProvisioningState       string  `json:"provisioningState,omitempty"`
	VirtualNetwork          *SubRef `json:"virtualNetwork"`
	RegistrationEnabled     bool    `json:"registrationEnabled"`
	VirtualNetworkLinkState string  `json:"virtualNetworkLinkState,omitempty"`
}

// SubRef references a resource by ID.
type SubRef struct {
	ID string `json:"id"`
}

// Catalog is the part of Microsoft.Network served by this provider, as the
// provider catalog lists it.
// Record set types are listed one by one (privateDnsZones/A, ...) and as
// privateDnsZones/all, as Azure lists them.
func Catalog() arm.Namespace {
	types := []arm.ResourceType{
		{Name: "privateDnsZones", APIVersions: APIVersions},
		{Name: "privateDnsZones/virtualNetworkLinks", APIVersions: APIVersions},
	}
	for _, t := range append(append([]string(nil), RecordTypes...), "all") {
		types = append(types, arm.ResourceType{Name: "privateDnsZones/" + t, APIVersions: APIVersions})
	}
	return arm.Namespace{Name: Namespace, Types: types}
}
