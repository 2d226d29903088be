package containerregistry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// Connection is a private endpoint connected to a registry.
type Connection struct {
	Name     string // <endpoint>.<its group>
	Endpoint string // the private endpoint's ID
	Status   string // Approved, Pending or Rejected
}

// Routes registers the registries and their actions.
func (p *Provider) Routes(s *arm.Server, d arm.KindDeps) {
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/" + Namespace + "/" + Type + "/{name}"
	route := func(path string, methods []string, h arm.Handler) {
		s.Handle(arm.Route{Pattern: base + path, Methods: methods, APIVersions: APIVersions, Handler: d.Guard(Namespace, h)})
	}
	route("/listCredentials", []string{http.MethodPost}, p.listCredentials)
	route("/regenerateCredential", []string{http.MethodPost}, p.regenerateCredential)
	route("/privateLinkResources", []string{http.MethodGet}, p.privateLinkResources)
	route("/privateEndpointConnections", []string{http.MethodGet}, p.listConnections)
	s.Handle(arm.Route{Pattern: "/subscriptions/{subscriptionId}/providers/" + Namespace + "/checkNameAvailability",
		Methods: []string{http.MethodPost}, APIVersions: APIVersions, Handler: p.checkName})
	p.kind.Serve(s, d)
}

// registryOf reads the registry a request's path names.
func (p *Provider) registryOf(r *arm.Request) (arm.ResourceID, *Registry, *arm.Stored, error) {
	id, err := arm.ParseID(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s",
		r.Var("subscriptionId"), r.Var("resourceGroupName"), Namespace, Type, r.Var("name")))
	if err != nil {
		return id, nil, nil, err
	}
	reg, st, err := p.get(r.Context(), id)
	return id, reg, st, err
}

// checkName answers whether a registry name is free in the whole cloud.
func (p *Provider) checkName(w http.ResponseWriter, r *arm.Request) error {
	var req struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := r.Decode(&req); err != nil {
		return err
	}
	if !strings.EqualFold(req.Type, Namespace+"/"+Type) {
		return arm.InvalidParameter("type", "The type '%s' cannot be checked; use '%s/%s'.", req.Type, Namespace, Type)
	}
	type answer struct {
		NameAvailable bool   `json:"nameAvailable"`
		Reason        string `json:"reason,omitempty"`
		Message       string `json:"message,omitempty"`
	}
	if problem := nameProblem(req.Name); problem != "" {
		arm.WriteJSON(w, http.StatusOK, answer{Reason: "Invalid",
			Message: "Registry names " + problem + " (5 to 50 letters and digits)."})
		return nil
	}
	other, err := p.byName(r.Context(), req.Name)
	if err != nil {
		return err
	}
	if other != nil {
		arm.WriteJSON(w, http.StatusOK, answer{Reason: "AlreadyExists",
			Message: fmt.Sprintf("The registry %s is already in use.", req.Name)})
		return nil
	}
	arm.WriteJSON(w, http.StatusOK, answer{NameAvailable: true})
	return nil
}

type password struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type credentials struct {
	Username  string     `json:"username"`
	Passwords []password `json:"passwords"`
}

func credentialsOf(reg *Registry, keep internal) credentials {
	c := credentials{Username: reg.Name}
	for i, v := range keep.Passwords {
		name := "password"
		if i > 0 {
			name = fmt.Sprintf("password%d", i+1)
		}
		c.Passwords = append(c.Passwords, password{Name: name, Value: v})
	}
	return c
}

func adminDisabled(reg *Registry) error {
	return arm.BadRequest("UnAuthorizedForCredentialOperations",
		"Cannot perform credential operations for %s as admin user is disabled. Enable it first: 'aksbox acr update -n %s --admin-enabled true'.", reg.ID, reg.Name)
}

func (p *Provider) listCredentials(w http.ResponseWriter, r *arm.Request) error {
	_, reg, st, err := p.registryOf(r)
	if err != nil {
		return err
	}
	if !reg.Properties.AdminUserEnabled {
		return adminDisabled(reg)
	}
	arm.WriteJSON(w, http.StatusOK, credentialsOf(reg, internalOf(st)))
	return nil
}

// regenerateCredential makes a new value for password or password2.
func (p *Provider) regenerateCredential(w http.ResponseWriter, r *arm.Request) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := r.Decode(&req); err != nil {
		return err
	}
	i := map[string]int{"password": 0, "password2": 1}
	n, ok := i[strings.ToLower(req.Name)]
	if !ok {
		return arm.InvalidParameter("name", "The password to regenerate is '%s'; use 'password' or 'password2'.", req.Name)
	}
	id, reg, st, err := p.registryOf(r)
	if err != nil {
		return err
	}
	if !reg.Properties.AdminUserEnabled {
		return adminDisabled(reg)
	}
	keep := internalOf(st)
	keep.Passwords[n] = newPassword()
	rec := st.Record
	if rec.Internal, err = json.Marshal(keep); err != nil {
		return err
	}
	if _, err := p.rec.Put(r.Context(), id.String(), rec, st.Revision); err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusOK, credentialsOf(reg, keep))
	return nil
}

// privateLinkResources lists the registry's one group, "registry", with
// its members: the login server and the region's data endpoint.
func (p *Provider) privateLinkResources(w http.ResponseWriter, r *arm.Request) error {
	_, reg, _, err := p.registryOf(r)
	if err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{
		"id":   reg.ID + "/privateLinkResources/" + GroupID,
		"name": GroupID, "type": Namespace + "/" + Type + "/privateLinkResources",
		"properties": map[string]any{"groupId": GroupID, "requiredMembers": members(reg),
			"requiredZoneNames": []string{PrivateLinkZone}},
	}}})
	return nil
}

// members are the registry group's members: the login server and the
// data endpoint of the registry's region.
func members(reg *Registry) []string { return []string{GroupID, GroupID + "_data_" + reg.Location} }

func (p *Provider) listConnections(w http.ResponseWriter, r *arm.Request) error {
	_, reg, _, err := p.registryOf(r)
	if err != nil {
		return err
	}
	value := []any{}
	conns, err := p.endpoints(r.Context(), reg.ID)
	if err != nil {
		return err
	}
	for _, c := range conns {
		value = append(value, connectionBody(reg.ID, c))
	}
	arm.WriteJSON(w, http.StatusOK, map[string]any{"value": value})
	return nil
}

// connectionBody is a PrivateEndpointConnection of ACR's API.
func connectionBody(registryID string, c Connection) map[string]any {
	return map[string]any{
		"id": registryID + "/privateEndpointConnections/" + c.Name, "name": c.Name,
		"type": Namespace + "/" + Type + "/privateEndpointConnections",
		"properties": map[string]any{
			"privateEndpoint":                   map[string]any{"id": c.Endpoint},
			"privateLinkServiceConnectionState": map[string]any{"status": c.Status, "description": "", "actionsRequired": "None"},
			"provisioningState":                 "Succeeded",
		},
	}
}
