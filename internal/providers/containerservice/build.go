package containerservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

// buildCluster validates a PUT of a managed cluster and returns the record
// to store: AKS's defaults filled in, computed fields set, and what cannot
// change kept from the current record.
func (p *Provider) buildCluster(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var c Cluster
	if err := arm.DecodeJSON(body, &c); err != nil {
		return arm.Record{}, err
	}
	var old *Cluster
	in := internal{UID: uuid.NewString(), Power: Running}
	if cur != nil {
		old = &Cluster{}
		if err := arm.Decode(cur, old); err != nil {
			return arm.Record{}, err
		}
		_ = json.Unmarshal(cur.Internal, &in)
	}
	loc, ok := arm.NormalizeLocation(c.Location)
	if !ok {
		return arm.Record{}, arm.InvalidLocation("location", c.Location)
	}
	if !slices.Contains(p.opts.Regions, loc) {
		return arm.Record{}, arm.BadRequest("LocationNotAvailableForResourceType",
			"The provided location '%s' is not available for resource type 'Microsoft.ContainerService/managedClusters'. List of available regions for the resource type is '%s'.",
			c.Location, strings.Join(p.opts.Regions, ","))
	}
	c.Location = loc
	p.defaults(id, &c, old)
	errs := checkNames(id.Name(), &c)
	if old != nil {
		errs = append(errs, checkUpdate(old, &c)...)
	}
	plan, nerrs := checkNetwork(c.Properties.NetworkProfile)
	errs = append(errs, nerrs...)
	errs = append(errs, outboundDefaults(id, &c, old)...)
	errs = append(errs, checkAccess(&c)...)
	if err := p.checkVersion(&c); err != nil {
		errs = append(errs, err)
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	if c.Private() && old == nil {
		if err := p.checkPreview(ctx, id.Subscription); err != nil {
			return arm.Record{}, err
		}
	}
	if err := p.checkSubnets(ctx, &c, plan); err != nil {
		return arm.Record{}, err
	}
	if err := p.checkAPIServerSubnet(ctx, &c); err != nil {
		return arm.Record{}, err
	}
	if err := p.resolveIdentity(ctx, &c); err != nil {
		return arm.Record{}, err
	}
	if old == nil || !strings.EqualFold(zoneSetting(old), zoneSetting(&c)) {
		if err := p.checkCustomZone(ctx, &c, subnetVNet(&c)); err != nil {
			return arm.Record{}, err
		}
	}
	if old != nil && old.DNSZoneMode() != c.DNSZoneMode() {
		if ol := p.layout(id, old, in); ol.zone != "" {
			in.StaleDNS = append(in.StaleDNS, staleZone{Zone: ol.zone, Record: ol.record, Link: ol.link, System: old.DNSZoneMode() == "system"})
		}
	}
	if old == nil {
		in.Projected = c.VnetIntegrated()
	}
	p.compute(id, &c, in.UID)
	rec := arm.Record{}
	var err error
	if rec.Body, err = json.Marshal(&c); err != nil {
		return rec, err
	}
	rec.Internal, err = json.Marshal(in)
	return rec, err
}

// defaults fills in what AKS does when a field is not given.
func (p *Provider) defaults(id arm.ResourceID, c *Cluster, old *Cluster) {
	pr := &c.Properties
	if pr.KubernetesVersion == "" {
		pr.KubernetesVersion = p.opts.Version.MinorString()
		if old != nil {
			pr.KubernetesVersion = old.Properties.KubernetesVersion
		}
	}
	carryIntegration(old, c)
	if old != nil && pr.FqdnSubdomain == "" {
		pr.FqdnSubdomain = old.Properties.FqdnSubdomain
	}
	if pr.DNSPrefix == "" && pr.FqdnSubdomain == "" {
		pr.DNSPrefix = id.Name() + "-dns"
		if old != nil {
			pr.DNSPrefix = old.Properties.DNSPrefix
		}
	}
	if pr.NetworkProfile == nil {
		pr.NetworkProfile = &NetworkProfile{}
		if old != nil {
			pr.NetworkProfile = old.Properties.NetworkProfile
		}
	}
	n := pr.NetworkProfile
	if n.NetworkPlugin == "" {
		n.NetworkPlugin = "kubenet"
	}
	if n.ServiceCidr == "" {
		n.ServiceCidr = defaultServiceCIDR
	}
	if n.DNSServiceIP == "" {
		n.DNSServiceIP = defaultDNSServiceIP
	}
	if n.PodCidr == "" && strings.EqualFold(n.NetworkPlugin, "kubenet") {
		n.PodCidr = "10.244.0.0/16"
	}
	if n.OutboundType == "" {
		n.OutboundType = "loadBalancer"
	}
	if n.LoadBalancerSku == "" {
		n.LoadBalancerSku = "standard"
	}
	n.LoadBalancerSku = strings.ToLower(n.LoadBalancerSku)
	n.ServiceCidrs, n.IPFamilies = []string{n.ServiceCidr}, []string{"IPv4"}
	if n.PodCidr != "" {
		n.PodCidrs = []string{n.PodCidr}
	}
	if pr.EnableRBAC == nil {
		pr.EnableRBAC = boolPtr(true)
	}
	if a := pr.APIServerAccessProfile; a != nil && c.Private() {
		if a.PrivateDNSZone == "" {
			a.PrivateDNSZone = "system"
			if old != nil && old.Private() {
				a.PrivateDNSZone = old.Properties.APIServerAccessProfile.PrivateDNSZone
			}
		}
		// AKS gives a private cluster a public FQDN unless told not to.
		if a.EnablePrivateClusterPublicFQDN == nil {
			a.EnablePrivateClusterPublicFQDN = boolPtr(true)
			if old != nil && old.Private() && old.Properties.APIServerAccessProfile.EnablePrivateClusterPublicFQDN != nil {
				a.EnablePrivateClusterPublicFQDN = boolPtr(*old.Properties.APIServerAccessProfile.EnablePrivateClusterPublicFQDN)
			}
		}
	}
	if c.Identity == nil && pr.ServicePrincipalProfile == nil {
		c.Identity = &Identity{Type: "SystemAssigned"}
	}
	if c.Identity != nil && strings.EqualFold(c.Identity.Type, "SystemAssigned") {
		c.Identity.PrincipalID, c.Identity.TenantID = uuid.NewString(), p.opts.TenantID
		if old != nil && old.Identity != nil && old.Identity.PrincipalID != "" {
			c.Identity.PrincipalID = old.Identity.PrincipalID
		}
	}
	if pr.ServicePrincipalProfile == nil {
		pr.ServicePrincipalProfile = &ServicePrincipal{ClientID: "msi"}
	}
	pr.ServicePrincipalProfile.Secret = "" // never returned
	if c.Sku == nil {
		c.Sku = &Sku{Name: "Base", Tier: "Free"}
	}
	if pr.NodeResourceGroup == "" {
		pr.NodeResourceGroup = fmt.Sprintf("MC_%s_%s_%s", id.ResourceGroup, id.Name(), c.Location)
		if old != nil {
			pr.NodeResourceGroup = old.Properties.NodeResourceGroup
		}
	}
	system := false
	for _, pool := range pr.AgentPoolProfiles {
		system = system || strings.EqualFold(pool.Mode, "System")
	}
	for i, pool := range pr.AgentPoolProfiles {
		if pool.Mode == "" {
			pool.Mode = "User"
			if i == 0 && !system {
				pool.Mode = "System"
			}
		}
		poolDefaults(pool, n.NetworkPlugin, pr.KubernetesVersion)
	}
}

// poolDefaults fills in an agent pool's defaults.
func poolDefaults(pool *Pool, plugin, version string) {
	if strings.EqualFold(pool.ScaleSetPriority, "Spot") {
		if pool.ScaleSetEvictionPolicy == "" {
			pool.ScaleSetEvictionPolicy = "Delete"
		}
		if pool.SpotMaxPrice == nil {
			noCap := -1.0 // AKS: pay up to the on-demand price
			pool.SpotMaxPrice = &noCap
		}
	}
	if pool.Count == nil {
		pool.Count = intPtr(1)
	}
	if pool.VMSize == "" {
		pool.VMSize = "Standard_DS2_v2"
	}
	if pool.OSDiskSizeGB == 0 {
		pool.OSDiskSizeGB = 128
	}
	if pool.OSDiskType == "" {
		pool.OSDiskType = "Managed"
	}
	if pool.KubeletDiskType == "" {
		pool.KubeletDiskType = "OS"
	}
	if pool.MaxPods == 0 {
		pool.MaxPods = 110
		if strings.EqualFold(plugin, "azure") {
			pool.MaxPods = 30
		}
	}
	if pool.Type == "" {
		pool.Type = "VirtualMachineScaleSets"
	}
	if pool.OSType == "" {
		pool.OSType = "Linux"
	}
	if pool.OSSKU == "" {
		pool.OSSKU = "Ubuntu"
	}
	if pool.OrchestratorVersion == "" {
		pool.OrchestratorVersion = version
	}
}

// compute sets the fields AKS computes: FQDNs, versions, power state.
func (p *Provider) compute(id arm.ResourceID, c *Cluster, uid string) {
	pr := &c.Properties
	c.ID, c.Name, c.Type = id.String(), id.Name(), "Microsoft.ContainerService/ManagedClusters"
	host := apiHost(c, uid)
	pr.Fqdn, pr.PrivateFQDN = "", ""
	pr.AzurePortalFQDN = host + ".portal.hcp." + c.Location + ".azmk8s.io"
	switch c.DNSZoneMode() {
	case "system":
		pr.PrivateFQDN = host + "." + systemZone(c, uid)
	case "custom":
		zid, _ := arm.ParseID(pr.APIServerAccessProfile.PrivateDNSZone)
		pr.PrivateFQDN = host + "." + strings.ToLower(zid.Name())
	}
	if !c.Private() || c.PublicFQDN() {
		pr.Fqdn = host + ".hcp." + c.Location + ".azmk8s.io"
	}
	pr.CurrentKubernetesVersion = p.opts.Version.String()
	pr.MaxAgentPools = 100
	pr.PowerState = &PowerState{Code: Running}
	pr.SupportPlan = "KubernetesOfficial"
	pr.IdentityProfile = map[string]json.RawMessage{"kubeletidentity": json.RawMessage(fmt.Sprintf(
		`{"resourceId":"/subscriptions/%s/resourcegroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s-agentpool","clientId":"%s","objectId":"%s"}`,
		id.Subscription, pr.NodeResourceGroup, id.Name(), uuidFrom(uid+"client"), uuidFrom(uid+"object")))}
	for _, pool := range pr.AgentPoolProfiles {
		pool.CurrentOrchVersion = p.opts.Version.String()
		pool.NodeImageVersion = nodeImage
		pool.PowerState = &PowerState{Code: Running}
		pool.ProvisioningState = ""
	}
}

// uuidFrom is a stable UUID-shaped name for s.
func uuidFrom(s string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(s)).String()
}

// checkUpdate refuses changes AKS does not allow on an existing cluster.
func checkUpdate(old, c *Cluster) []*arm.Error {
	var errs []*arm.Error
	errs = append(errs, checkIntegrationUpdate(old, c)...)
	if old.Private() != c.Private() {
		errs = append(errs, arm.BadRequest("PropertyChangeNotAllowed",
			"Changing enablePrivateCluster is not allowed. It can only be set while creating the cluster."))
	}
	if !strings.EqualFold(old.Properties.DNSPrefix, c.Properties.DNSPrefix) {
		errs = append(errs, arm.BadRequest("PropertyChangeNotAllowed",
			"Changing property 'dnsPrefix' is not allowed: it is '%s' and can only be set while creating the cluster.", old.Properties.DNSPrefix))
	}
	if !strings.EqualFold(old.Properties.NodeResourceGroup, c.Properties.NodeResourceGroup) {
		errs = append(errs, arm.BadRequest("PropertyChangeNotAllowed",
			"Changing property 'nodeResourceGroup' is not allowed: it is '%s'.", old.Properties.NodeResourceGroup))
	}
	on, nn := old.Properties.NetworkProfile, c.Properties.NetworkProfile
	if on != nil && nn != nil && (!strings.EqualFold(on.NetworkPlugin, nn.NetworkPlugin) || on.ServiceCidr != nn.ServiceCidr || on.DNSServiceIP != nn.DNSServiceIP || on.PodCidr != nn.PodCidr) {
		errs = append(errs, arm.BadRequest("PropertyChangeNotAllowed",
			"Changing the network profile (networkPlugin, serviceCidr, dnsServiceIP, podCidr) of an existing cluster is not allowed."))
	}
	if old.Private() && c.Private() && !strings.EqualFold(old.Properties.APIServerAccessProfile.PrivateDNSZone, c.Properties.APIServerAccessProfile.PrivateDNSZone) &&
		c.DNSZoneMode() != "none" {
		errs = append(errs, arm.BadRequest("PropertyChangeNotAllowed",
			"Changing apiServerAccessProfile.privateDNSZone from '%s' to '%s' is not allowed: the only change allowed is to 'none' (from 'system' or a custom zone).",
			old.Properties.APIServerAccessProfile.PrivateDNSZone, c.Properties.APIServerAccessProfile.PrivateDNSZone))
	}
	if !strings.EqualFold(old.Properties.FqdnSubdomain, c.Properties.FqdnSubdomain) {
		errs = append(errs, arm.BadRequest("PropertyChangeNotAllowed",
			"Changing property 'fqdnSubdomain' is not allowed: it is '%s' and can only be set while creating the cluster.", old.Properties.FqdnSubdomain))
	}
	return errs
}

// checkVersion accepts the embedded Kubernetes version, by minor or in full.
func (p *Provider) checkVersion(c *Cluster) *arm.Error {
	v := strings.TrimPrefix(c.Properties.KubernetesVersion, "v")
	if v == p.opts.Version.MinorString() || v == p.opts.Version.String() {
		for _, pool := range c.Properties.AgentPoolProfiles {
			pool.OrchestratorVersion = v
		}
		c.Properties.KubernetesVersion = v
		return nil
	}
	return arm.BadRequest("K8sVersionNotSupported",
		"Kubernetes version %s is not supported: this aksbox runs Kubernetes %s. Use %s or %s (see 'aksbox aks get-versions').",
		c.Properties.KubernetesVersion, p.opts.Version, p.opts.Version.MinorString(), p.opts.Version)
}

// checkPreview is the seed's preview gate for private clusters.
func (p *Provider) checkPreview(ctx context.Context, sub string) error {
	if !p.opts.PreviewGate || p.opts.Feature == nil {
		return nil
	}
	state, err := p.opts.Feature(ctx, sub, Namespace, PreviewFeature)
	if err != nil {
		return err
	}
	if state != "Registered" {
		return arm.BadRequest("FeatureNotRegistered",
			"Preview feature %s/%s is not registered (it is %s). Register it with 'aksbox feature register --name %s --namespace %s', wait until it shows Registered, then 'aksbox provider register --namespace %s'.",
			Namespace, PreviewFeature, state, PreviewFeature, Namespace, Namespace)
	}
	return nil
}

// checkSubnets checks the pools' subnets exist, lie in one virtual network,
// and that the cluster's ranges stay out of that network.
func (p *Provider) checkSubnets(ctx context.Context, c *Cluster, plan netPlan) error {
	var vnetID string
	for i, pool := range c.Properties.AgentPoolProfiles {
		if pool.VnetSubnetID == "" {
			continue
		}
		sid, err := arm.ParseID(pool.VnetSubnetID)
		if err != nil || !strings.EqualFold(sid.Type(), "Microsoft.Network/virtualNetworks/subnets") {
			return arm.InvalidParameter(fmt.Sprintf("properties.agentPoolProfiles[%d].vnetSubnetID", i),
				"The subnet ID '%s' is not a subnet's resource ID (/subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>).", pool.VnetSubnetID)
		}
		if vnetID != "" && !strings.EqualFold(vnetID, sid.Parent().String()) {
			return arm.InvalidParameter(fmt.Sprintf("properties.agentPoolProfiles[%d].vnetSubnetID", i),
				"All agent pools must use subnets of one virtual network; '%s' is in another than %s.", pool.VnetSubnetID, vnetID)
		}
		vnetID = sid.Parent().String()
		v, err := p.vnet(ctx, vnetID)
		if err != nil {
			return err
		}
		found := false
		for _, s := range v.Properties.Subnets {
			found = found || strings.EqualFold(s.Name, sid.Name())
		}
		if !found {
			return arm.BadRequest("InvalidParameter", "The subnet '%s' of agent pool '%s' was not found in virtual network '%s'. Create it first or pass an existing subnet ID (--vnet-subnet-id).",
				sid.Name(), pool.Name, v.Name)
		}
		var space []netip.Prefix
		for _, s := range v.Properties.AddressSpace.AddressPrefixes {
			if pf, err := netip.ParsePrefix(s); err == nil {
				space = append(space, pf)
			}
		}
		if err := arm.Join(checkAgainstVNet(plan, v.Name, space)); err != nil {
			return err
		}
	}
	if vnetID == "" {
		if err := arm.Join(checkAgainstVNet(plan, "aks-vnet", []netip.Prefix{defaultVNetSpace})); err != nil {
			return err
		}
	}
	return nil
}

// vnet reads a virtual network, or says which one is missing.
func (p *Provider) vnet(ctx context.Context, id string) (*network.VNet, error) {
	st, err := p.rec.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, arm.Errorf(http.StatusBadRequest, "InvalidParameter", "The virtual network %s of the agent pool subnet was not found. Create it first.", id)
	}
	if err != nil {
		return nil, err
	}
	var v network.VNet
	if err := arm.Decode(st, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
