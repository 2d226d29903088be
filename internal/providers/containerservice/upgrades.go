package containerservice

import (
	"net/http"

	"github.com/aksbox/aksbox/internal/arm"
)

// nodeImage is the node image every pool reports: one, as there is one
// Kubernetes version.
const nodeImage = "AKSUbuntu-2204gen2containerd-202511.01.0"

// upgradeRoutes serve the upgrade profiles of a cluster and of its pools
// (az aks get-upgrades, az aks nodepool get-upgrades, and what Terraform
// reads). aksbox runs one Kubernetes version and one node image, so every
// profile names the version in use and offers no upgrade.
func (p *Provider) upgradeRoutes(s *arm.Server, d arm.KindDeps) {
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{name}"
	get := []string{http.MethodGet}
	s.Handle(arm.Route{Pattern: base + "/upgradeProfiles/{profile}", Methods: get, APIVersions: APIVersions,
		Handler: d.Guard(Namespace, p.clusterUpgradeProfile)})
	s.Handle(arm.Route{Pattern: base + "/agentPools/{pool}/upgradeProfiles/{profile}", Methods: get, APIVersions: APIVersions,
		Handler: d.Guard(Namespace, p.poolUpgradeProfile)})
}

// poolUpgrade is one pool's (or the control plane's) entry of a cluster's
// upgrade profile.
type poolUpgrade struct {
	KubernetesVersion string `json:"kubernetesVersion"`
	Name              string `json:"name,omitempty"`
	OSType            string `json:"osType"`
	Upgrades          []any  `json:"upgrades"`
}

// profileName checks the only profile name AKS has.
func profileName(r *arm.Request, parent string) error {
	if name := r.Var("profile"); name != "default" {
		return arm.Errorf(http.StatusNotFound, "NotFound",
			"The upgrade profile '%s' of %s was not found: the only upgrade profile is 'default'.", name, parent)
	}
	return nil
}

func osTypeOf(pool *Pool) string {
	if pool.OSType == "" {
		return "Linux"
	}
	return pool.OSType
}

func (p *Provider) clusterUpgradeProfile(w http.ResponseWriter, r *arm.Request) error {
	id, _, c, _, err := p.clusterOf(r)
	if err != nil {
		return err
	}
	if err := profileName(r, "managed cluster '"+c.Name+"'"); err != nil {
		return err
	}
	version := p.opts.Version.String()
	pools := []poolUpgrade{}
	for _, pool := range c.Properties.AgentPoolProfiles {
		pools = append(pools, poolUpgrade{KubernetesVersion: version, Name: pool.Name, OSType: osTypeOf(pool), Upgrades: []any{}})
	}
	arm.WriteJSON(w, http.StatusOK, map[string]any{
		"id":   id.String() + "/upgradeprofiles/default",
		"name": "default",
		"type": Namespace + "/managedClusters/upgradeprofiles",
		"properties": map[string]any{
			"controlPlaneProfile": poolUpgrade{KubernetesVersion: version, Name: "", OSType: "Linux", Upgrades: []any{}},
			"agentPoolProfiles":   pools,
		},
	})
	return nil
}

func (p *Provider) poolUpgradeProfile(w http.ResponseWriter, r *arm.Request) error {
	id, _, c, _, err := p.clusterOf(r)
	if err != nil {
		return err
	}
	i := findPool(c, r.Var("pool"))
	if i < 0 {
		return arm.NotFound(id.Child("agentPools", r.Var("pool")))
	}
	pool := c.Properties.AgentPoolProfiles[i]
	if err := profileName(r, "agent pool '"+pool.Name+"'"); err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusOK, map[string]any{
		"id":   id.Child("agentPools", pool.Name).String() + "/upgradeProfiles/default",
		"name": "default",
		"type": Namespace + "/managedClusters/agentPools/upgradeProfiles",
		"properties": map[string]any{
			"kubernetesVersion":      p.opts.Version.String(),
			"osType":                 osTypeOf(pool),
			"upgrades":               []any{},
			"latestNodeImageVersion": nodeImage,
		},
	})
	return nil
}
