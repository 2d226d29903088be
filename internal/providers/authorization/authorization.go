// Package authorization serves the part of Microsoft.Authorization that
// tools call around AKS: role definitions (the built-in roles, by name)
// and role assignments at any scope, which az makes for a cluster's
// identity on a custom subnet. Assignments are stored and listed; aksbox
// enforces no roles (one service principal owns its subscription).
package authorization

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// builtIn are the built-in roles by name, with Azure's IDs.
var builtIn = map[string]string{
	"Owner":                        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
	"Contributor":                  "b24988ac-6180-42a0-ab88-20f7382dd24c",
	"Reader":                       "acdd72a7-3385-48ef-bd42-f606fba81ae7",
	"Network Contributor":          "4d97b98b-1d4f-4787-a291-c67834d212e7",
	"Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
	"Managed Identity Operator":    "f1a07417-d97a-45cb-824c-7a7467783830",
	"AcrPull":                      "7f951dda-4ed3-4680-a7ca-43fe172d538d",
	"AcrPush":                      "8311e382-0749-4cb8-b61a-304f252e45ec",
}

var path = regexp.MustCompile(`(?i)^(/subscriptions/[^/]+(?:/.*?)?)/providers/Microsoft\.Authorization/(roleAssignments|roleDefinitions)(?:/([^/]+))?$`)

// Provider serves role definitions and assignments.
type Provider struct{ rec *arm.Records }

// New makes the provider.
func New(rec *arm.Records) *Provider { return &Provider{rec: rec} }

// Serves tells whether a path is one of the provider's.
func (p *Provider) Serves(urlPath string) bool { return path.MatchString(urlPath) }

// Serve answers a request whose path Serves.
func (p *Provider) Serve(w http.ResponseWriter, r *arm.Request) error {
	m := path.FindStringSubmatch(r.URL.Path)
	scope, kind, name := m[1], strings.ToLower(m[2]), m[3]
	if kind == "roledefinitions" {
		return p.definitions(w, r, scope, name)
	}
	id := scope + "/providers/Microsoft.Authorization/roleAssignments/" + name
	switch {
	case name == "" && r.Method == http.MethodGet:
		return p.list(w, r, scope)
	case name == "":
		return arm.Errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "Use GET to list role assignments.")
	case r.Method == http.MethodGet:
		st, err := p.rec.Get(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return arm.Errorf(http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '%s' is not found.", name)
		}
		if err != nil {
			return err
		}
		arm.WriteJSON(w, http.StatusOK, st.Body)
	case r.Method == http.MethodPut:
		return p.put(w, r, scope, id, name)
	case r.Method == http.MethodDelete:
		st, err := p.rec.Get(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		if err != nil {
			return err
		}
		if err := p.rec.Delete(r.Context(), id, st.Revision); err != nil {
			return err
		}
		arm.WriteJSON(w, http.StatusOK, st.Body)
	default:
		return arm.Errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "Role assignments take GET, PUT and DELETE.")
	}
	return nil
}

type assignment struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		RoleDefinitionID string `json:"roleDefinitionId"`
		PrincipalID      string `json:"principalId"`
		PrincipalType    string `json:"principalType,omitempty"`
		Scope            string `json:"scope"`
	} `json:"properties"`
}

func (p *Provider) put(w http.ResponseWriter, r *arm.Request, scope, id, name string) error {
	var a assignment
	if err := r.Decode(&a); err != nil {
		return err
	}
	if a.Properties.RoleDefinitionID == "" || a.Properties.PrincipalID == "" {
		return arm.InvalidParameter("properties", "A role assignment needs properties.roleDefinitionId and properties.principalId.")
	}
	a.ID, a.Name, a.Type, a.Properties.Scope = id, name, "Microsoft.Authorization/roleAssignments", scope
	body, _ := json.Marshal(a)
	if _, err := p.rec.Put(r.Context(), id, arm.Record{Body: body}, -1); err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusCreated, json.RawMessage(body))
	return nil
}

// list answers the assignments at scope (az asks with $filter=atScope()).
func (p *Provider) list(w http.ResponseWriter, r *arm.Request, scope string) error {
	items, err := p.at(r.Context(), scope)
	if err != nil {
		return err
	}
	return arm.WritePage(w, r, items)
}

func (p *Provider) at(ctx context.Context, scope string) ([]json.RawMessage, error) {
	all, err := p.rec.List(ctx, scope)
	if err != nil {
		return nil, err
	}
	items := []json.RawMessage{}
	for _, st := range all {
		if strings.Contains(st.Key, "/providers/microsoft.authorization/roleassignments/") {
			items = append(items, st.Body)
		}
	}
	return items, nil
}

// definitions answers the built-in roles, filtered by roleName if asked.
func (p *Provider) definitions(w http.ResponseWriter, r *arm.Request, scope, name string) error {
	filter := r.URL.Query().Get("$filter")
	items := []json.RawMessage{}
	for role, guid := range builtIn {
		if name != "" && !strings.EqualFold(name, guid) {
			continue
		}
		if filter != "" && !strings.Contains(filter, "'"+role+"'") {
			continue
		}
		def, _ := json.Marshal(map[string]any{
			"id":   scope + "/providers/Microsoft.Authorization/roleDefinitions/" + guid,
			"name": guid, "type": "Microsoft.Authorization/roleDefinitions",
			"properties": map[string]any{"roleName": role, "type": "BuiltInRole", "description": role + " (built-in role)",
				"assignableScopes": []string{"/"}, "permissions": []any{map[string]any{"actions": []string{"*"}, "notActions": []string{}}}},
		})
		if name != "" {
			arm.WriteJSON(w, http.StatusOK, json.RawMessage(def))
			return nil
		}
		items = append(items, def)
	}
	if name != "" {
		return arm.Errorf(http.StatusNotFound, "RoleDefinitionDoesNotExist", "The role definition '%s' does not exist; aksbox knows the built-in roles %s.", name, strings.Join(roleNames(), ", "))
	}
	return arm.WritePage(w, r, items)
}

func roleNames() []string {
	var out []string
	for n := range builtIn {
		out = append(out, "'"+n+"'")
	}
	return out
}

// Holds tells whether principal has one of the roles (by name) at target or
// at a scope above it; Owner and Contributor hold every role. This is the
// check Azure makes before a service acts for an identity.
func (p *Provider) Holds(ctx context.Context, principal, target string, roles ...string) (bool, error) {
	tid, err := arm.ParseID(target)
	if err != nil {
		return false, err
	}
	want := map[string]bool{strings.ToLower(builtIn["Owner"]): true, strings.ToLower(builtIn["Contributor"]): true}
	for _, r := range roles {
		if g, ok := builtIn[r]; ok {
			want[strings.ToLower(g)] = true
		}
	}
	all, err := p.rec.Scan(ctx, "/subscriptions/"+tid.Subscription)
	if err != nil {
		return false, err
	}
	t := strings.ToLower(strings.TrimSuffix(target, "/")) + "/"
	for _, s := range all {
		if !strings.Contains(s.Key, "/providers/microsoft.authorization/roleassignments/") {
			continue
		}
		st, err := s.Peek() // only decoded
		if err != nil {
			return false, err
		}
		var a assignment
		if arm.Decode(st, &a) != nil || !strings.EqualFold(a.Properties.PrincipalID, principal) {
			continue
		}
		def := a.Properties.RoleDefinitionID
		if !want[strings.ToLower(def[strings.LastIndex(def, "/")+1:])] {
			continue
		}
		if strings.HasPrefix(t, strings.ToLower(strings.TrimSuffix(a.Properties.Scope, "/"))+"/") {
			return true, nil
		}
	}
	return false, nil
}

// Catalog is Microsoft.Authorization, which needs no registration.
func Catalog() arm.Namespace {
	return arm.Namespace{Name: "Microsoft.Authorization", RegistrationFree: true}
}
