package cli

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/google/uuid"
)

// --attach-acr / --detach-acr: the AcrPull role for the cluster's kubelet
// identity at the registry's scope, as az makes and removes it; the
// cluster itself is not written.

// acrPullRole is the built-in AcrPull role's ID.
const acrPullRole = "7f951dda-4ed3-4680-a7ca-43fe172d538d"

// registryIDOf takes a registry's name or resource ID and returns its ID.
func registryIDOf(ctx context.Context, c *clients, acr string) (string, error) {
	if isResourceID(acr) {
		if _, err := c.Do(ctx, http.MethodGet, acr, "2023-07-01", nil); err != nil {
			return "", fmt.Errorf("ACR %s not found. Have you provided the right ACR name? %v", acr, err)
		}
		return acr, nil
	}
	r, _, err := findRegistry(ctx, c, "", strings.TrimSuffix(strings.ToLower(acr), ".azurecr.io"))
	if err != nil {
		return "", fmt.Errorf("ACR %s not found. Have you provided the right ACR name?", acr)
	}
	return deref(r.ID), nil
}

// kubeletObjectID is the object ID of the cluster's kubelet identity.
func kubeletObjectID(mc *armcontainerservice.ManagedCluster) (string, error) {
	if mc.Properties != nil {
		if id := mc.Properties.IdentityProfile["kubeletidentity"]; id != nil && id.ObjectID != nil {
			return *id.ObjectID, nil
		}
	}
	return "", fmt.Errorf("Could not find the kubelet identity of cluster '%s'; its nodes pull as that identity.", deref(mc.Name))
}

// attachACR grants the kubelet identity AcrPull on the registry.
func attachACR(ctx context.Context, c *clients, mc *armcontainerservice.ManagedCluster, registryID string) error {
	principal, err := kubeletObjectID(mc)
	if err != nil {
		return err
	}
	body := map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + c.Subscription + "/providers/Microsoft.Authorization/roleDefinitions/" + acrPullRole,
		"principalId":      principal, "principalType": "ServicePrincipal"}}
	if _, err := c.Do(ctx, http.MethodPut, registryID+"/providers/Microsoft.Authorization/roleAssignments/"+uuid.NewString(), roleAPIVersion, body); err != nil {
		return fmt.Errorf("Could not create a role assignment for ACR. Are you an Owner on this subscription? %w", err)
	}
	return nil
}

// detachACR removes the kubelet identity's AcrPull assignments on the
// registry.
func detachACR(ctx context.Context, c *clients, mc *armcontainerservice.ManagedCluster, registryID string) error {
	principal, err := kubeletObjectID(mc)
	if err != nil {
		return err
	}
	list, err := roleAssignments(ctx, c, registryID, principal)
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.role() != acrPullRole || !strings.EqualFold(a.Properties.Scope, registryID) {
			continue
		}
		if _, err := c.Do(ctx, http.MethodDelete, a.ID, roleAPIVersion, nil); err != nil {
			return err
		}
	}
	return nil
}
