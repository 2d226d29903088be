package network

import (
	"context"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// A private link service's owner sees the endpoints connected to it as
// privateLinkServices/{service}/privateEndpointConnections/{name} and
// decides on them: approve a Pending (manual) one, reject one, or delete
// one (the endpoint stays, Disconnected).

// ConnectionSetter sets the state of an endpoint's connection (the
// provider's SetConnectionState).
type ConnectionSetter interface {
	SetConnectionState(ctx context.Context, endpointID, status string) error
}

// Decide applies the owner's status to a connection and returns it as it
// now is: Pending → Approved or Rejected, Approved → Rejected; a rejected
// connection is never approved again, as in Azure.
func Decide(ctx context.Context, set ConnectionSetter, ec EndpointConnection, status string) (EndpointConnection, error) {
	field := "properties.privateLinkServiceConnectionState.status"
	switch {
	case strings.EqualFold(status, ec.Status):
		return ec, nil
	case strings.EqualFold(status, Rejected):
		ec.Status = Rejected
	case strings.EqualFold(status, Approved) && ec.Status == Pending:
		ec.Status = Approved
	case strings.EqualFold(status, Approved):
		return ec, arm.InvalidParameter(field,
			"Private endpoint connection '%s' was rejected and cannot be approved again; delete the private endpoint and create it again.", ec.Name)
	default:
		return ec, arm.InvalidParameter(field,
			"Status '%s' of private endpoint connection '%s' is not one that can be set; use Approved or Rejected.", status, ec.Name)
	}
	return ec, set.SetConnectionState(ctx, ec.Endpoint, ec.Status)
}

// ConnectionBody is a PrivateEndpointConnection as the owner's side shows
// it, under parent (a private link service, or a resource that has one).
func ConnectionBody(parent string, ec EndpointConnection) map[string]any {
	return map[string]any{"id": parent + "/privateEndpointConnections/" + ec.Name, "name": ec.Name,
		"type": Namespace + "/privateLinkServices/privateEndpointConnections",
		"properties": map[string]any{"provisioningState": arm.Succeeded, "privateEndpoint": map[string]string{"id": ec.Endpoint},
			"privateLinkServiceConnectionState": connectionState(ec.Status)}}
}

// ConnectionRequest is the body of a PUT of a privateEndpointConnection.
type ConnectionRequest struct {
	Properties struct {
		State *struct {
			Status string `json:"status"`
		} `json:"privateLinkServiceConnectionState"`
	} `json:"properties"`
}

// Status is the requested status, or an error naming the missing field.
func (c ConnectionRequest) Status() (string, error) {
	if c.Properties.State == nil || c.Properties.State.Status == "" {
		return "", arm.InvalidParameter("properties.privateLinkServiceConnectionState",
			"The private endpoint connection needs properties.privateLinkServiceConnectionState.status: Approved or Rejected.")
	}
	return c.Properties.State.Status, nil
}

func (p *Provider) plsConnectionRoutes(s *arm.Server, d arm.KindDeps) {
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/privateLinkServices/{service}/privateEndpointConnections"
	s.Handle(arm.Route{Pattern: base, Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: p.withDeps(d, p.listPLSConnections)})
	s.Handle(arm.Route{Pattern: base + "/{connection}", Methods: []string{http.MethodGet, http.MethodPut, http.MethodDelete},
		APIVersions: APIVersions, Handler: p.withDeps(d, p.plsConnection)})
}

func (p *Provider) plsOf(r *arm.Request) (string, []EndpointConnection, error) {
	id := arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"), Namespace: Namespace,
		Types: []string{"privateLinkServices"}, Names: []string{r.Var("service")}}
	st, err := p.rec.Get(r.Context(), id.String())
	if err != nil {
		return "", nil, arm.NotFound(id)
	}
	sid := arm.IDOf(st.Body)
	conns, err := p.Connections(r.Context(), sid, "")
	return sid, conns, err
}

func (p *Provider) listPLSConnections(w http.ResponseWriter, r *arm.Request) error {
	sid, conns, err := p.plsOf(r)
	if err != nil {
		return err
	}
	value := []any{}
	for _, ec := range conns {
		value = append(value, ConnectionBody(sid, ec))
	}
	arm.WriteJSON(w, http.StatusOK, map[string]any{"value": value})
	return nil
}

func (p *Provider) plsConnection(w http.ResponseWriter, r *arm.Request) error {
	sid, conns, err := p.plsOf(r)
	if err != nil {
		return err
	}
	name := r.Var("connection")
	i := -1
	for k := range conns {
		if strings.EqualFold(conns[k].Name, name) {
			i = k
		}
	}
	if i < 0 {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		pid, _ := arm.ParseID(sid)
		return arm.NotFound(pid.Child("privateEndpointConnections", name))
	}
	ec := conns[i]
	switch r.Method {
	case http.MethodDelete:
		if err := p.SetConnectionState(r.Context(), ec.Endpoint, Disconnected); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	case http.MethodPut:
		var in ConnectionRequest
		if err := r.Decode(&in); err != nil {
			return err
		}
		status, err := in.Status()
		if err != nil {
			return err
		}
		if ec, err = Decide(r.Context(), p, ec, status); err != nil {
			return err
		}
	}
	arm.WriteJSON(w, http.StatusOK, ConnectionBody(sid, ec))
	return nil
}
