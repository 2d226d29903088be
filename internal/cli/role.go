package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
)

// roleAPIVersion is az 2.45's api-version for role assignments.
const roleAPIVersion = "2022-04-01"

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func roleCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "role", Short: "Manage role assignments (what an identity may do)"}
	as := &cobra.Command{Use: "assignment", Short: "Manage role assignments"}
	as.AddCommand(roleAssignmentCreateCmd(a), roleAssignmentListCmd(a), roleAssignmentDeleteCmd(a))
	g.AddCommand(as)
	return g
}

func roleAssignmentCreateCmd(a *App) *cobra.Command {
	var assignee, principalType, role, scope string
	cmd := a.simple(simpleCmd{use: "create", short: "Create a role assignment", names: pythonNames,
		required: []string{"assignee-object-id", "role", "scope"},
		call: func(ctx context.Context, c *clients) (any, error) {
			def, err := roleDefinition(ctx, c, scope, role)
			if err != nil {
				return nil, err
			}
			body := map[string]any{"properties": map[string]any{"roleDefinitionId": def, "principalId": assignee, "principalType": principalType}}
			return c.Do(ctx, "PUT", strings.TrimSuffix(scope, "/")+"/providers/Microsoft.Authorization/roleAssignments/"+uuid.NewString(), roleAPIVersion, body)
		}})
	f := cmd.Flags()
	f.StringVar(&assignee, "assignee-object-id", "", "object (principal) ID of the user, group or service principal, e.g. an identity's principalId")
	f.StringVar(&principalType, "assignee-principal-type", "ServicePrincipal", "principal type: User, Group or ServicePrincipal")
	f.StringVar(&role, "role", "", "role name (e.g. \"Network Contributor\") or ID")
	f.StringVar(&scope, "scope", "", "scope the assignment applies to: a subscription, group or resource ID")
	azArgs(cmd, false)
	return cmd
}

// roleDefinition finds a role's definition ID by name or GUID.
func roleDefinition(ctx context.Context, c *clients, scope, role string) (string, error) {
	if strings.Contains(role, "/providers/Microsoft.Authorization/roleDefinitions/") {
		return role, nil
	}
	sub := "/subscriptions/" + c.Subscription
	if guidRE.MatchString(role) {
		return sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role, nil
	}
	list, err := c.List(ctx, sub+"/providers/Microsoft.Authorization/roleDefinitions?$filter="+url.QueryEscape("roleName eq '"+role+"'"), roleAPIVersion)
	if err != nil {
		return "", err
	}
	for _, d := range list {
		if m, ok := d.(map[string]any); ok {
			if id, _ := m["id"].(string); id != "" {
				return id, nil
			}
		}
	}
	return "", fmt.Errorf("Role '%s' doesn't exist.", role)
}

func roleAssignmentListCmd(a *App) *cobra.Command {
	var scope, assignee string
	cmd := a.simple(simpleCmd{use: "list", short: "List role assignments at a scope", names: pythonNames,
		call: func(ctx context.Context, c *clients) (any, error) {
			if scope == "" {
				scope = "/subscriptions/" + c.Subscription
			}
			list, err := c.List(ctx, strings.TrimSuffix(scope, "/")+"/providers/Microsoft.Authorization/roleAssignments", roleAPIVersion)
			if err != nil {
				return nil, err
			}
			out := []any{}
			for _, x := range list {
				m, _ := x.(map[string]any)
				p, _ := m["properties"].(map[string]any)
				if assignee != "" && !strings.EqualFold(fmt.Sprint(p["principalId"]), assignee) {
					continue
				}
				out = append(out, x)
			}
			return out, nil
		}})
	cmd.Flags().StringVar(&scope, "scope", "", "scope to list (default: the subscription)")
	cmd.Flags().StringVar(&assignee, "assignee", "", "only the assignments of this principal (object ID)")
	azArgs(cmd, false)
	return cmd
}

func roleAssignmentDeleteCmd(a *App) *cobra.Command {
	var ids []string
	cmd := a.simple(simpleCmd{use: "delete", short: "Delete role assignments", names: pythonNames,
		check: func() error {
			if len(ids) == 0 {
				return errors.New("the following arguments are required: --ids")
			}
			return nil
		},
		call: func(ctx context.Context, c *clients) (any, error) {
			for _, id := range ids {
				if _, err := c.Do(ctx, "DELETE", id, roleAPIVersion, nil); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}})
	multiFlag(cmd.Flags(), &ids, "ids", "", nil, "space-separated role assignment IDs")
	azArgs(cmd, false)
	return cmd
}

// roleAssignment is what the commands read of a role assignment.
type roleAssignment struct {
	ID         string `json:"id"`
	Properties struct {
		PrincipalID, RoleDefinitionID, Scope string
	} `json:"properties"`
}

// role is the GUID of the assignment's role definition, lower-case.
func (ra roleAssignment) role() string {
	def := strings.ToLower(ra.Properties.RoleDefinitionID)
	return def[strings.LastIndex(def, "/")+1:]
}

// roleAssignments lists the role assignments ARM lists at scope, of
// principal alone.
func roleAssignments(ctx context.Context, c *clients, scope, principal string) ([]roleAssignment, error) {
	list, err := c.List(ctx, strings.TrimSuffix(scope, "/")+"/providers/Microsoft.Authorization/roleAssignments", roleAPIVersion)
	if err != nil {
		return nil, err
	}
	var out []roleAssignment
	for _, x := range list {
		raw, _ := json.Marshal(x)
		var ra roleAssignment
		if json.Unmarshal(raw, &ra) == nil && strings.EqualFold(ra.Properties.PrincipalID, principal) {
			out = append(out, ra)
		}
	}
	return out, nil
}
