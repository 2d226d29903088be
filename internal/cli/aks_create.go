package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/spf13/cobra"
)

// aksCreate is one 'aks create': its flags and what check derives from them.
type aksCreate struct {
	rg, name, location, nodeVMSize, nodepoolName, k8sVersion, dnsPrefix, lbSKU string
	privateDNSZone, networkPlugin, vnetSubnetID, dockerBridge, dnsServiceIP    string
	serviceCIDR, podCIDR, outboundType, authorizedRanges, addons, aciSubnet    string
	adminUser, sshKeyValue, nodeRG, assignIdentity, fqdnSubdomain              string
	apiserverSubnetID                                                          string
	attachACR                                                                  string
	vnetIntegration                                                            bool
	nodeCount                                                                  int
	private, enablePublicFQDN, disablePublicFQDN, generate, noSSHKey           bool
	managedIdentity, noWait, yes                                               bool
	tags                                                                       []string

	ranges        []string
	addonProfiles map[string]*armcontainerservice.ManagedClusterAddonProfile
	sshKey        string
}

func aksCreateCmd(a *App) *cobra.Command {
	cmd, _ := aksCreateCommand(a)
	return cmd
}

// aksCreateCommand is the command and the state its flags fill.
func aksCreateCommand(a *App) (*cobra.Command, *aksCreate) {
	o := &aksCreate{}
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "create", short: "Create a new managed Kubernetes cluster", names: asIs,
		required: []string{"resource-group", "name"},
		check:    func() error { return o.check(a, cmd) },
		call:     func(ctx context.Context, c *clients) (any, error) { return o.run(ctx, a, c) }})
	f := cmd.Flags()
	clusterFlags(cmd, &o.rg, &o.name)
	f.StringVarP(&o.location, "location", "l", "", "location; default: the resource group's location")
	f.IntVarP(&o.nodeCount, "node-count", "c", 3, "number of nodes in the Kubernetes node pool")
	f.StringVarP(&o.nodeVMSize, "node-vm-size", "s", "Standard_DS2_v2", "size of the virtual machines of the node pool")
	f.StringVar(&o.nodepoolName, "nodepool-name", "nodepool1", "node pool name, up to 12 alphanumeric characters")
	f.StringVarP(&o.k8sVersion, "kubernetes-version", "k", "", "version of Kubernetes to use (default: the service's default)")
	f.StringVarP(&o.dnsPrefix, "dns-name-prefix", "p", "", "prefix for hostnames that are created (default: generated from the cluster, group and subscription)")
	f.StringVar(&o.lbSKU, "load-balancer-sku", "standard", "load balancer SKU: basic or standard (private clusters need standard)")
	f.BoolVar(&o.private, "enable-private-cluster", false, "enable private cluster: the API server has only a private address")
	f.StringVar(&o.privateDNSZone, "private-dns-zone", "", "private DNS zone mode of a private cluster: system, none, or a private DNS zone resource ID")
	f.BoolVar(&o.enablePublicFQDN, "enable-public-fqdn", false, "also give a private cluster a public FQDN (the default)")
	f.BoolVar(&o.disablePublicFQDN, "disable-public-fqdn", false, "give a private cluster no public FQDN")
	f.BoolVar(&o.vnetIntegration, "enable-apiserver-vnet-integration", false, "project the API server into a subnet of the cluster's VNet (API Server VNet Integration)")
	f.StringVar(&o.apiserverSubnetID, "apiserver-subnet-id", "", "resource ID of the subnet, delegated to Microsoft.ContainerService/managedClusters, the API server is projected into")
	f.StringVar(&o.networkPlugin, "network-plugin", "", "Kubernetes network plugin: azure, kubenet or none")
	f.StringVar(&o.attachACR, "attach-acr", "", "grant the cluster's kubelet identity AcrPull on this registry (name or resource ID)")
	f.StringVar(&o.vnetSubnetID, "vnet-subnet-id", "", "resource ID of an existing subnet for the nodes (default: a new VNet in the node resource group)")
	f.StringVar(&o.dockerBridge, "docker-bridge-address", "", "deprecated: a Docker bridge address; accepted and ignored, as AKS does")
	f.StringVar(&o.dnsServiceIP, "dns-service-ip", "", "IP address in the service CIDR for the cluster DNS service, e.g. 10.0.0.10")
	f.StringVar(&o.serviceCIDR, "service-cidr", "", "CIDR range for Kubernetes service IPs, e.g. 10.0.0.0/16")
	f.StringVar(&o.podCIDR, "pod-cidr", "", "CIDR range for pod IPs with kubenet, e.g. 10.244.0.0/16")
	f.StringVar(&o.outboundType, "outbound-type", "", "outbound (egress) routing: loadBalancer, userDefinedRouting, managedNATGateway or userAssignedNATGateway")
	f.StringVar(&o.authorizedRanges, "api-server-authorized-ip-ranges", "", "comma-separated public IP ranges (CIDR) allowed to reach the API server")
	f.StringVarP(&o.addons, "enable-addons", "a", "", "comma-separated add-ons: http_application_routing, kube-dashboard, azure-policy, virtual-node, "+
		"confcom, open-service-mesh, azure-keyvault-secrets-provider")
	f.StringVar(&o.aciSubnet, "aci-subnet-name", "", "name of a subnet in the cluster's VNet for the virtual-node add-on")
	f.StringVarP(&o.adminUser, "admin-username", "u", "azureuser", "user account on the nodes for SSH access")
	f.StringVar(&o.sshKeyValue, "ssh-key-value", "~/.ssh/id_rsa.pub", "public key path or key contents to install on the nodes")
	f.BoolVar(&o.generate, "generate-ssh-keys", false, "generate ~/.ssh/id_rsa and id_rsa.pub if missing")
	f.BoolVarP(&o.noSSHKey, "no-ssh-key", "x", false, "do not use or create an SSH key for the nodes")
	f.StringVar(&o.nodeRG, "node-resource-group", "", "name of the resource group for the cluster's infrastructure (default: MC_<group>_<name>_<location>)")
	f.BoolVar(&o.managedIdentity, "enable-managed-identity", true, "use a managed identity for the control plane (always on)")
	f.StringVar(&o.assignIdentity, "assign-identity", "", "resource ID of a user-assigned identity for the control plane (default: a system-assigned one)")
	f.StringVar(&o.fqdnSubdomain, "fqdn-subdomain", "", "prefix of the FQDN of a private cluster with a custom private DNS zone (instead of --dns-name-prefix)")
	multiFlag(f, &o.tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not prompt for confirmation")
	noWaitFlag(cmd, &o.noWait)
	azArgs(cmd, false)
	return cmd, o
}

// outboundTypes are az 2.45's --outbound-type choices.
var outboundTypes = []string{"loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway"}

// check validates the flags as az's validators and decorator do, before
// anything is sent, and resolves the SSH key.
func (o *aksCreate) check(a *App, cmd *cobra.Command) error {
	var err error
	if !hostNamePattern.MatchString(o.name) {
		return errors.New("--name cannot exceed 63 characters and can only contain letters, numbers, or dashes (-).")
	}
	if err := checkNodepoolName(o.nodepoolName); err != nil {
		return err
	}
	if o.k8sVersion, err = normalizeK8sVersion(o.k8sVersion); err != nil {
		return err
	}
	if o.lbSKU, err = choice("load-balancer-sku", o.lbSKU, "basic", "standard"); err != nil {
		return err
	}
	if o.networkPlugin != "" {
		if o.networkPlugin, err = choice("network-plugin", o.networkPlugin, "azure", "kubenet", "none"); err != nil {
			return err
		}
	}
	if o.outboundType != "" {
		if o.outboundType, err = choice("outbound-type", o.outboundType, outboundTypes...); err != nil {
			return err
		}
	}
	if o.assignIdentity != "" && !isResourceID(o.assignIdentity) {
		return errors.New("--assign-identity is not a valid Azure resource ID.")
	}
	if o.dnsPrefix != "" && o.fqdnSubdomain != "" {
		return errors.New("--dns-name-prefix and --fqdn-subdomain cannot be used at same time")
	}
	if z := strings.ToLower(o.privateDNSZone); o.fqdnSubdomain != "" && (z == "" || z == "system" || z == "none") {
		return errors.New("--fqdn-subdomain should only be used for private cluster with custom private dns zone")
	}
	if o.vnetSubnetID != "" && !isResourceID(o.vnetSubnetID) {
		return errors.New("--vnet-subnet-id is not a valid Azure resource ID.")
	}
	if o.ranges, err = authorizedIPRanges(o.authorizedRanges); err != nil {
		return err
	}
	if err := o.checkAccess(); err != nil {
		return err
	}
	if o.networkPlugin == "" && (o.podCIDR != "" || o.serviceCIDR != "" || o.dnsServiceIP != "" || o.dockerBridge != "") {
		return errors.New("Please explicitly specify the network plugin type")
	}
	if o.networkPlugin == "azure" && o.podCIDR != "" {
		return errors.New("Please use kubenet as the network plugin type when pod_cidr is specified")
	}
	if o.addonProfiles, err = addonProfiles(o.addons, o.aciSubnet, o.vnetSubnetID); err != nil {
		return err
	}
	if cmd.Flags().Changed("docker-bridge-address") {
		// AKS dropped dockerBridgeCidr from its API; az warns the same way.
		a.Warn("Argument '--docker-bridge-address' has been deprecated and will be removed in a future release.")
	}
	if o.noSSHKey {
		return nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	key, warnings, err := aksSSHKey(o.sshKeyValue, o.generate, home)
	for _, w := range warnings {
		a.Warn("%s", w)
	}
	o.sshKey = key
	return err
}

// checkAccess applies az's rules for the API server access flags.
func (o *aksCreate) checkAccess() error {
	if o.private {
		if o.lbSKU == "basic" {
			return errors.New("Please use standard load balancer for private cluster")
		}
		if len(o.ranges) > 0 {
			return errors.New("--api-server-authorized-ip-ranges is not supported for private cluster")
		}
	} else {
		if o.disablePublicFQDN {
			return errors.New("--disable-public-fqdn should only be used with --enable-private-cluster")
		}
		if o.enablePublicFQDN {
			return errors.New("--enable-public-fqdn should only be used with --enable-private-cluster")
		}
		if o.privateDNSZone != "" {
			return errors.New("Invalid private dns zone for public cluster. It should always be empty for public cluster")
		}
	}
	if o.enablePublicFQDN && o.disablePublicFQDN {
		return errors.New("Cannot specify '--enable-public-fqdn' and '--disable-public-fqdn' at the same time")
	}
	if o.apiserverSubnetID != "" {
		switch {
		case !isResourceID(o.apiserverSubnetID):
			return errors.New("--apiserver-subnet-id is not a valid Azure resource ID.")
		case !o.vnetIntegration:
			return errors.New(`"--apiserver-subnet-id" requires "--enable-apiserver-vnet-integration".`)
		case o.vnetSubnetID == "":
			return errors.New(`"--apiserver-subnet-id" requires "--vnet-subnet-id".`)
		}
	}
	if len(o.ranges) > 0 && o.lbSKU == "basic" {
		return errors.New("--api-server-authorized-ip-ranges can only be used with standard load balancer")
	}
	if z := strings.ToLower(o.privateDNSZone); z != "" && z != "system" && z != "none" && !isResourceID(o.privateDNSZone) {
		return fmt.Errorf("%s is not a valid Azure resource ID.", o.privateDNSZone)
	}
	return nil
}

// run refuses an existing cluster (as az does today), then creates the
// cluster and prints it. Interrupted, it stops waiting; the cloud goes on.
func (o *aksCreate) run(ctx context.Context, a *App, c *clients) (any, error) {
	mcc, err := managedClusters(c)
	if err != nil {
		return nil, err
	}
	if _, err := mcc.Get(ctx, o.rg, o.name, nil); err == nil {
		return nil, fmt.Errorf("The cluster '%s' under resource group '%s' already exists. Please use command 'aksbox aks update' "+
			"to update the existing cluster, or select a different cluster name to create a new cluster.", o.name, o.rg)
	}
	tags, err := parseTags(o.tags, nil)
	if err != nil {
		return nil, err
	}
	loc, err := c.location(ctx, o.location, o.rg)
	if err != nil {
		return nil, err
	}
	registry := ""
	if o.attachACR != "" {
		if registry, err = registryIDOf(ctx, c, o.attachACR); err != nil {
			return nil, err
		}
	}
	if o.vnetIntegration {
		ctx = withVnetIntegration(ctx, o.apiserverSubnetID)
	}
	p, err := mcc.BeginCreateOrUpdate(ctx, o.rg, o.name, o.model(loc, c.Subscription, tags), nil)
	if err != nil || o.noWait {
		return nil, err
	}
	resp, err := pollDone(ctx, a, p)
	if err != nil {
		return nil, stillRunning(ctx, err, o.rg, o.name)
	}
	if registry != "" {
		if err := attachACR(ctx, c, &resp.ManagedCluster, registry); err != nil {
			return nil, err
		}
	}
	return aksOut(resp.ManagedCluster)
}

// model is the managed cluster az 2.45 sends for the flags.
func (o *aksCreate) model(loc, subscription string, tags map[string]string) armcontainerservice.ManagedCluster {
	dnsPrefix := o.dnsPrefix
	if dnsPrefix == "" && o.fqdnSubdomain == "" {
		dnsPrefix = defaultDNSPrefix(o.name, o.rg, subscription)
	}
	pool := &armcontainerservice.ManagedClusterAgentPoolProfile{
		Name: to.Ptr(o.nodepoolName), Count: to.Ptr(int32(o.nodeCount)), VMSize: to.Ptr(o.nodeVMSize),
		OSType: to.Ptr(armcontainerservice.OSTypeLinux), Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem),
		Type: to.Ptr(armcontainerservice.AgentPoolTypeVirtualMachineScaleSets),
	}
	if o.vnetSubnetID != "" {
		pool.VnetSubnetID = to.Ptr(o.vnetSubnetID)
	}
	props := &armcontainerservice.ManagedClusterProperties{
		KubernetesVersion: to.Ptr(o.k8sVersion),
		AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{pool},
		// A managed identity cluster: AKS reports the service principal as "msi".
		ServicePrincipalProfile: &armcontainerservice.ManagedClusterServicePrincipalProfile{ClientID: to.Ptr("msi")},
		EnableRBAC:              to.Ptr(true),
		NetworkProfile:          o.networkProfile(),
		APIServerAccessProfile:  o.apiServerAccessProfile(),
	}
	if dnsPrefix != "" {
		props.DNSPrefix = to.Ptr(dnsPrefix)
	}
	if o.fqdnSubdomain != "" {
		props.FqdnSubdomain = to.Ptr(o.fqdnSubdomain)
	}
	if !o.noSSHKey {
		props.LinuxProfile = &armcontainerservice.LinuxProfile{AdminUsername: to.Ptr(o.adminUser),
			SSH: &armcontainerservice.SSHConfiguration{PublicKeys: []*armcontainerservice.SSHPublicKey{{KeyData: to.Ptr(o.sshKey)}}}}
	}
	if len(o.addonProfiles) > 0 {
		props.AddonProfiles = o.addonProfiles
	}
	if o.nodeRG != "" {
		props.NodeResourceGroup = to.Ptr(o.nodeRG)
	}
	mc := armcontainerservice.ManagedCluster{Location: to.Ptr(loc), Properties: props,
		Identity: &armcontainerservice.ManagedClusterIdentity{Type: to.Ptr(armcontainerservice.ResourceIdentityTypeSystemAssigned)}}
	if o.assignIdentity != "" {
		mc.Identity = &armcontainerservice.ManagedClusterIdentity{Type: to.Ptr(armcontainerservice.ResourceIdentityTypeUserAssigned),
			UserAssignedIdentities: map[string]*armcontainerservice.ManagedServiceIdentityUserAssignedIdentitiesValue{o.assignIdentity: {}}}
	}
	if len(o.tags) > 0 {
		mc.Tags = strPtrMap(tags)
	}
	return mc
}

// networkProfile holds the network flags given, and the load balancer SKU.
func (o *aksCreate) networkProfile() *armcontainerservice.NetworkProfile {
	np := &armcontainerservice.NetworkProfile{LoadBalancerSKU: to.Ptr(armcontainerservice.LoadBalancerSKU(o.lbSKU))}
	if o.networkPlugin != "" {
		np.NetworkPlugin = to.Ptr(armcontainerservice.NetworkPlugin(o.networkPlugin))
	}
	if o.podCIDR != "" {
		np.PodCidr = to.Ptr(o.podCIDR)
	}
	if o.serviceCIDR != "" {
		np.ServiceCidr = to.Ptr(o.serviceCIDR)
	}
	if o.dnsServiceIP != "" {
		np.DNSServiceIP = to.Ptr(o.dnsServiceIP)
	}
	if o.outboundType != "" {
		np.OutboundType = to.Ptr(armcontainerservice.OutboundType(o.outboundType))
	}
	return np
}

// apiServerAccessProfile is set for a private cluster or authorized ranges.
func (o *aksCreate) apiServerAccessProfile() *armcontainerservice.ManagedClusterAPIServerAccessProfile {
	if !o.private && len(o.ranges) == 0 {
		return nil
	}
	p := &armcontainerservice.ManagedClusterAPIServerAccessProfile{AuthorizedIPRanges: strPtrs(o.ranges)}
	if o.private {
		p.EnablePrivateCluster = to.Ptr(true)
	}
	if o.disablePublicFQDN {
		p.EnablePrivateClusterPublicFQDN = to.Ptr(false)
	}
	if o.enablePublicFQDN {
		p.EnablePrivateClusterPublicFQDN = to.Ptr(true)
	}
	if o.privateDNSZone != "" {
		p.PrivateDNSZone = to.Ptr(o.privateDNSZone)
	}
	return p
}

// strPtrs converts a list to the SDK's, empty (not nil) for none.
func strPtrs(list []string) []*string {
	out := make([]*string, 0, len(list))
	for _, s := range list {
		out = append(out, to.Ptr(s))
	}
	return out
}
