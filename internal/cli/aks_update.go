package cli

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/spf13/cobra"
)

// nonGlobalV4 are the IPv4 blocks Python's ipaddress calls not global:
// a range entirely inside one of them is refused, as az does.
var nonGlobalV4 = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/29", "192.0.0.170/31", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// lastAddr is the broadcast address of an IPv4 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	return netip.AddrFrom4(b)
}

// authorizedIPRanges splits --api-server-authorized-ip-ranges and checks it
// as az's validate_ip_ranges does; "" is the empty list (no restriction).
func authorizedIPRanges(s string) ([]string, error) {
	if s == "" {
		return []string{}, nil
	}
	const agentNodesOnly = "0.0.0.0/32"
	var ranges []string
	nodesOnly, empty := false, false
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		ranges = append(ranges, r)
		nodesOnly = nodesOnly || r == agentNodesOnly
		empty = empty || r == ""
	}
	if nodesOnly && len(ranges) > 1 {
		return nil, errors.New("Setting --api-server-authorized-ip-ranges to 0.0.0.0/32 is not allowed with other IP ranges." +
			"Refer to https://aka.ms/aks/whitelist for more details")
	}
	if empty && len(ranges) > 1 {
		return nil, errors.New("--api-server-authorized-ip-ranges cannot be disabled and simultaneously enabled")
	}
	for _, r := range ranges {
		if r == agentNodesOnly || r == "" {
			continue
		}
		p, err := netip.ParsePrefix(r)
		if err != nil {
			addr, aerr := netip.ParseAddr(r)
			if aerr != nil {
				return nil, errors.New("--api-server-authorized-ip-ranges should be a list of IPv4 addresses or CIDRs")
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		if p.Masked() != p { // host bits set: Python's strict ip_network refuses it
			return nil, errors.New("--api-server-authorized-ip-ranges should be a list of IPv4 addresses or CIDRs")
		}
		if !isGlobal(p) {
			return nil, errors.New("--api-server-authorized-ip-ranges must be global non-reserved addresses or CIDRs")
		}
		if p.Addr().Is6() {
			return nil, errors.New("--api-server-authorized-ip-ranges cannot be IPv6 addresses")
		}
	}
	return ranges, nil
}

func isGlobal(p netip.Prefix) bool {
	a := p.Addr()
	if a.Is6() {
		return !(a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() ||
			netip.MustParsePrefix("2001:db8::/32").Contains(a))
	}
	last := lastAddr(p)
	for _, n := range nonGlobalV4 {
		if n.Contains(a) && n.Contains(last) {
			return false
		}
	}
	return true
}

// aksUpdate is one 'aks update'.
type aksUpdate struct {
	rg, name, ranges, privateDNSZone    string
	apiserverSubnetID                   string
	enablePublicFQDN, disablePublicFQDN bool
	vnetIntegration                     bool
	noWait, yes                         bool
	tags                                []string
	rangesSet, tagsSet                  bool
	attachACR, detachACR                string
}

func aksUpdateCmd(a *App) *cobra.Command {
	o := &aksUpdate{}
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "update", short: "Update a managed Kubernetes cluster: API server access, tags", names: asIs,
		required: []string{"resource-group", "name"},
		check: func() error {
			o.rangesSet, o.tagsSet = cmd.Flags().Changed("api-server-authorized-ip-ranges"), cmd.Flags().Changed("tags")
			// With no change asked, the cluster is sent back as it is: AKS
			// reconciles it (the way out of a Failed state).
			if o.enablePublicFQDN && o.disablePublicFQDN {
				return errors.New("Cannot specify '--enable-public-fqdn' and '--disable-public-fqdn' at the same time")
			}
			_, err := authorizedIPRanges(o.ranges)
			return err
		},
		call: func(ctx context.Context, c *clients) (any, error) { return o.run(ctx, a, c) }})
	f := cmd.Flags()
	clusterFlags(cmd, &o.rg, &o.name)
	f.StringVar(&o.ranges, "api-server-authorized-ip-ranges", "", "comma-separated public IP ranges (CIDR) allowed to reach the API server; \"\" removes the restriction")
	f.BoolVar(&o.enablePublicFQDN, "enable-public-fqdn", false, "give a private cluster a public FQDN")
	f.BoolVar(&o.disablePublicFQDN, "disable-public-fqdn", false, "remove a private cluster's public FQDN")
	f.BoolVar(&o.vnetIntegration, "enable-apiserver-vnet-integration", false, "project the API server into a subnet of the cluster's VNet; takes effect at the next 'aks stop' and 'aks start'")
	f.StringVar(&o.apiserverSubnetID, "apiserver-subnet-id", "", "resource ID of the subnet, delegated to Microsoft.ContainerService/managedClusters, the API server is projected into")
	f.StringVar(&o.attachACR, "attach-acr", "", "grant the kubelet identity AcrPull on this registry (name or resource ID); nothing else is changed")
	f.StringVar(&o.detachACR, "detach-acr", "", "remove the kubelet identity's AcrPull on this registry (name or resource ID)")
	f.StringVar(&o.privateDNSZone, "private-dns-zone", "", "the private DNS zone mode; the only update allowed is to none (from system or a custom zone)")
	multiFlag(f, &o.tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]; \"\" clears them")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not prompt for confirmation")
	noWaitFlag(cmd, &o.noWait)
	azArgs(cmd, false)
	return cmd
}

// run reads the cluster, changes it and sends all of it back, as az does.
func (o *aksUpdate) run(ctx context.Context, a *App, c *clients) (any, error) {
	mcc, err := managedClusters(c)
	if err != nil {
		return nil, err
	}
	cur, err := mcc.Get(ctx, o.rg, o.name, nil)
	if err != nil {
		return nil, err
	}
	mc := cur.ManagedCluster
	if o.attachACR != "" || o.detachACR != "" {
		// az changes only the role assignment; the cluster is not written.
		for _, x := range []struct {
			acr string
			do  func(context.Context, *clients, *armcontainerservice.ManagedCluster, string) error
		}{{o.attachACR, attachACR}, {o.detachACR, detachACR}} {
			if x.acr == "" {
				continue
			}
			id, err := registryIDOf(ctx, c, x.acr)
			if err == nil {
				err = x.do(ctx, c, &mc, id)
			}
			if err != nil {
				return nil, err
			}
		}
		return aksOut(mc)
	}
	if err := o.apply(&mc); err != nil {
		return nil, err
	}
	if o.apiserverSubnetID != "" && !o.vnetIntegration {
		return nil, errors.New(`"--apiserver-subnet-id" requires "--enable-apiserver-vnet-integration".`)
	}
	if o.vnetIntegration {
		// The SDK's api-version does not read the integration back: a
		// cluster without a subnet given is taken as not yet integrated.
		if o.apiserverSubnetID == "" {
			if raw, err := c.Do(ctx, http.MethodGet, *cur.ID, vnetIntegrationAPI, nil); err == nil && !integrated(raw) {
				return nil, errors.New("--apiserver-subnet-id is required for update with --enable-apiserver-vnet-integration.")
			}
		}
		ctx = withVnetIntegration(ctx, o.apiserverSubnetID)
	}
	p, err := mcc.BeginCreateOrUpdate(ctx, o.rg, o.name, mc, nil)
	if err != nil || o.noWait {
		return nil, err
	}
	resp, err := pollDone(ctx, a, p)
	if err != nil {
		return nil, stillRunning(ctx, err, o.rg, o.name)
	}
	return aksOut(resp.ManagedCluster)
}

// apply is az's update of the API server access profile and the tags.
func (o *aksUpdate) apply(mc *armcontainerservice.ManagedCluster) error {
	ranges, err := authorizedIPRanges(o.ranges)
	if err != nil {
		return err
	}
	if mc.Properties == nil {
		mc.Properties = &armcontainerservice.ManagedClusterProperties{}
	}
	profile := mc.Properties.APIServerAccessProfile
	if isPrivateCluster(mc) {
		if o.rangesSet && len(ranges) > 0 {
			return errors.New("--api-server-authorized-ip-ranges is not supported for private cluster")
		}
		none := strings.EqualFold(o.privateDNSZone, "none") || (profile.PrivateDNSZone != nil && strings.EqualFold(*profile.PrivateDNSZone, "none"))
		if o.disablePublicFQDN && none {
			return errors.New("--disable-public-fqdn cannot be applied for none mode private dns zone cluster")
		}
		if o.privateDNSZone != "" && !strings.EqualFold(o.privateDNSZone, "none") {
			return errors.New("--private-dns-zone can only be updated to none")
		}
	} else {
		if o.disablePublicFQDN {
			return errors.New("--disable-public-fqdn can only be used for private cluster")
		}
		if o.enablePublicFQDN {
			return errors.New("--enable-public-fqdn can only be used for private cluster")
		}
		if o.privateDNSZone != "" {
			return errors.New("--private-dns-zone can only be used for private cluster")
		}
	}
	if o.rangesSet && len(ranges) > 0 {
		if np := mc.Properties.NetworkProfile; np != nil && np.LoadBalancerSKU != nil && strings.EqualFold(string(*np.LoadBalancerSKU), "basic") {
			return errors.New("--api-server-authorized-ip-ranges can only be used with standard load balancer")
		}
	}
	if o.rangesSet || o.enablePublicFQDN || o.disablePublicFQDN || o.privateDNSZone != "" {
		if profile == nil {
			profile = &armcontainerservice.ManagedClusterAPIServerAccessProfile{}
		}
		if o.rangesSet {
			profile.AuthorizedIPRanges = strPtrs(ranges)
		}
		if o.disablePublicFQDN {
			profile.EnablePrivateClusterPublicFQDN = to.Ptr(false)
		}
		if o.enablePublicFQDN {
			profile.EnablePrivateClusterPublicFQDN = to.Ptr(true)
		}
		if o.privateDNSZone != "" {
			profile.PrivateDNSZone = to.Ptr("none")
		}
		mc.Properties.APIServerAccessProfile = profile
	}
	if o.tagsSet {
		tags, err := parseTags(o.tags, nil)
		if err != nil {
			return err
		}
		mc.Tags = strPtrMap(tags)
	}
	return nil
}
