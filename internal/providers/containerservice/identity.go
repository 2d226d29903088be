package containerservice

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/privatedns"
)

// Roles AKS needs its identity to hold for a custom private DNS zone.
const (
	roleDNSZone = "Private DNS Zone Contributor"
	roleNetwork = "Network Contributor"
)

// IdentityLookup reads a user-assigned identity's principal and client IDs.
type IdentityLookup func(ctx context.Context, id string) (principalID, clientID string, err error)

// RoleCheck tells whether a principal holds one of roles at scope or above.
type RoleCheck func(ctx context.Context, principal, scope string, roles ...string) (bool, error)

// resolveIdentity checks the cluster's identity: a user-assigned one must
// name exactly one identity that exists; its principal and client IDs are
// filled in from it, as AKS returns them.
func (p *Provider) resolveIdentity(ctx context.Context, c *Cluster) error {
	id := c.Identity
	if id == nil || !strings.EqualFold(id.Type, "UserAssigned") {
		if id != nil && len(id.UserAssignedIdentities) > 0 {
			return arm.InvalidParameter("identity.userAssignedIdentities",
				"identity.userAssignedIdentities can only be given with identity.type 'UserAssigned', not '%s'.", id.Type)
		}
		return nil
	}
	id.Type = "UserAssigned"
	if len(id.UserAssignedIdentities) != 1 {
		return arm.InvalidParameter("identity.userAssignedIdentities",
			"A managed cluster with identity.type 'UserAssigned' needs exactly one user-assigned identity (--assign-identity <resource ID>), not %d.", len(id.UserAssignedIdentities))
	}
	if p.opts.Identity == nil {
		return errors.New("user-assigned identities are not served by this cloud")
	}
	out := map[string]*UserIdentity{}
	for rid := range id.UserAssignedIdentities {
		principal, client, err := p.opts.Identity(ctx, rid)
		if err != nil {
			var ae *arm.Error
			if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
				return arm.BadRequest("InvalidParameter",
					"The user-assigned identity '%s' of the cluster was not found. Create it first (aksbox identity create -g <group> -n <name>) and pass its resource ID to --assign-identity.", rid)
			}
			if errors.As(err, &ae) {
				return arm.BadRequest("InvalidParameter", "identity.userAssignedIdentities: %s", ae.Message)
			}
			return err
		}
		out[rid] = &UserIdentity{PrincipalID: principal, ClientID: client}
	}
	id.UserAssignedIdentities, id.PrincipalID, id.TenantID = out, "", ""
	return nil
}

// clusterPrincipal is the principal AKS acts as for the cluster's own
// resources: its user-assigned identity ("" for a system-assigned one).
func clusterPrincipal(c *Cluster) (principal, client string) {
	if c.Identity == nil {
		return "", ""
	}
	for _, u := range c.Identity.UserAssignedIdentities {
		return u.PrincipalID, u.ClientID
	}
	return "", ""
}

// checkCustomZone applies AKS's rules for a private DNS zone of the
// customer's: the zone must exist, the cluster must run as a user-assigned
// identity, and that identity must be allowed to write the zone and link
// it to the node VNet.
func (p *Provider) checkCustomZone(ctx context.Context, c *Cluster, vnetID string) error {
	if c.DNSZoneMode() != "custom" {
		return nil
	}
	zone := c.Properties.APIServerAccessProfile.PrivateDNSZone
	if _, _, err := p.arm.Do(ctx, http.MethodGet, zone, privatedns.ServiceAPIVersion, nil); err != nil {
		var ae *arm.Error
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return arm.BadRequest("InvalidParameter",
				"The private DNS zone %s given in apiServerAccessProfile.privateDNSZone was not found (%s). Create it first, or use 'system' or 'none'.", zone, ae.Message)
		}
		return err
	}
	principal, client := clusterPrincipal(c)
	if principal == "" {
		return arm.BadRequest("InvalidParameter",
			"A custom private DNS zone (%s) needs the cluster to run as a user-assigned identity that may write to it: set identity.type 'UserAssigned' with the identity (--enable-managed-identity --assign-identity <resource ID>).", zone)
	}
	if p.opts.Roles == nil {
		return errors.New("role assignments are not served by this cloud")
	}
	ok, err := p.opts.Roles(ctx, principal, zone, roleDNSZone)
	if err != nil {
		return err
	}
	if !ok {
		return arm.BadRequest("CustomPrivateDNSZoneMissingPermissionError",
			"Service principal or user-assigned identity '%s' must be given permission to read and write to custom private dns zone '%s'. Check access result not allowed for action Microsoft.Network/privateDnsZones/read. "+
				"Assign it the '%s' role on the zone: aksbox role assignment create --assignee-object-id %s --role \"%s\" --scope %s",
			client, zone, roleDNSZone, principal, roleDNSZone, zone)
	}
	if vnetID == "" {
		return nil
	}
	ok, err = p.opts.Roles(ctx, principal, vnetID, roleNetwork)
	if err != nil {
		return err
	}
	if !ok {
		return arm.BadRequest("CustomPrivateDNSZoneMissingPermissionError",
			"Service principal or user-assigned identity '%s' must be given permission to link custom private dns zone '%s' to virtual network '%s'. Check access result not allowed for action Microsoft.Network/virtualNetworks/join/action. "+
				"Assign it the '%s' role on the virtual network: aksbox role assignment create --assignee-object-id %s --role \"%s\" --scope %s",
			client, zone, vnetID, roleNetwork, principal, roleNetwork, vnetID)
	}
	return nil
}

// zoneSetting is apiServerAccessProfile.privateDNSZone ("" when unset).
func zoneSetting(c *Cluster) string {
	if a := c.Properties.APIServerAccessProfile; a != nil {
		return a.PrivateDNSZone
	}
	return ""
}

// subnetVNet is the VNet of the first pool's subnet ("" for AKS's own).
func subnetVNet(c *Cluster) string {
	for _, pool := range c.Properties.AgentPoolProfiles {
		if sid, err := arm.ParseID(pool.VnetSubnetID); err == nil && pool.VnetSubnetID != "" {
			return sid.Parent().String()
		}
	}
	return ""
}

// kubeletPrincipal is the object ID of a cluster's kubelet identity ("":
// none): the principal its nodes pull images as.
func kubeletPrincipal(c *Cluster) string {
	var id struct {
		ObjectID string `json:"objectId"`
	}
	if raw, ok := c.Properties.IdentityProfile["kubeletidentity"]; ok {
		_ = json.Unmarshal(raw, &id)
	}
	return id.ObjectID
}
