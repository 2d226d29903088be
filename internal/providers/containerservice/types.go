package containerservice

import (
	"encoding/json"
	"strings"
)

// Cluster is a managed cluster as ARM returns it (AKS's shape; fields aksbox
// does not model are not kept).
type Cluster struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags,omitempty"`
	Sku        *Sku              `json:"sku,omitempty"`
	Identity   *Identity         `json:"identity,omitempty"`
	Properties Properties        `json:"properties"`
}

// Sku is the cluster's tier.
type Sku struct {
	Name string `json:"name,omitempty"`
	Tier string `json:"tier,omitempty"`
}

// Identity is the cluster's managed identity.
type Identity struct {
	Type                   string                   `json:"type"`
	PrincipalID            string                   `json:"principalId,omitempty"`
	TenantID               string                   `json:"tenantId,omitempty"`
	UserAssignedIdentities map[string]*UserIdentity `json:"userAssignedIdentities,omitempty"`
}

// UserIdentity is an entry of identity.userAssignedIdentities: the key is
// the identity's resource ID, the IDs are read from the identity.
type UserIdentity struct {
	PrincipalID string `json:"principalId,omitempty"`
	ClientID    string `json:"clientId,omitempty"`
}

// Properties are a managed cluster's properties.
type Properties struct {
	ProvisioningState        string                     `json:"provisioningState,omitempty"`
	PowerState               *PowerState                `json:"powerState,omitempty"`
	MaxAgentPools            int                        `json:"maxAgentPools,omitempty"`
	KubernetesVersion        string                     `json:"kubernetesVersion,omitempty"`
	CurrentKubernetesVersion string                     `json:"currentKubernetesVersion,omitempty"`
	DNSPrefix                string                     `json:"dnsPrefix,omitempty"`
	FqdnSubdomain            string                     `json:"fqdnSubdomain,omitempty"`
	Fqdn                     string                     `json:"fqdn,omitempty"`
	AzurePortalFQDN          string                     `json:"azurePortalFQDN,omitempty"`
	PrivateFQDN              string                     `json:"privateFQDN,omitempty"`
	AgentPoolProfiles        []*Pool                    `json:"agentPoolProfiles,omitempty"`
	LinuxProfile             *LinuxProfile              `json:"linuxProfile,omitempty"`
	ServicePrincipalProfile  *ServicePrincipal          `json:"servicePrincipalProfile,omitempty"`
	AddonProfiles            map[string]*Addon          `json:"addonProfiles,omitempty"`
	NodeResourceGroup        string                     `json:"nodeResourceGroup,omitempty"`
	EnableRBAC               *bool                      `json:"enableRBAC,omitempty"`
	NetworkProfile           *NetworkProfile            `json:"networkProfile,omitempty"`
	APIServerAccessProfile   *APIServerAccess           `json:"apiServerAccessProfile,omitempty"`
	IdentityProfile          map[string]json.RawMessage `json:"identityProfile,omitempty"`
	DisableLocalAccounts     *bool                      `json:"disableLocalAccounts,omitempty"`
	SupportPlan              string                     `json:"supportPlan,omitempty"`
}

// PowerState is Running or Stopped.
type PowerState struct {
	Code string `json:"code"`
}

// Pool is an agent pool: an entry of agentPoolProfiles, or the properties
// of an agentPools child resource (which add no name).
type Pool struct {
	Name                string            `json:"name,omitempty"`
	Count               *int              `json:"count,omitempty"`
	VMSize              string            `json:"vmSize,omitempty"`
	OSDiskSizeGB        int               `json:"osDiskSizeGB,omitempty"`
	OSDiskType          string            `json:"osDiskType,omitempty"`
	KubeletDiskType     string            `json:"kubeletDiskType,omitempty"`
	MaxPods             int               `json:"maxPods,omitempty"`
	Type                string            `json:"type,omitempty"`
	Mode                string            `json:"mode,omitempty"`
	OSType              string            `json:"osType,omitempty"`
	OSSKU               string            `json:"osSKU,omitempty"`
	VnetSubnetID        string            `json:"vnetSubnetID,omitempty"`
	PodSubnetID         string            `json:"podSubnetID,omitempty"`
	EnableAutoScaling   bool              `json:"enableAutoScaling"`
	OrchestratorVersion string            `json:"orchestratorVersion,omitempty"`
	CurrentOrchVersion  string            `json:"currentOrchestratorVersion,omitempty"`
	NodeImageVersion    string            `json:"nodeImageVersion,omitempty"`
	NodeLabels          map[string]string `json:"nodeLabels,omitempty"`
	NodeTaints          []string          `json:"nodeTaints,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
	ProvisioningState   string            `json:"provisioningState,omitempty"`
	PowerState          *PowerState       `json:"powerState,omitempty"`
	// ETag is the cluster's revision, as AKS puts it on each pool.
	ETag string `json:"eTag,omitempty"`
	// Spot pools: stored, not enforced (nodes are never evicted).
	ScaleSetPriority       string   `json:"scaleSetPriority,omitempty"`
	ScaleSetEvictionPolicy string   `json:"scaleSetEvictionPolicy,omitempty"`
	SpotMaxPrice           *float64 `json:"spotMaxPrice,omitempty"`
}

// LinuxProfile is the nodes' admin user and SSH keys.
type LinuxProfile struct {
	AdminUsername string `json:"adminUsername"`
	SSH           struct {
		PublicKeys []struct {
			KeyData string `json:"keyData"`
		} `json:"publicKeys"`
	} `json:"ssh"`
}

// ServicePrincipal is {"clientId":"msi"} for clusters with a managed identity.
type ServicePrincipal struct {
	ClientID string `json:"clientId"`
	Secret   string `json:"secret,omitempty"`
}

// Addon is an entry of addonProfiles.
type Addon struct {
	Enabled bool              `json:"enabled"`
	Config  map[string]string `json:"config,omitempty"`
}

// NetworkProfile is the cluster's networking.
type NetworkProfile struct {
	NetworkPlugin    string   `json:"networkPlugin,omitempty"`
	NetworkPolicy    string   `json:"networkPolicy,omitempty"`
	PodCidr          string   `json:"podCidr,omitempty"`
	ServiceCidr      string   `json:"serviceCidr,omitempty"`
	DNSServiceIP     string   `json:"dnsServiceIP,omitempty"`
	DockerBridgeCidr string   `json:"dockerBridgeCidr,omitempty"`
	OutboundType     string   `json:"outboundType,omitempty"`
	LoadBalancerSku  string   `json:"loadBalancerSku,omitempty"`
	PodCidrs         []string `json:"podCidrs,omitempty"`
	ServiceCidrs     []string `json:"serviceCidrs,omitempty"`
	IPFamilies       []string `json:"ipFamilies,omitempty"`
	// LoadBalancerProfile is the outbound IPs of a standard load balancer
	// (see outbound.go).
	LoadBalancerProfile *LoadBalancerProfile `json:"loadBalancerProfile,omitempty"`
}

// APIServerAccess is apiServerAccessProfile.
type APIServerAccess struct {
	EnablePrivateCluster           *bool    `json:"enablePrivateCluster,omitempty"`
	PrivateDNSZone                 string   `json:"privateDNSZone,omitempty"`
	EnablePrivateClusterPublicFQDN *bool    `json:"enablePrivateClusterPublicFQDN,omitempty"`
	AuthorizedIPRanges             []string `json:"authorizedIPRanges,omitempty"`
	DisableRunCommand              *bool    `json:"disableRunCommand,omitempty"`
	// API Server VNet Integration (see vnetintegration.go).
	EnableVnetIntegration *bool  `json:"enableVnetIntegration,omitempty"`
	SubnetID              string `json:"subnetId,omitempty"`
}

// Private tells whether the cluster is private.
func (c *Cluster) Private() bool {
	a := c.Properties.APIServerAccessProfile
	return a != nil && a.EnablePrivateCluster != nil && *a.EnablePrivateCluster
}

// PublicFQDN tells whether a private cluster also has a public FQDN.
func (c *Cluster) PublicFQDN() bool {
	a := c.Properties.APIServerAccessProfile
	return a != nil && a.EnablePrivateClusterPublicFQDN != nil && *a.EnablePrivateClusterPublicFQDN
}

// DNSZoneMode is "system", "none" or "custom" (a zone of the customer's)
// for a private cluster, "" for a public one.
func (c *Cluster) DNSZoneMode() string {
	if !c.Private() {
		return ""
	}
	switch z := strings.ToLower(c.Properties.APIServerAccessProfile.PrivateDNSZone); z {
	case "system", "none":
		return z
	case "":
		return "system"
	}
	return "custom"
}

// internal is what aksbox keeps of a cluster beside its body.
type internal struct {
	// UID names the cluster's folders, etcd prefix and hidden resources;
	// it never changes, so a restart finds them again.
	UID string `json:"uid"`
	// Power is the desired power state: Running or Stopped.
	Power string `json:"power,omitempty"`
	// StaleDNS is what earlier privateDNSZone settings made (before an
	// update to none), removed by the next realization.
	StaleDNS []staleZone `json:"staleDNS,omitempty"`
	// Projected is set once the API server is projected into the VNet (API
	// Server VNet Integration): at creation, or at the first start after
	// an update enabled it, as AKS applies it.
	Projected bool `json:"projected,omitempty"`
}

// staleZone is the private DNS of a former privateDNSZone setting.
type staleZone struct {
	Zone, Record, Link string
	System             bool // the zone is the cluster's own: delete it whole
}

func boolPtr(b bool) *bool { return &b }
func intPtr(i int) *int    { return &i }
