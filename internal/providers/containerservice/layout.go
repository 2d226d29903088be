package containerservice

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
)

// The default node network AKS makes when no subnet is given.
var (
	defaultVNetSpace  = netip.MustParsePrefix("10.224.0.0/12")
	defaultSubnet     = netip.MustParsePrefix("10.224.0.0/16")
	apiserverSpace    = netip.MustParsePrefix("10.255.0.0/24")
	apiserverSubnetNm = "kube-apiserver"
)

// layout names everything a cluster is made of.
type layout struct {
	id        arm.ResourceID
	uid       string
	digits    string // AKS's 8 digits in node and VNet names
	nodeGroup string // /subscriptions/../resourceGroups/MC_...
	vnet      string // the node VNet's ID
	subnet    string // the node subnet's ID
	// apiSubnet is the subnet the API server is projected into (API Server
	// VNet Integration; "" otherwise): where the pe is.
	apiSubnet string
	// ilb is the internal load balancer kube-apiserver of a VNet-integrated
	// cluster, in the node group; nodePE is where the endpoint is without
	// the integration (moved from there when it is enabled).
	ilb, nodePE string
	ownVNet     bool // the default aks-vnet, made and deleted with the cluster

	hcpGroup string // the hidden group of the API server's network
	hcpVNet  string
	cpNIC    string
	cpVM     string
	pls      string
	publicIP string // the API server's public IP (public clusters)
	pe       string
	zone     string // the private DNS zone's ID ("" when privateDNSZone is none)
	record   string // relative record name of the private FQDN in zone
	link     string // the zone's link to the node VNet
	// hcpZone holds the cluster's public FQDN in the cloud's own public
	// DNS (<host>.hcp.<region>.azmk8s.io), hcpRecord its relative name.
	hcpZone, hcpRecord string
	dir                string // the cluster's folder
	etcd               string // etcd prefix of the cluster's Kubernetes state
	privateIP          bool
	staleDNS           []staleZone
}

func (p *Provider) layout(id arm.ResourceID, c *Cluster, in internal) *layout {
	sum := sha256.Sum256([]byte(in.UID))
	l := &layout{id: id, uid: in.UID, staleDNS: in.StaleDNS, digits: fmt.Sprintf("%08d", binary.BigEndian.Uint32(sum[:4])%100000000)}
	short := strings.ReplaceAll(in.UID, "-", "")[:12]
	l.nodeGroup = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", id.Subscription, c.Properties.NodeResourceGroup)
	l.subnet = c.Properties.AgentPoolProfiles[0].VnetSubnetID
	if l.subnet == "" {
		l.ownVNet = true
		l.vnet = l.nodeGroup + "/providers/Microsoft.Network/virtualNetworks/aks-vnet-" + l.digits
		l.subnet = l.vnet + "/subnets/aks-subnet"
	} else if sid, err := arm.ParseID(l.subnet); err == nil {
		l.vnet = sid.Parent().String()
	}
	if c.VnetIntegrated() && in.Projected {
		l.apiSubnet = c.Properties.APIServerAccessProfile.SubnetID
		if l.ownVNet {
			l.apiSubnet = l.vnet + "/subnets/" + defaultAPIServerSubnet
		}
	}
	l.hcpGroup = fmt.Sprintf("/subscriptions/%s/resourceGroups/hcp-%s", p.opts.ManagedSubscription, short)
	l.hcpVNet = l.hcpGroup + "/providers/Microsoft.Network/virtualNetworks/kube-apiserver-vnet"
	l.cpNIC = l.hcpGroup + "/providers/Microsoft.Network/networkInterfaces/kube-apiserver-nic"
	l.cpVM = l.hcpGroup + "/providers/Microsoft.Compute/virtualMachines/kube-apiserver"
	l.pls = l.hcpGroup + "/providers/Microsoft.Network/privateLinkServices/kube-apiserver"
	l.publicIP = l.hcpGroup + "/providers/Microsoft.Network/publicIPAddresses/kube-apiserver-pip"
	l.pe = l.nodeGroup + "/providers/Microsoft.Network/privateEndpoints/kube-apiserver"
	l.nodePE = l.pe
	if l.apiSubnet != "" {
		// The load balancer's frontend address is forwarded by an endpoint
		// of the service's own, in the API server subnet.
		l.pe = l.hcpGroup + "/providers/Microsoft.Network/privateEndpoints/kube-apiserver-frontend"
		l.ilb = l.nodeGroup + "/providers/Microsoft.Network/loadBalancers/kube-apiserver"
	}
	l.hcpZone = PublicDNSGroup(p.opts.ManagedSubscription) + "/providers/Microsoft.Network/privateDnsZones/hcp." + c.Location + ".azmk8s.io"
	l.hcpRecord = apiHost(c, in.UID)
	if c.Private() {
		fqdn := c.Properties.PrivateFQDN
		switch c.DNSZoneMode() {
		case "none":
		case "system":
			// AKS's system zone is the cluster's own: <guid>.privatelink.<region>.azmk8s.io,
			// so several private clusters can share one VNet.
			zone := systemZone(c, in.UID)
			l.zone = l.nodeGroup + "/providers/Microsoft.Network/privateDnsZones/" + zone
			l.record = strings.TrimSuffix(fqdn, "."+zone)
		default:
			zid, _ := arm.ParseID(c.Properties.APIServerAccessProfile.PrivateDNSZone)
			l.zone = zid.String()
			l.record = strings.TrimSuffix(fqdn, "."+zid.Name())
		}
		if l.zone != "" {
			vid, _ := arm.ParseID(l.vnet)
			l.link = l.zone + "/virtualNetworkLinks/" + vid.Name() + "-" + l.digits
		}
	}
	l.dir = filepath.Join(p.opts.Dir, short)
	l.etcd = "/aksbox/clusters/" + short + "/registry"
	return l
}

// PublicDNSGroup is the group, in the service's own subscription, holding
// the zones of the cloud's public DNS: what 168.63.129.16 answers for
// names the cloud owns, from every virtual network.
func PublicDNSGroup(managedSubscription string) string {
	return "/subscriptions/" + managedSubscription + "/resourceGroups/aksbox-public-dns"
}

// systemZone is the private DNS zone AKS makes for a cluster with
// privateDNSZone "system".
func systemZone(c *Cluster, uid string) string {
	return uid + ".privatelink." + c.Location + ".azmk8s.io"
}

// apiHost is the first label of the cluster's FQDNs: the DNS prefix (or
// the FQDN subdomain) and a hash of the cluster.
func apiHost(c *Cluster, uid string) string {
	sum := sha256.Sum256([]byte(uid))
	prefix := c.Properties.DNSPrefix
	if c.Properties.FqdnSubdomain != "" {
		prefix = c.Properties.FqdnSubdomain
	}
	return strings.ToLower(prefix) + "-" + hex.EncodeToString(sum[:4])
}

// nodeName is the name of node i of a pool, as AKS names VMSS instances.
func (l *layout) nodeName(pool string, i int) string {
	n := strconv.FormatInt(int64(i), 36)
	return fmt.Sprintf("aks-%s-%s-vmss%s%s", strings.ToLower(pool), l.digits, strings.Repeat("0", max(0, 6-len(n))), n)
}

func (l *layout) nodeVM(name string) string {
	return l.nodeGroup + "/providers/Microsoft.Compute/virtualMachines/" + name
}

func (l *layout) nodeNIC(name string) string {
	return l.nodeGroup + "/providers/Microsoft.Network/networkInterfaces/" + name + "-nic"
}

// nicIP reads the first private address of a NIC body.
func nicIP(body json.RawMessage) (netip.Addr, error) {
	var n network.NIC
	if err := json.Unmarshal(body, &n); err != nil || len(n.Properties.IPConfigurations) == 0 {
		return netip.Addr{}, fmt.Errorf("the network interface has no address")
	}
	return netip.ParseAddr(n.Properties.IPConfigurations[0].Properties.PrivateIPAddress)
}
