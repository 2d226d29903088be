package containerservice

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"golang.org/x/crypto/ssh"
)

// DefaultRegions are the regions the seed document lists for private
// clusters.
var DefaultRegions = []string{"westus", "westus2", "eastus2", "canadacentral", "northeurope", "westeurope", "australiaeast"}

var (
	clusterName = regexp.MustCompile(`^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$`)
	poolName    = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	dnsPrefix   = regexp.MustCompile(`^[a-zA-Z0-9]$|^[a-zA-Z0-9][-a-zA-Z0-9]{0,52}[a-zA-Z0-9]$`)
	adminUser   = regexp.MustCompile(`^[A-Za-z][-A-Za-z0-9_]{0,63}$`)
)

// reserved are the ranges AKS refuses for cluster networks.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("172.30.0.0/16"),
	netip.MustParsePrefix("172.31.0.0/16"), netip.MustParsePrefix("192.0.2.0/24"),
}

func invalid(target, format string, args ...any) *arm.Error {
	return arm.InvalidParameter(target, format, args...)
}

// checkNames validates the cluster's and its pools' names.
func checkNames(name string, c *Cluster) []*arm.Error {
	var errs []*arm.Error
	if !clusterName.MatchString(name) {
		errs = append(errs, arm.BadRequest("InvalidResourceName",
			"The managed cluster name '%s' is invalid: use 1 to 63 letters, digits, '-' and '_', starting and ending with a letter or digit.", name))
	}
	if p := c.Properties.DNSPrefix; p != "" && !dnsPrefix.MatchString(p) {
		errs = append(errs, invalid("properties.dnsPrefix",
			"The DNS prefix '%s' is invalid: use 1 to 54 letters, digits and '-', starting and ending with a letter or digit.", p))
	}
	if len(c.Properties.AgentPoolProfiles) == 0 {
		errs = append(errs, invalid("properties.agentPoolProfiles", "A managed cluster needs at least one agent pool in properties.agentPoolProfiles."))
	}
	seen := map[string]bool{}
	system := false
	for i, p := range c.Properties.AgentPoolProfiles {
		errs = append(errs, checkPool(fmt.Sprintf("properties.agentPoolProfiles[%d]", i), p.Name, p)...)
		if seen[strings.ToLower(p.Name)] {
			errs = append(errs, invalid(fmt.Sprintf("properties.agentPoolProfiles[%d].name", i), "The agent pool name '%s' is used twice; pool names must be unique.", p.Name))
		}
		seen[strings.ToLower(p.Name)] = true
		if strings.EqualFold(p.Mode, "System") {
			system = true
		}
	}
	if len(c.Properties.AgentPoolProfiles) > 0 && !system {
		errs = append(errs, invalid("properties.agentPoolProfiles", "A managed cluster needs at least one agent pool with mode 'System'."))
	}
	return append(errs, checkLinuxProfile(c.Properties.LinuxProfile)...)
}

// checkLinuxProfile refuses SSH keys the nodes could not use, at PUT time
// as AKS does (not later, as a node's failure).
func checkLinuxProfile(lp *LinuxProfile) []*arm.Error {
	if lp == nil {
		return nil
	}
	var errs []*arm.Error
	if !adminUser.MatchString(lp.AdminUsername) {
		errs = append(errs, invalid("properties.linuxProfile.adminUsername",
			"The admin user name '%s' is invalid: use letters, digits, '-' and '_', starting with a letter (at most 64).", lp.AdminUsername))
	}
	if len(lp.SSH.PublicKeys) == 0 {
		errs = append(errs, invalid("properties.linuxProfile.ssh.publicKeys", "properties.linuxProfile.ssh.publicKeys needs one SSH public key."))
	}
	for i, k := range lp.SSH.PublicKeys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k.KeyData)); err != nil {
			errs = append(errs, invalid(fmt.Sprintf("properties.linuxProfile.ssh.publicKeys[%d].keyData", i),
				"The value of parameter linuxProfile.ssh.publicKeys.keyData is invalid: it is not an SSH public key in OpenSSH's authorized_keys format ('ssh-rsa AAAA...')."))
		}
	}
	return errs
}

// checkPool validates one agent pool.
func checkPool(target, name string, p *Pool) []*arm.Error {
	var errs []*arm.Error
	if !poolName.MatchString(name) {
		errs = append(errs, invalid(target+".name",
			"The agent pool name '%s' is invalid: use 1 to 12 lowercase letters and digits, starting with a letter.", name))
	}
	if p.Count != nil && (*p.Count < 0 || *p.Count > 100) {
		errs = append(errs, invalid(target+".count", "The node count %d of agent pool '%s' is out of range: use 0 to 100 (aksbox's limit per pool).", *p.Count, name))
	}
	if p.Count != nil && *p.Count == 0 && strings.EqualFold(p.Mode, "System") {
		errs = append(errs, invalid(target+".count", "System agent pool '%s' needs at least one node.", name))
	}
	if p.OSType != "" && !strings.EqualFold(p.OSType, "Linux") {
		errs = append(errs, invalid(target+".osType", "The OS type '%s' of agent pool '%s' is not supported: aksbox nodes are Linux.", p.OSType, name))
	}
	if p.Mode != "" && !strings.EqualFold(p.Mode, "System") && !strings.EqualFold(p.Mode, "User") {
		errs = append(errs, invalid(target+".mode", "The mode '%s' of agent pool '%s' is invalid: use System or User.", p.Mode, name))
	}
	return errs
}

// netPlan is the cluster's networking, parsed.
type netPlan struct {
	service, podCIDR, bridge netip.Prefix
	dnsIP                    netip.Addr
}

func parsePrefix(target, what, s string, errs *[]*arm.Error) netip.Prefix {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		*errs = append(*errs, invalid(target, "The %s '%s' is not a valid IPv4 CIDR such as 10.0.0.0/16.", what, s))
		return netip.Prefix{}
	}
	return p
}

// checkNetwork validates networkProfile, with defaults applied.
func checkNetwork(n *NetworkProfile) (netPlan, []*arm.Error) {
	var errs []*arm.Error
	var plan netPlan
	switch strings.ToLower(n.NetworkPlugin) {
	case "azure", "kubenet", "none":
	default:
		errs = append(errs, invalid("properties.networkProfile.networkPlugin", "The network plugin '%s' is invalid: use azure, kubenet or none.", n.NetworkPlugin))
	}
	switch strings.ToLower(n.LoadBalancerSku) {
	case "standard", "basic":
	default:
		errs = append(errs, invalid("properties.networkProfile.loadBalancerSku", "The load balancer SKU '%s' is invalid: use standard or basic.", n.LoadBalancerSku))
	}
	plan.service = parsePrefix("properties.networkProfile.serviceCidr", "service CIDR", n.ServiceCidr, &errs)
	if ip, err := netip.ParseAddr(n.DNSServiceIP); err != nil || !ip.Is4() {
		errs = append(errs, invalid("properties.networkProfile.dnsServiceIP", "The DNS service IP '%s' is not a valid IPv4 address such as 10.0.0.10.", n.DNSServiceIP))
	} else {
		plan.dnsIP = ip
	}
	if n.DockerBridgeCidr != "" {
		plan.bridge = parsePrefix("properties.networkProfile.dockerBridgeCidr", "docker bridge CIDR", n.DockerBridgeCidr, &errs)
	}
	if n.PodCidr != "" {
		plan.podCIDR = parsePrefix("properties.networkProfile.podCidr", "pod CIDR", n.PodCidr, &errs)
	}
	if len(errs) > 0 {
		return plan, errs
	}
	if plan.service.Bits() > 28 {
		errs = append(errs, invalid("properties.networkProfile.serviceCidr", "The service CIDR %s is too small: use a /28 or larger.", plan.service))
	}
	if !plan.service.Contains(plan.dnsIP) {
		errs = append(errs, arm.BadRequest("DnsServiceIPOutOfServiceCidr",
			"The DNS service IP %s is not within the service CIDR %s; pick an address inside it (e.g. the .10 address).", plan.dnsIP, plan.service))
	} else if plan.dnsIP == plan.service.Masked().Addr() || plan.dnsIP == plan.service.Masked().Addr().Next() {
		errs = append(errs, invalid("properties.networkProfile.dnsServiceIP",
			"The DNS service IP %s is the network address or the first address of the service CIDR %s (the first is kubernetes' own service); pick another, e.g. the .10 address.", plan.dnsIP, plan.service))
	}
	named := []struct {
		field, what string
		p           netip.Prefix
	}{{"serviceCidr", "service CIDR", plan.service}, {"dockerBridgeCidr", "docker bridge CIDR", plan.bridge}, {"podCidr", "pod CIDR", plan.podCIDR}}
	for _, x := range named {
		if !x.p.IsValid() {
			continue
		}
		for _, r := range reserved {
			if x.p.Overlaps(r) {
				errs = append(errs, invalid("properties.networkProfile."+x.field,
					"The %s %s overlaps the reserved range %s (169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24 cannot be used).", x.what, x.p, r))
			}
		}
	}
	if plan.bridge.IsValid() && plan.bridge.Overlaps(plan.service) {
		errs = append(errs, invalid("properties.networkProfile.dockerBridgeCidr",
			"The docker bridge CIDR %s overlaps the service CIDR %s; pick ranges that do not overlap.", plan.bridge, plan.service))
	}
	if plan.podCIDR.IsValid() && plan.podCIDR.Overlaps(plan.service) {
		errs = append(errs, invalid("properties.networkProfile.podCidr",
			"The pod CIDR %s overlaps the service CIDR %s; pick ranges that do not overlap.", plan.podCIDR, plan.service))
	}
	return plan, errs
}

// checkAgainstVNet refuses cluster ranges that overlap the node VNet.
func checkAgainstVNet(plan netPlan, vnetName string, space []netip.Prefix) []*arm.Error {
	var errs []*arm.Error
	for _, s := range space {
		if plan.service.Overlaps(s) {
			errs = append(errs, arm.BadRequest("ServiceCidrOverlapExistingSubnetsCidr",
				"The specified service CIDR %s is conflicted with an existing subnet CIDR %s of virtual network '%s'; pick a service CIDR outside the virtual network's address space.", plan.service, s, vnetName))
		}
		if plan.bridge.IsValid() && plan.bridge.Overlaps(s) {
			errs = append(errs, invalid("properties.networkProfile.dockerBridgeCidr",
				"The docker bridge CIDR %s overlaps the address space %s of virtual network '%s'; pick a range outside it (e.g. 172.17.0.1/16).", plan.bridge, s, vnetName))
		}
		if plan.podCIDR.IsValid() && plan.podCIDR.Overlaps(s) {
			errs = append(errs, invalid("properties.networkProfile.podCidr",
				"The pod CIDR %s overlaps the address space %s of virtual network '%s'; pick a range outside it.", plan.podCIDR, s, vnetName))
		}
	}
	return errs
}
