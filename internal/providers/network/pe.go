package network

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
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
	ApplicationSecurityGroups           []any         `json:"applicationSecurityGroups"` // stored, not enforced
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

// ConnectionState is a connection's state: Approved at once for an
// automatic connection, Pending for a manual one until the owner decides.
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

// conn is the endpoint's one connection, automatic or manual (nil: none).
func (e *PE) conn() *Connection {
	if len(e.Properties.PrivateLinkServiceConnections) > 0 {
		return e.Properties.PrivateLinkServiceConnections[0]
	}
	if len(e.Properties.ManualPrivateLinkServiceConnections) > 0 {
		return e.Properties.ManualPrivateLinkServiceConnections[0]
	}
	return nil
}

func (p *Provider) peKind() *arm.Kind {
	return &arm.Kind{Namespace: Namespace, Type: "privateEndpoints", APIVersions: APIVersions,
		Build: p.buildPE, Realize: p.realizePE, Unrealize: p.unrealizePE, View: p.viewPE, ViewReads: arm.ViewReadsRecords}
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
	if c.Name == "" {
		c.Name = id.Name()
	}
	connID := id.Child("privateLinkServiceConnections", c.Name).String()
	target, pls, err := p.resolveTarget(ctx, connID, c)
	if err != nil {
		return arm.Record{}, err
	}
	e := &PE{ID: id.String(), Name: id.Name(), Type: Namespace + "/privateEndpoints", Location: loc, Tags: in.Tags}
	conn := &Connection{ID: connID, Name: c.Name, Type: Namespace + "/privateEndpoints/privateLinkServiceConnections"}
	manual := len(in.Properties.ManualPrivateLinkServiceConnections) > 0
	first := Approved
	if manual {
		first = Pending
		conn.Type = Namespace + "/privateEndpoints/manualPrivateLinkServiceConnections"
		conn.ID = id.Child("manualPrivateLinkServiceConnections", c.Name).String()
	}
	conn.Properties = ConnectionProps{ProvisioningState: arm.Succeeded, PrivateLinkServiceID: target.ID, GroupIDs: nonNilStrings(c.Properties.GroupIDs),
		RequestMessage: c.Properties.RequestMessage, PrivateLinkServiceConnectionState: connectionState(first)}
	e.Properties = PEProperties{Subnet: in.Properties.Subnet, NetworkInterfaces: []SubRef{}, PrivateLinkServiceConnections: []*Connection{},
		ManualPrivateLinkServiceConnections: []*Connection{}, CustomDNSConfigs: []DNSConfig{}, IPConfigurations: []any{},
		CustomNetworkInterfaceName: in.Properties.CustomNetworkInterfaceName}
	if manual {
		e.Properties.ManualPrivateLinkServiceConnections = []*Connection{conn}
	} else {
		e.Properties.PrivateLinkServiceConnections = []*Connection{conn}
	}
	statics, err := p.checkStaticIPs(ctx, id, in.Properties.Subnet.ID, in.Properties.IPConfigurations, cur, target.Members)
	if err != nil {
		return arm.Record{}, err
	}
	e.Properties.IPConfigurations = in.Properties.IPConfigurations
	e.Properties.ApplicationSecurityGroups = in.Properties.ApplicationSecurityGroups
	if e.Properties.ApplicationSecurityGroups == nil {
		e.Properties.ApplicationSecurityGroups = []any{}
	}
	if e.Properties.IPConfigurations == nil {
		e.Properties.IPConfigurations = []any{}
	}
	rec := arm.Record{}
	var o owner
	if cur != nil {
		o = ownerOf(cur)
	}
	// A new endpoint, or one pointed at another service, connects to the
	// service as it is now; so does the service's owner re-writing its own
	// endpoint. Anyone else's update keeps the connection as it was: one
	// left Disconnected stays so until the endpoint is created again.
	if cur == nil || !strings.EqualFold(o.Service, target.Service) || arm.IsSystem(ctx) {
		o.Service, o.Generation, o.State = target.Service, generation(pls), ""
		if manual {
			o.State = Pending
		}
	}
	o.StaticIPs = statics
	o.Members = target.Members
	rec.Internal, _ = json.Marshal(o)
	rec.Body, err = json.Marshal(e)
	return rec, err
}

func isPLSID(s string) bool {
	id, err := arm.ParseID(s)
	return err == nil && strings.EqualFold(id.Type(), Namespace+"/privateLinkServices")
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (p *Provider) realizePE(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var e PE
	if err := arm.Decode(st, &e); err != nil {
		return err
	}
	o := ownerOf(st)
	if o.Generation == "" { // an endpoint of an earlier aksbox: connected to the service as it is
		pls, err := p.rec.Get(ctx, serviceOf(&e, o))
		if err == nil {
			o.Generation = generation(pls)
			if err := p.updateOwner(ctx, id, func(s *owner) { s.Generation = o.Generation }); err != nil {
				return err
			}
		}
	}
	fn, err := p.plugOwnedNIC(ctx, id, st, e.Location, e.Properties.Subnet.ID, e.Properties.CustomNetworkInterfaceName, true)
	if err != nil {
		return err
	}
	if p.connectionStatus(ctx, &e, o) != Approved {
		return p.fab.RemoveEndpoint(e.ID) // the address stays the endpoint's; nothing answers there
	}
	if err := p.fab.EnsureEndpoint(fabric.Endpoint{ID: e.ID, NIC: fn, Frontend: serviceOf(&e, o)}); err != nil {
		if rerr := p.fab.RemoveEndpoint(e.ID); rerr != nil {
			p.log.Error("removing a private endpoint that failed", "pe", e.ID, "err", rerr)
		}
		return err
	}
	return nil
}

func (p *Provider) unrealizePE(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	if err := p.removeZoneGroups(ctx, id.String()); err != nil {
		return fmt.Errorf("removing the endpoint's DNS records: %w", err)
	}
	if err := p.fab.RemoveEndpoint(id.String()); err != nil {
		return err
	}
	in := ownerOf(st)
	return p.removeOwnedNIC(ctx, in.NIC)
}

// viewPE shows the endpoint's NIC and address.
func (p *Provider) viewPE(ctx context.Context, st *arm.Stored) json.RawMessage {
	var e PE
	if arm.Decode(st, &e) != nil {
		return st.Body
	}
	in := ownerOf(st)
	if in.NIC != "" {
		e.Properties.NetworkInterfaces = []SubRef{{ID: in.NIC}}
		if ips := p.ownedNICAddresses(ctx, in.NIC); len(ips) > 0 {
			e.Properties.CustomDNSConfigs = customDNSConfigs(in, ips)
		}
	}
	if c := e.conn(); c != nil {
		c.Properties.PrivateLinkServiceConnectionState = connectionState(p.connectionStatus(ctx, &e, in))
	}
	out, _ := json.Marshal(e)
	return out
}

// customDNSConfigs show each member's FQDNs with its address; a member
// without FQDNs shows its address alone.
func customDNSConfigs(o owner, ips []string) []DNSConfig {
	out := []DNSConfig{}
	for i := range o.addresses() {
		ip := memberAddress(ips, i)
		var fqdns []string
		if i < len(o.Members) {
			fqdns = o.Members[i].FQDNs
		}
		if len(fqdns) == 0 {
			out = append(out, DNSConfig{IPAddresses: []string{ip}})
		}
		for _, f := range fqdns {
			out = append(out, DNSConfig{Fqdn: f, IPAddresses: []string{ip}})
		}
	}
	return out
}

// endpointsOf lists the private endpoints connected to a private link service.
func (p *Provider) endpointsOf(ctx context.Context, plsID string) []string {
	conns, err := p.Connections(ctx, plsID, "")
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(conns))
	for _, c := range conns {
		out = append(out, c.Endpoint)
	}
	return out
}
