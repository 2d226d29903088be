package containerservice

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
)

// API Server VNet Integration: the API server's address is projected into
// a subnet of the cluster's own VNet, delegated to AKS, behind an internal
// load balancer "kube-apiserver" in the node resource group; the nodes use
// that address directly, without DNS. The load balancer's frontend address
// is forwarded to the API server by a private endpoint of the service's
// own (in its hidden group), placed in that subnet.

const (
	apiserverDelegation = "Microsoft.ContainerService/managedClusters"
	// The subnet AKS adds to its own aks-vnet when the cluster has no
	// subnet of the customer's.
	defaultAPIServerSubnet = "aks-apiserver-subnet"
)

var defaultAPIServerPrefix = netip.MustParsePrefix("10.225.0.0/28")

// VnetIntegrated tells whether the API server is projected into the VNet.
func (c *Cluster) VnetIntegrated() bool {
	a := c.Properties.APIServerAccessProfile
	return a != nil && a.EnableVnetIntegration != nil && *a.EnableVnetIntegration
}

// byoSubnet is the node subnet of the customer's ("" for AKS's own VNet).
func byoSubnet(c *Cluster) string {
	if len(c.Properties.AgentPoolProfiles) == 0 {
		return ""
	}
	return c.Properties.AgentPoolProfiles[0].VnetSubnetID
}

// checkVnetIntegration validates the profile's shape: a subnet only with
// the integration, and one exactly when the nodes are in a subnet of the
// customer's, as AKS requires.
func checkVnetIntegration(c *Cluster) []*arm.Error {
	a := c.Properties.APIServerAccessProfile
	if a == nil {
		return nil
	}
	const field = "properties.apiServerAccessProfile.subnetId"
	if !c.VnetIntegrated() {
		if a.SubnetID != "" {
			return []*arm.Error{arm.InvalidParameter(field,
				"apiServerAccessProfile.subnetId '%s' is only used with API Server VNet Integration: set enableVnetIntegration to true (--enable-apiserver-vnet-integration) or drop the subnet.", a.SubnetID)}
		}
		return nil
	}
	byo := byoSubnet(c)
	switch {
	case byo != "" && a.SubnetID == "":
		return []*arm.Error{arm.InvalidParameter(field,
			"apiServerAccessProfile.subnetId should not be empty when using custom vnet with apiserverVnetIntegration: give a subnet of the nodes' virtual network delegated to %s (--apiserver-subnet-id).", apiserverDelegation)}
	case byo == "" && a.SubnetID != "":
		return []*arm.Error{arm.InvalidParameter(field,
			"apiServerAccessProfile.subnetId should be empty when using default vnet with apiserverVnetIntegration: AKS adds the API server subnet to its own virtual network. Drop the subnet, or put the nodes in a subnet of yours (--vnet-subnet-id).")}
	case a.SubnetID != "":
		sid, err := arm.ParseID(a.SubnetID)
		if err != nil || !strings.EqualFold(sid.Type(), "Microsoft.Network/virtualNetworks/subnets") {
			return []*arm.Error{arm.InvalidParameter(field,
				"apiServerAccessProfile.subnetId '%s' is not a subnet's resource ID (/subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>).", a.SubnetID)}
		}
	}
	return nil
}

// carryIntegration keeps an integrated cluster's integration when an
// update leaves it out (a client of an api-version before 2025-03-01, such
// as az's read-modify-write, cannot send it): what is not sent is kept, as
// AKS does; only an explicit false reaches checkIntegrationUpdate.
func carryIntegration(old, c *Cluster) {
	if old == nil || !old.VnetIntegrated() {
		return
	}
	a := c.Properties.APIServerAccessProfile
	if a == nil {
		a = &APIServerAccess{EnablePrivateCluster: old.Properties.APIServerAccessProfile.EnablePrivateCluster}
		c.Properties.APIServerAccessProfile = a
	}
	if a.EnableVnetIntegration == nil {
		a.EnableVnetIntegration = old.Properties.APIServerAccessProfile.EnableVnetIntegration
	}
	if a.SubnetID == "" && *a.EnableVnetIntegration {
		a.SubnetID = old.Properties.APIServerAccessProfile.SubnetID
	}
}

// checkIntegrationUpdate refuses what AKS refuses on update: the
// integration is one-way, and its subnet cannot move.
func checkIntegrationUpdate(old, c *Cluster) []*arm.Error {
	if !old.VnetIntegrated() {
		return nil
	}
	if !c.VnetIntegrated() {
		return []*arm.Error{arm.BadRequest("PropertyChangeNotAllowed",
			"API Server VNet Integration cannot be disabled once enabled: keep apiServerAccessProfile.enableVnetIntegration true.")}
	}
	if !strings.EqualFold(old.Properties.APIServerAccessProfile.SubnetID, c.Properties.APIServerAccessProfile.SubnetID) {
		return []*arm.Error{arm.BadRequest("PropertyChangeNotAllowed",
			"Changing apiServerAccessProfile.subnetId of a VNet-integrated cluster is not allowed: it is '%s'.", old.Properties.APIServerAccessProfile.SubnetID)}
	}
	return nil
}

// checkAPIServerSubnet checks the customer's API server subnet against the
// network: it exists, is in the nodes' VNet and is not their subnet, is
// delegated to AKS, and has room (/28 or larger).
func (p *Provider) checkAPIServerSubnet(ctx context.Context, c *Cluster) error {
	if !c.VnetIntegrated() || c.Properties.APIServerAccessProfile.SubnetID == "" {
		return nil
	}
	const field = "properties.apiServerAccessProfile.subnetId"
	id := c.Properties.APIServerAccessProfile.SubnetID
	sid, _ := arm.ParseID(id)
	node, _ := arm.ParseID(byoSubnet(c))
	if !strings.EqualFold(sid.Parent().String(), node.Parent().String()) {
		return arm.InvalidParameter(field, "The API server subnet '%s' must be in the virtual network of the nodes' subnet (%s).", id, node.Parent().String())
	}
	if strings.EqualFold(sid.String(), node.String()) {
		return arm.InvalidParameter(field, "The API server subnet cannot be the nodes' subnet (%s): give a subnet of its own, delegated to %s.", id, apiserverDelegation)
	}
	v, err := p.vnet(ctx, sid.Parent().String())
	if err != nil {
		return err
	}
	for _, s := range v.Properties.Subnets {
		if !strings.EqualFold(s.Name, sid.Name()) {
			continue
		}
		delegated := false
		for _, d := range s.Properties.Delegations {
			delegated = delegated || strings.EqualFold(d.Properties.ServiceName, apiserverDelegation)
		}
		if !delegated {
			return arm.InvalidParameter(field, "The API server subnet '%s' must be delegated to %s (network vnet subnet update --delegations %s).", s.Name, apiserverDelegation, apiserverDelegation)
		}
		if pfx, err := netip.ParsePrefix(s.Prefix()); err != nil || pfx.Bits() > 28 {
			return arm.InvalidParameter(field, "The API server subnet '%s' (%s) is too small: it needs at least a /28.", s.Name, s.Prefix())
		}
		return nil
	}
	return arm.InvalidParameter(field, "The API server subnet '%s' was not found in virtual network '%s'. Create it first.", sid.Name(), v.Name)
}

// addAPIServerSubnet adds AKS's API server subnet, delegated to AKS, to
// the body of its own aks-vnet.
func addAPIServerSubnet(vnet map[string]any) {
	props := vnet["properties"].(map[string]any)
	props["subnets"] = append(props["subnets"].([]any), map[string]any{"name": defaultAPIServerSubnet, "properties": map[string]any{
		"addressPrefix": defaultAPIServerPrefix.String(),
		"delegations":   []any{map[string]any{"name": "aks-delegation", "properties": map[string]string{"serviceName": apiserverDelegation}}},
	}})
}

// ensureEndpoint makes the kube-apiserver private endpoint in the node
// subnet; for a VNet-integrated cluster, the internal load balancer
// kube-apiserver in the node group instead, its frontend in the API server
// subnet forwarded by an endpoint of the service's. The node subnet's
// endpoint of a cluster that enabled the integration is deleted.
func (p *Provider) ensureEndpoint(ctx context.Context, c *Cluster, l *layout, tags map[string]string) error {
	subnet := l.subnet
	if l.apiSubnet != "" {
		subnet = l.apiSubnet
		if err := p.arm.Delete(ctx, l.nodePE, network.ServiceAPIVersion); err != nil {
			return fmt.Errorf("removing the kube-apiserver endpoint from the node subnet: %w", err)
		}
	}
	if _, err := p.arm.Put(ctx, l.pe, network.ServiceAPIVersion, map[string]any{"location": c.Location, "tags": tags, "properties": map[string]any{
		"subnet": map[string]string{"id": subnet},
		"privateLinkServiceConnections": []any{map[string]any{"name": "kube-apiserver",
			"properties": map[string]any{"privateLinkServiceId": l.pls, "groupIds": []string{}}}},
	}}); err != nil {
		return fmt.Errorf("creating the kube-apiserver private endpoint: %w", err)
	}
	if l.ilb == "" {
		return nil
	}
	ip, err := p.endpointIP(ctx, l)
	if err != nil {
		return err
	}
	if _, err := p.arm.Put(ctx, l.ilb, network.ServiceAPIVersion, map[string]any{"location": c.Location, "tags": tags, "properties": map[string]any{
		"frontendIPConfigurations": []any{map[string]any{"name": "kube-apiserver-frontend", "properties": map[string]any{
			"privateIPAddress": ip.String(), "privateIPAllocationMethod": "Dynamic", "subnet": map[string]string{"id": subnet}}}},
	}}); err != nil {
		return fmt.Errorf("creating the kube-apiserver internal load balancer: %w", err)
	}
	return nil
}
