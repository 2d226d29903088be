package containerservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/store"
)

// A private cluster's API server is a private link resource of the
// cluster, group "management": a private endpoint in any VNet may name the
// cluster and that group (AKS's "use a private endpoint connection"), and
// reaches the API server through the cluster's private link service with
// no peering. Stopping the cluster deletes that service and starting it
// makes a new one, as AKS does: the cluster's own endpoint is connected
// again, the endpoints of others are left Disconnected until they are
// deleted and created again.

// managementGroup is the only private link resource of a private cluster.
const managementGroup = "management"

// PrivateLink is what the cluster's private link resource needs of the
// network provider.
type PrivateLink interface {
	AddPrivateLinkResourceType(resourceType string, resolve network.PrivateLinkResolver)
	Connections(ctx context.Context, serviceID, through string) ([]network.EndpointConnection, error)
	SetConnectionState(ctx context.Context, endpointID, status string) error
}

// UsePrivateLink offers managed clusters to private endpoints as private
// link resources.
func (p *Provider) UsePrivateLink(n PrivateLink) {
	p.links = n
	n.AddPrivateLinkResourceType(Namespace+"/managedClusters", p.resolvePrivateLink)
}

// privateLinkResource is a PrivateLinkResource of AKS's API.
// PrivateLinkServiceID is only in resolvePrivateLinkServiceId's answer.
type privateLinkResource struct {
	ID                   string   `json:"id,omitempty"`
	Name                 string   `json:"name,omitempty"`
	Type                 string   `json:"type,omitempty"`
	GroupID              string   `json:"groupId,omitempty"`
	RequiredMembers      []string `json:"requiredMembers,omitempty"`
	PrivateLinkServiceID string   `json:"privateLinkServiceID,omitempty"`
}

// privateLinkResources are those of a cluster: "management" for a private
// one, none for a public one.
func privateLinkResources(clusterID string, c *Cluster) []privateLinkResource {
	if !c.Private() {
		return nil
	}
	return []privateLinkResource{{ID: clusterID + "/privateLinkResources/" + managementGroup, Name: managementGroup,
		Type: Namespace + "/managedClusters/privateLinkResources", GroupID: managementGroup, RequiredMembers: []string{managementGroup}}}
}

// checkGroup refuses a group the cluster does not have.
func checkGroup(c *Cluster, group string) error {
	if !c.Private() {
		return arm.InvalidParameter("groupId", "Managed cluster '%s' is not a private cluster and has no private link resources; private endpoints connect to the API server of a private cluster (group ID 'management').", c.Name)
	}
	if !strings.EqualFold(group, managementGroup) {
		return arm.InvalidParameter("groupId", "Private link resource (group ID) '%s' is not supported by managed cluster '%s'; the only one is 'management'.", group, c.Name)
	}
	return nil
}

// viewCluster adds the eTag to a cluster's body and, for a private
// cluster, properties.privateLinkResources, as AKS returns them.
func (p *Provider) viewCluster(ctx context.Context, st *arm.Stored) json.RawMessage {
	c, _, err := decodeCluster(st)
	if err != nil {
		return st.Body
	}
	var m map[string]json.RawMessage
	var props map[string]json.RawMessage
	if arm.Decode(st, &m) != nil || json.Unmarshal(m["properties"], &props) != nil || props == nil {
		return st.Body
	}
	m["eTag"], _ = json.Marshal(arm.BareETagOf(st.Revision)) // the eTag property is a bare GUID
	var pools []map[string]json.RawMessage
	if json.Unmarshal(props["agentPoolProfiles"], &pools) == nil {
		for _, pool := range pools {
			pool["eTag"] = m["eTag"]
			pool["provisioningState"] = props["provisioningState"]
		}
		props["agentPoolProfiles"], _ = json.Marshal(pools)
	}
	if c.Private() {
		props["privateLinkResources"], _ = json.Marshal(privateLinkResources(c.ID, c))
	}
	m["properties"], _ = json.Marshal(props)
	out, err := json.Marshal(m)
	if err != nil {
		return st.Body
	}
	return out
}

// resolvePrivateLink resolves a private endpoint's connection to a
// cluster's group to the cluster's private link service.
func (p *Provider) resolvePrivateLink(ctx context.Context, rid arm.ResourceID, group string) (network.PrivateLinkTarget, error) {
	st, err := p.rec.Get(ctx, rid.String())
	if errors.Is(err, store.ErrNotFound) {
		return network.PrivateLinkTarget{}, arm.NotFound(rid)
	}
	if err != nil {
		return network.PrivateLinkTarget{}, err
	}
	c, in, err := decodeCluster(st)
	if err != nil {
		return network.PrivateLinkTarget{}, err
	}
	if err := checkGroup(c, group); err != nil {
		return network.PrivateLinkTarget{}, err
	}
	if in.Power == Stopped {
		return network.PrivateLinkTarget{}, arm.Errorf(http.StatusConflict, "OperationNotAllowed",
			"Managed cluster '%s' is stopped: its API server has no private link service until the cluster is started ('aksbox aks start').", c.Name)
	}
	l := p.layout(rid, c, in)
	if _, err := p.rec.Get(ctx, l.pls); errors.Is(err, store.ErrNotFound) {
		return network.PrivateLinkTarget{}, arm.Errorf(http.StatusConflict, "OperationNotAllowed",
			"The API server of managed cluster '%s' is not ready yet; wait for the cluster's operation to finish ('aksbox aks wait').", c.Name)
	}
	fqdn := c.Properties.PrivateFQDN
	if fqdn == "" { // privateDNSZone none: the public FQDN names the endpoint
		fqdn = c.Properties.Fqdn
	}
	t := network.PrivateLinkTarget{ID: c.ID, Service: l.pls, Members: []network.Member{{Name: managementGroup}}}
	if fqdn != "" {
		t.Members[0].FQDNs = []string{fqdn}
	}
	return t, nil
}

// deleteLinkService deletes the cluster's private link service when the
// cluster stops; starting the cluster makes a new one.
func (p *Provider) deleteLinkService(ctx context.Context, l *layout) error {
	if err := p.arm.Delete(ctx, l.pls, network.ServiceAPIVersion); err != nil {
		return fmt.Errorf("deleting the API server's private link service: %w", err)
	}
	return nil
}

func (p *Provider) privateLinkRoutes(s *arm.Server, d arm.KindDeps) {
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{name}"
	route := func(path string, methods []string, h arm.Handler) {
		s.Handle(arm.Route{Pattern: base + path, Methods: methods, APIVersions: APIVersions, Handler: d.Guard(Namespace, h)})
	}
	route("/privateLinkResources", []string{http.MethodGet}, p.listPrivateLinkResources)
	route("/resolvePrivateLinkServiceId", []string{http.MethodPost}, p.resolvePrivateLinkServiceID)
	route("/privateEndpointConnections", []string{http.MethodGet}, p.listEndpointConnections)
	route("/privateEndpointConnections/{connection}", []string{http.MethodGet, http.MethodPut, http.MethodDelete}, p.endpointConnection)
}

func (p *Provider) listPrivateLinkResources(w http.ResponseWriter, r *arm.Request) error {
	_, _, c, _, err := p.clusterOf(r)
	if err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusOK, map[string]any{"value": nonNil(privateLinkResources(c.ID, c))})
	return nil
}

// resolvePrivateLinkServiceID answers the private link service behind a
// group: {"name":"management"} → {"privateLinkServiceID": ...}.
func (p *Provider) resolvePrivateLinkServiceID(w http.ResponseWriter, r *arm.Request) error {
	id, _, c, in, err := p.clusterOf(r)
	if err != nil {
		return err
	}
	var req privateLinkResource
	if err := r.Decode(&req); err != nil {
		return err
	}
	if req.Name == "" {
		return arm.InvalidParameter("name", "The private link resource to resolve needs its name (the group ID 'management').")
	}
	if err := checkGroup(c, req.Name); err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusOK, privateLinkResource{PrivateLinkServiceID: p.layout(id, c, in).pls})
	return nil
}

// connections are the private endpoint connections made through the
// cluster to its private link service.
func (p *Provider) connections(r *arm.Request) (arm.ResourceID, *Cluster, []network.EndpointConnection, error) {
	id, _, c, in, err := p.clusterOf(r)
	if err != nil || p.links == nil || !c.Private() {
		return id, c, nil, err
	}
	conns, err := p.links.Connections(r.Context(), p.layout(id, c, in).pls, c.ID)
	return id, c, conns, err
}

// connectionBody is a PrivateEndpointConnection of AKS's API.
func connectionBody(clusterID string, ec network.EndpointConnection) map[string]any {
	return network.ConnectionBody(clusterID, ec)
}

func (p *Provider) listEndpointConnections(w http.ResponseWriter, r *arm.Request) error {
	_, c, conns, err := p.connections(r)
	if err != nil {
		return err
	}
	value := []any{}
	for _, ec := range conns {
		value = append(value, connectionBody(c.ID, ec))
	}
	arm.WriteJSON(w, http.StatusOK, map[string]any{"value": value})
	return nil
}

// endpointConnection gets, updates (Approved stays, Rejected ends it) or
// deletes (the endpoint is left Disconnected) one connection.
func (p *Provider) endpointConnection(w http.ResponseWriter, r *arm.Request) error {
	id, c, conns, err := p.connections(r)
	if err != nil {
		return err
	}
	name := r.Var("connection")
	var found *network.EndpointConnection
	for i := range conns {
		if strings.EqualFold(conns[i].Name, name) {
			found = &conns[i]
		}
	}
	if found == nil {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return arm.NotFound(id.Child("privateEndpointConnections", name))
	}
	switch r.Method {
	case http.MethodDelete:
		if err := p.links.SetConnectionState(r.Context(), found.Endpoint, network.Disconnected); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	case http.MethodPut:
		var in network.ConnectionRequest
		if err := r.Decode(&in); err != nil {
			return err
		}
		status, err := in.Status()
		if err != nil {
			return err
		}
		ec, err := network.Decide(r.Context(), p.links, *found, status)
		if err != nil {
			return err
		}
		found = &ec
	}
	arm.WriteJSON(w, http.StatusOK, connectionBody(c.ID, *found))
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
