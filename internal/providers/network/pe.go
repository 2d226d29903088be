package network

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/aksbox/aksbox/internal/store"
)

// PE is a private endpoint as ARM returns it.
type PE struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties PEProperties      `json:"properties"`
}

// PEProperties are a private endpoint's properties.
type PEProperties struct {
	ProvisioningState                   string        `json:"provisioningState,omitempty"`
	Subnet                              *SubRef       `json:"subnet"`
	NetworkInterfaces                   []SubRef      `json:"networkInterfaces"`
	PrivateLinkServiceConnections       []*Connection `json:"privateLinkServiceConnections"`
	ManualPrivateLinkServiceConnections []*Connection `json:"manualPrivateLinkServiceConnections"`
	CustomDNSConfigs                    []DNSConfig   `json:"customDnsConfigs"`
	CustomNetworkInterfaceName          string        `json:"customNetworkInterfaceName,omitempty"`
	IPConfigurations                    []any         `json:"ipConfigurations"`
}

// Connection is a private link service connection of an endpoint.
type Connection struct {
	ID         string          `json:"id,omitempty"`
	Name       string          `json:"name"`
	Type       string          `json:"type,omitempty"`
	Etag       string          `json:"etag,omitempty"`
	Properties ConnectionProps `json:"properties"`
}

// ConnectionProps are a connection's properties.
type ConnectionProps struct {
	ProvisioningState                 string           `json:"provisioningState,omitempty"`
	PrivateLinkServiceID              string           `json:"privateLinkServiceId"`
	GroupIDs                          []string         `json:"groupIds"`
	RequestMessage                    string           `json:"requestMessage,omitempty"`
	PrivateLinkServiceConnectionState *ConnectionState `json:"privateLinkServiceConnectionState,omitempty"`
}

// ConnectionState is Approved for every connection: aksbox auto-approves.
type ConnectionState struct {
	Status          string `json:"status"`
	Description     string `json:"description"`
	ActionsRequired string `json:"actionsRequired"`
}

// DNSConfig is an address of the endpoint (with an FQDN when known).
type DNSConfig struct {
	Fqdn        string   `json:"fqdn,omitempty"`
	IPAddresses []string `json:"ipAddresses"`
}

func (p *Provider) peKind() *arm.Kind {
	return &arm.Kind{Namespace: Namespace, Type: "privateEndpoints", APIVersions: APIVersions,
		Build: p.buildPE, Realize: p.realizePE, Unrealize: p.unrealizePE, View: p.viewPE}
}

func (p *Provider) buildPE(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in PE
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	loc, errs := checkTracked("private endpoint", id.Name(), 64, in.Location)
	if in.Properties.Subnet == nil || in.Properties.Subnet.ID == "" {
		errs = append(errs, arm.InvalidParameter("properties.subnet.id", "Private endpoint '%s' needs properties.subnet.id, the subnet its address comes from.", id.Name()))
	}
	conns := append(append([]*Connection{}, in.Properties.PrivateLinkServiceConnections...), in.Properties.ManualPrivateLinkServiceConnections...)
	if len(conns) != 1 {
		errs = append(errs, arm.InvalidParameter("properties.privateLinkServiceConnections",
			"Private endpoint '%s' needs exactly one private link service connection; it has %d.", id.Name(), len(conns)))
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	if _, _, aerr := p.subnetPrefix(ctx, in.Properties.Subnet.ID); aerr != nil {
		return arm.Record{}, aerr
	}
	c := conns[0]
	pls, err := p.rec.Get(ctx, c.Properties.PrivateLinkServiceID)
	if errors.Is(err, store.ErrNotFound) || !isPLSID(c.Properties.PrivateLinkServiceID) {
		return arm.Record{}, arm.BadRequest("InvalidResourceReference",
			"Private link service %s referenced by private endpoint %s was not found. aksbox private endpoints connect to private link services (Microsoft.Network/privateLinkServices).",
			c.Properties.PrivateLinkServiceID, id.String())
	}
	if err != nil {
		return arm.Record{}, err
	}
	if c.Name == "" {
		c.Name = id.Name()
	}
	e := &PE{ID: id.String(), Name: id.Name(), Type: Namespace + "/privateEndpoints", Location: loc, Tags: in.Tags}
	conn := &Connection{ID: id.Child("privateLinkServiceConnections", c.Name).String(), Name: c.Name,
		Type: Namespace + "/privateEndpoints/privateLinkServiceConnections"}
	conn.Properties = ConnectionProps{ProvisioningState: arm.Succeeded, PrivateLinkServiceID: idOfBody(pls.Body), GroupIDs: nonNilStrings(c.Properties.GroupIDs),
		RequestMessage: c.Properties.RequestMessage, PrivateLinkServiceConnectionState: &ConnectionState{Status: "Approved", Description: "Auto-Approved", ActionsRequired: "None"}}
	e.Properties = PEProperties{Subnet: in.Properties.Subnet, NetworkInterfaces: []SubRef{}, PrivateLinkServiceConnections: []*Connection{conn},
		ManualPrivateLinkServiceConnections: []*Connection{}, CustomDNSConfigs: []DNSConfig{}, IPConfigurations: []any{},
		CustomNetworkInterfaceName: in.Properties.CustomNetworkInterfaceName}
	rec := arm.Record{}
	if cur != nil {
		rec.Internal = cur.Internal
	}
	rec.Body, err = json.Marshal(e)
	return rec, err
}

func isPLSID(s string) bool {
	id, err := arm.ParseID(s)
	return err == nil && strings.EqualFold(id.Type(), Namespace+"/privateLinkServices")
}

func idOfBody(b []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &v)
	return v.ID
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (p *Provider) realizePE(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var e PE
	if err := json.Unmarshal(st.Body, &e); err != nil {
		return err
	}
	fn, err := p.plugOwnedNIC(ctx, id, st, e.Location, e.Properties.Subnet.ID, e.Properties.CustomNetworkInterfaceName, true)
	if err != nil {
		return err
	}
	return p.fab.EnsureEndpoint(fabric.Endpoint{ID: e.ID, NIC: fn, Frontend: e.Properties.PrivateLinkServiceConnections[0].Properties.PrivateLinkServiceID})
}

func (p *Provider) unrealizePE(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	if err := p.fab.RemoveEndpoint(id.String()); err != nil {
		return err
	}
	in := ownerOf(st)
	return p.removeOwnedNIC(ctx, in.NIC)
}

// viewPE shows the endpoint's NIC and address.
func (p *Provider) viewPE(ctx context.Context, st *arm.Stored) json.RawMessage {
	var e PE
	if json.Unmarshal(st.Body, &e) != nil {
		return st.Body
	}
	in := ownerOf(st)
	if in.NIC != "" {
		e.Properties.NetworkInterfaces = []SubRef{{ID: in.NIC}}
		if ip := p.ownedNICAddress(ctx, in.NIC); ip != "" {
			e.Properties.CustomDNSConfigs = []DNSConfig{{IPAddresses: []string{ip}}}
		}
	}
	out, _ := json.Marshal(e)
	return out
}

// endpointsOf lists the private endpoints connected to a private link service.
func (p *Provider) endpointsOf(ctx context.Context, plsID string) []string {
	all, err := p.pes.All(ctx, p.rec)
	if err != nil {
		return nil
	}
	var out []string
	for _, st := range all {
		var e PE
		if json.Unmarshal(st.Body, &e) != nil {
			continue
		}
		for _, c := range e.Properties.PrivateLinkServiceConnections {
			if strings.EqualFold(c.Properties.PrivateLinkServiceID, plsID) {
				out = append(out, e.ID)
			}
		}
	}
	return out
}
