package containerservice

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// checkAccess validates the API server access profile and what a private
// cluster cannot have.
func checkAccess(c *Cluster) []*arm.Error {
	var errs []*arm.Error
	a := c.Properties.APIServerAccessProfile
	for i, r := range safeRanges(a) {
		if _, err := netip.ParsePrefix(r); err != nil {
			if _, err := netip.ParseAddr(r); err != nil {
				errs = append(errs, arm.InvalidParameter(fmt.Sprintf("properties.apiServerAccessProfile.authorizedIPRanges[%d]", i),
					"The authorized IP range '%s' is not a valid IP address or CIDR.", r))
			}
		}
	}
	errs = append(errs, checkVnetIntegration(c)...)
	if !c.Private() {
		return errs
	}
	if c.Properties.NetworkProfile.LoadBalancerSku == "basic" {
		errs = append(errs, arm.BadRequest("PrivateClusterNotSupportedWithBasicLoadBalancer",
			"Private clusters need the standard load balancer SKU; basic is not supported. Use loadBalancerSku 'standard' (--load-balancer-sku standard)."))
	}
	if len(a.AuthorizedIPRanges) > 0 {
		errs = append(errs, arm.BadRequest("APIServerAuthorizedIPRangesNotSupportedForPrivateCluster",
			"API server authorized IP ranges cannot be used with a private cluster: its API server has no public endpoint. Remove authorizedIPRanges (--api-server-authorized-ip-ranges)."))
	}
	for name, addon := range c.Properties.AddonProfiles {
		if addon != nil && addon.Enabled && strings.HasPrefix(strings.ToLower(name), "aciconnector") {
			errs = append(errs, arm.BadRequest("AddonNotSupportedForPrivateCluster",
				"The virtual-node addon (%s) is not supported in a private cluster: virtual nodes cannot spin private ACI instances in a private VNet. Disable the addon or create a public cluster.", name))
		}
	}
	errs = append(errs, checkZone(c)...)
	return errs
}

// checkZone validates privateDNSZone and what goes with it: a custom zone's
// name, the FQDN subdomain (custom zones only, instead of a DNS prefix) and
// the public FQDN (which privateDNSZone none needs).
func checkZone(c *Cluster) []*arm.Error {
	var errs []*arm.Error
	a, pr := c.Properties.APIServerAccessProfile, &c.Properties
	mode := c.DNSZoneMode()
	if mode == "custom" {
		zid, err := arm.ParseID(a.PrivateDNSZone)
		name := strings.ToLower(zid.Name())
		suffix := "privatelink." + c.Location + ".azmk8s.io"
		if c.VnetIntegrated() && (strings.HasSuffix(name, ".private."+c.Location+".azmk8s.io") || name == "private."+c.Location+".azmk8s.io") {
			suffix = "private." + c.Location + ".azmk8s.io" // AKS's zone name for VNet-integrated clusters
		}
		switch {
		case err != nil || !strings.EqualFold(zid.Type(), "Microsoft.Network/privateDnsZones"):
			errs = append(errs, arm.InvalidParameter("properties.apiServerAccessProfile.privateDNSZone",
				"The private DNS zone '%s' is invalid: use 'system', 'none' or the resource ID of a private DNS zone named privatelink.<region>.azmk8s.io or <subzone>.privatelink.<region>.azmk8s.io.", a.PrivateDNSZone))
		case name != suffix && !strings.HasSuffix(name, "."+suffix):
			errs = append(errs, arm.InvalidParameter("properties.apiServerAccessProfile.privateDNSZone",
				"The private DNS zone '%s' must be named %s or <subzone>.%s.", zid.Name(), suffix, suffix))
		case name != suffix && (len(strings.TrimSuffix(name, "."+suffix)) > 32 || strings.Contains(strings.TrimSuffix(name, "."+suffix), ".")):
			errs = append(errs, arm.InvalidParameter("properties.apiServerAccessProfile.privateDNSZone",
				"The subzone '%s' of private DNS zone '%s' must be one label of at most 32 characters.", strings.TrimSuffix(name, "."+suffix), zid.Name()))
		}
	}
	if pr.FqdnSubdomain != "" {
		if mode != "custom" {
			errs = append(errs, arm.InvalidParameter("properties.fqdnSubdomain",
				"fqdnSubdomain '%s' can only be used by a private cluster with a custom private DNS zone (apiServerAccessProfile.privateDNSZone set to a zone's resource ID); use dnsPrefix otherwise.", pr.FqdnSubdomain))
		}
		if pr.DNSPrefix != "" {
			errs = append(errs, arm.InvalidParameter("properties.fqdnSubdomain",
				"dnsPrefix '%s' and fqdnSubdomain '%s' cannot both be set; give one of them.", pr.DNSPrefix, pr.FqdnSubdomain))
		}
		if !dnsPrefix.MatchString(pr.FqdnSubdomain) {
			errs = append(errs, arm.InvalidParameter("properties.fqdnSubdomain",
				"fqdnSubdomain '%s' is invalid: use 1 to 54 letters, digits and hyphens, starting and ending with a letter or digit.", pr.FqdnSubdomain))
		}
	}
	if mode == "none" && !c.PublicFQDN() {
		errs = append(errs, arm.BadRequest("InvalidParameter",
			"A private cluster with privateDNSZone 'none' is reached through its public FQDN, which cannot be disabled: set enablePrivateClusterPublicFQDN to true (drop --disable-public-fqdn) or use privateDNSZone 'system'."))
	}
	return errs
}

func safeRanges(a *APIServerAccess) []string {
	if a == nil {
		return nil
	}
	return a.AuthorizedIPRanges
}
