package network

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// Private link resources of other providers: a private endpoint may name,
// instead of a private link service, a resource of another provider (a
// managed cluster) and one of its groups ("management"). That provider
// resolves the pair to the private link service behind it, and the
// endpoint forwards there like any other. The network provider knows the
// other providers only through the resolvers they register.

// PrivateLinkTarget is what a private link resource's group resolves to.
type PrivateLinkTarget struct {
	ID      string // the resource's ID as stored (the case it was created with)
	Service string // the private link service behind the group
	// Members are the group's required members. An endpoint gives each an
	// address of its own (an IP configuration of its NIC), and its
	// customDnsConfigs show each member's FQDNs with that address. None:
	// one address, shown without a name.
	Members []Member
}

// Member is a required member of a private link resource's group.
type Member struct {
	Name  string   `json:"name,omitempty"`  // e.g. "registry", "registry_data_eastus"
	FQDNs []string `json:"fqdns,omitempty"` // the names that resolve to its address
}

// PrivateLinkResolver resolves a group of a resource to its private link
// service, or answers the ARM error its provider gives (a missing
// resource, a group it does not have).
type PrivateLinkResolver func(ctx context.Context, resource arm.ResourceID, groupID string) (PrivateLinkTarget, error)

// AddPrivateLinkResourceType lets private endpoints connect to resources of
// resourceType ("Microsoft.ContainerService/managedClusters") through
// resolve.
func (p *Provider) AddPrivateLinkResourceType(resourceType string, resolve PrivateLinkResolver) {
	if p.resolvers == nil {
		p.resolvers = map[string]PrivateLinkResolver{}
	}
	p.resolvers[strings.ToLower(resourceType)] = resolve
}

// Connection states of a private endpoint's connection (and Disconnected,
// shared with peerings).
const (
	Approved = "Approved"
	Rejected = "Rejected"
	// Pending is a manual connection (manualPrivateLinkServiceConnections)
	// that the service's owner has not approved or rejected yet.
	Pending = "Pending"
)

// resolveTarget finds the private link service a connection names: the
// service itself, or the service behind a private link resource of
// another provider. connID names the connection in errors, as Azure does.
func (p *Provider) resolveTarget(ctx context.Context, connID string, c *Connection) (PrivateLinkTarget, *arm.Stored, error) {
	target := c.Properties.PrivateLinkServiceID
	rid, err := arm.ParseID(target)
	if resolve, ok := p.resolvers[strings.ToLower(rid.Type())]; err == nil && ok {
		groups := c.Properties.GroupIDs
		switch {
		case len(groups) == 0:
			return PrivateLinkTarget{}, nil, arm.BadRequest("MissingParameterOnPrivateLinkServiceConnection",
				"Private link service connection %s is missing required parameter 'group Id'.", connID)
		case len(groups) > 1:
			return PrivateLinkTarget{}, nil, arm.BadRequest("OnlyOneGroupIdPermitted",
				"Private link service connection %s has the following group Ids: %s. Only one group Id is permitted when connecting to a first-party resource (%s).",
				connID, strings.Join(groups, ", "), target)
		}
		t, err := resolve(ctx, rid, groups[0])
		if err != nil {
			return PrivateLinkTarget{}, nil, callFailed(rid, err)
		}
		st, err := p.rec.Get(ctx, t.Service)
		if err != nil {
			return PrivateLinkTarget{}, nil, err
		}
		return t, st, nil
	}
	st, err := p.rec.Get(ctx, target)
	if errors.Is(err, store.ErrNotFound) || !isPLSID(target) {
		return PrivateLinkTarget{}, nil, arm.BadRequest("InvalidResourceReference",
			"Private link service %s referenced by private endpoint %s was not found. aksbox private endpoints connect to private link services (Microsoft.Network/privateLinkServices) and to managed clusters (Microsoft.ContainerService/managedClusters, group 'management').",
			target, strings.SplitN(connID, "/privateLinkServiceConnections/", 2)[0])
	}
	if err != nil {
		return PrivateLinkTarget{}, nil, err
	}
	id := arm.IDOf(st.Body)
	return PrivateLinkTarget{ID: id, Service: id}, st, nil
}

// callFailed is how the network provider reports the answer of the
// provider of a private link resource: "Call to <type> failed. Error
// message: ...", with that provider's code, as a bad request of this one.
func callFailed(rid arm.ResourceID, err error) error {
	ae := arm.AsError(err)
	if ae.Status >= http.StatusInternalServerError {
		return err
	}
	return &arm.Error{Status: http.StatusBadRequest, Code: ae.Code, Target: ae.Target,
		Message: "Call to " + rid.Type() + " failed. Error message: " + ae.Message}
}

// generation tells one life of a private link service from the next: its
// alias is made anew when the service is created again under the same ID.
func generation(pls *arm.Stored) string {
	var s PLS
	if pls == nil || arm.Decode(pls, &s) != nil {
		return ""
	}
	return s.Properties.Alias
}

// serviceOf is the private link service an endpoint connects to.
func serviceOf(e *PE, o owner) string {
	if o.Service != "" {
		return o.Service
	}
	if c := e.conn(); c != nil {
		return c.Properties.PrivateLinkServiceID
	}
	return ""
}

// connectionStatus is the state of an endpoint's connection: Approved, or
// Rejected by the service's owner, or Disconnected once the service it
// connected to is gone (deleted, or deleted and created again) or the
// owner deleted the connection. Only an Approved connection passes traffic.
func (p *Provider) connectionStatus(ctx context.Context, e *PE, o owner) string {
	if o.State != "" {
		return o.State
	}
	pls, err := p.rec.Get(ctx, serviceOf(e, o))
	if err != nil || (o.Generation != "" && o.Generation != generation(pls)) {
		return Disconnected
	}
	return Approved
}

func connectionState(status string) *ConnectionState {
	switch status {
	case Rejected:
		return &ConnectionState{Status: Rejected, Description: "Rejected by the owner of the private link resource.", ActionsRequired: "None"}
	case Disconnected:
		return &ConnectionState{Status: Disconnected, ActionsRequired: "None",
			Description: "The private link service this endpoint connected to was deleted; delete and re-create the private endpoint to connect again."}
	case Pending:
		return &ConnectionState{Status: Pending, Description: "Awaiting approval", ActionsRequired: "None"}
	}
	return &ConnectionState{Status: Approved, Description: "Auto-Approved", ActionsRequired: "None"}
}

// EndpointConnection is a private endpoint's connection as the side of its
// private link service sees it.
type EndpointConnection struct {
	Name     string // <endpoint>.<endpoint's group>
	Endpoint string // the private endpoint's ID
	Target   string // what the endpoint named: the service, or a resource of another provider
	Status   string // Approved, Pending or Rejected
}

// Connections lists the connections of the private link service
// serviceID: those of its current life that its owner has not deleted.
// With through set, only those made through that resource (a managed
// cluster's ID) are listed.
func (p *Provider) Connections(ctx context.Context, serviceID, through string) ([]EndpointConnection, error) {
	all, err := p.pes.All(ctx, p.rec)
	if err != nil {
		return nil, err
	}
	var out []EndpointConnection
	for _, st := range all {
		var e PE
		if arm.Decode(st, &e) != nil || e.conn() == nil || arm.State(st.Body) == arm.Deleting {
			continue
		}
		o := ownerOf(st)
		target := e.conn().Properties.PrivateLinkServiceID
		if !strings.EqualFold(serviceOf(&e, o), serviceID) || (through != "" && !strings.EqualFold(target, through)) {
			continue
		}
		status := p.connectionStatus(ctx, &e, o)
		if status == Disconnected {
			continue
		}
		pid, _ := arm.ParseID(e.ID)
		out = append(out, EndpointConnection{Name: pid.Name() + "." + pid.ResourceGroup, Endpoint: e.ID, Target: target, Status: status})
	}
	return out, nil
}

// SetConnectionState is the owner's side of a connection: Approved (of a
// Pending one) starts its forwarding; Rejected or Disconnected (the
// connection deleted) ends it for good, and the endpoint stops forwarding
// at once; the endpoint itself stays, as in Azure, until it is deleted.
func (p *Provider) SetConnectionState(ctx context.Context, endpointID, status string) error {
	id, err := arm.ParseID(endpointID)
	if err != nil {
		return err
	}
	if err := p.updateOwner(ctx, id, func(o *owner) { o.State = status }); err != nil {
		return err
	}
	if status == Approved {
		st, err := p.rec.Get(ctx, id.String())
		if err != nil {
			return err
		}
		return p.realizePE(ctx, id, st)
	}
	return p.fab.RemoveEndpoint(idOfEndpoint(ctx, p, id))
}

// idOfEndpoint is the stored spelling of an endpoint's ID (the fabric's key).
func idOfEndpoint(ctx context.Context, p *Provider, id arm.ResourceID) string {
	if st, err := p.rec.Get(ctx, id.String()); err == nil {
		return arm.IDOf(st.Body)
	}
	return id.String()
}

// updateOwner changes the provider state of a resource that owns a NIC.
func (p *Provider) updateOwner(ctx context.Context, id arm.ResourceID, change func(o *owner)) error {
	defer arm.LockResource(id.String())()
	st, err := p.rec.Get(ctx, id.String())
	if err != nil {
		return err
	}
	o := ownerOf(st)
	change(&o)
	st.Internal, _ = json.Marshal(o)
	_, err = p.rec.Put(ctx, id.String(), st.Record, st.Revision)
	return err
}

// disconnectAll stops the forwarding of every endpoint connected to a
// private link service that is being deleted (only its owner, a service
// of the cloud's own, deletes a service with connections).
func (p *Provider) disconnectAll(ctx context.Context, serviceID string) error {
	conns, err := p.Connections(ctx, serviceID, "")
	if err != nil {
		return err
	}
	for _, c := range conns {
		if err := p.fab.RemoveEndpoint(c.Endpoint); err != nil {
			return err
		}
	}
	return nil
}
