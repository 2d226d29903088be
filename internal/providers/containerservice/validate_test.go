package containerservice

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
)

func seedNetwork() *NetworkProfile {
	return &NetworkProfile{NetworkPlugin: "azure", LoadBalancerSku: "standard", ServiceCidr: "10.2.0.0/24",
		DNSServiceIP: "10.2.0.10", DockerBridgeCidr: "172.17.0.1/16"}
}

func codes(errs []*arm.Error) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Code+":"+e.Target)
	}
	return strings.Join(out, ",")
}

func TestCheckNetwork(t *testing.T) {
	cases := []struct {
		name string
		edit func(n *NetworkProfile)
		want string // substring of the codes, "" for none
	}{
		{"the seed's advanced networking", func(n *NetworkProfile) {}, ""},
		{"bad service CIDR", func(n *NetworkProfile) { n.ServiceCidr = "10.2.0.0/33" }, "InvalidParameter:properties.networkProfile.serviceCidr"},
		{"bad DNS IP", func(n *NetworkProfile) { n.DNSServiceIP = "10.2.0" }, "InvalidParameter:properties.networkProfile.dnsServiceIP"},
		{"DNS IP outside", func(n *NetworkProfile) { n.DNSServiceIP = "10.3.0.10" }, "DnsServiceIPOutOfServiceCidr"},
		{"DNS IP first", func(n *NetworkProfile) { n.DNSServiceIP = "10.2.0.1" }, "InvalidParameter:properties.networkProfile.dnsServiceIP"},
		{"bridge overlaps services", func(n *NetworkProfile) { n.DockerBridgeCidr = "10.2.0.0/16" }, "properties.networkProfile.dockerBridgeCidr"},
		{"reserved service range", func(n *NetworkProfile) { n.ServiceCidr, n.DNSServiceIP = "172.30.0.0/24", "172.30.0.10" }, "properties.networkProfile.serviceCidr"},
		{"reserved bridge range", func(n *NetworkProfile) { n.DockerBridgeCidr = "169.254.1.1/24" }, "properties.networkProfile.dockerBridgeCidr"},
		{"test-net range", func(n *NetworkProfile) { n.ServiceCidr, n.DNSServiceIP = "192.0.2.0/24", "192.0.2.10" }, "properties.networkProfile.serviceCidr"},
		{"unknown plugin", func(n *NetworkProfile) { n.NetworkPlugin = "calico" }, "properties.networkProfile.networkPlugin"},
		{"pod CIDR overlaps services", func(n *NetworkProfile) { n.PodCidr = "10.2.0.0/16" }, "properties.networkProfile.podCidr"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := seedNetwork()
			tc.edit(n)
			_, errs := checkNetwork(n)
			got := codes(errs)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("errors %q, want %q", got, tc.want)
			}
			for _, e := range errs {
				if !strings.Contains(e.Message, "'") && !strings.ContainsAny(e.Message, "0123456789") {
					t.Errorf("message %q should name the value", e.Message)
				}
			}
		})
	}
}

func TestCheckAgainstVNet(t *testing.T) {
	plan, errs := checkNetwork(seedNetwork())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if errs := checkAgainstVNet(plan, "v", []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}); len(errs) != 0 {
		t.Fatalf("disjoint VNet: %v", codes(errs))
	}
	errs = checkAgainstVNet(plan, "v", []netip.Prefix{netip.MustParsePrefix("10.2.0.0/16")})
	if !strings.Contains(codes(errs), "ServiceCidrOverlapExistingSubnetsCidr") {
		t.Fatalf("overlapping VNet: %v", codes(errs))
	}
	errs = checkAgainstVNet(plan, "v", []netip.Prefix{netip.MustParsePrefix("172.17.5.0/24")})
	if !strings.Contains(codes(errs), "dockerBridgeCidr") {
		t.Fatalf("bridge inside the VNet: %v", codes(errs))
	}
}

func privateCluster() *Cluster {
	c := &Cluster{Location: "westus2"}
	c.Properties.NetworkProfile = seedNetwork()
	c.Properties.APIServerAccessProfile = &APIServerAccess{EnablePrivateCluster: boolPtr(true), PrivateDNSZone: "system"}
	c.Properties.AgentPoolProfiles = []*Pool{{Name: "nodepool1", Count: intPtr(3), Mode: "System"}}
	return c
}

func TestCheckAccess(t *testing.T) {
	cases := []struct {
		name string
		edit func(c *Cluster)
		want string
	}{
		{"private standard", func(c *Cluster) {}, ""},
		{"private basic", func(c *Cluster) { c.Properties.NetworkProfile.LoadBalancerSku = "basic" }, "PrivateClusterNotSupportedWithBasicLoadBalancer"},
		{"authorized ranges", func(c *Cluster) { c.Properties.APIServerAccessProfile.AuthorizedIPRanges = []string{"1.2.3.4/32"} }, "APIServerAuthorizedIPRangesNotSupportedForPrivateCluster"},
		{"virtual node", func(c *Cluster) {
			c.Properties.AddonProfiles = map[string]*Addon{"aciConnectorLinux": {Enabled: true}}
		}, "AddonNotSupportedForPrivateCluster"},
		{"bad zone", func(c *Cluster) { c.Properties.APIServerAccessProfile.PrivateDNSZone = "my.zone" }, "properties.apiServerAccessProfile.privateDNSZone"},
		{"zone of another region", func(c *Cluster) {
			c.Properties.APIServerAccessProfile.PrivateDNSZone = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/privateDnsZones/privatelink.eastus.azmk8s.io"
		}, "properties.apiServerAccessProfile.privateDNSZone"},
		{"public with ranges", func(c *Cluster) {
			c.Properties.APIServerAccessProfile = &APIServerAccess{AuthorizedIPRanges: []string{"1.2.3.4/32"}}
		}, ""},
		{"bad range", func(c *Cluster) {
			c.Properties.APIServerAccessProfile = &APIServerAccess{AuthorizedIPRanges: []string{"1.2.3"}}
		}, "authorizedIPRanges[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := privateCluster()
			tc.edit(c)
			got := codes(checkAccess(c))
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("errors %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckNames(t *testing.T) {
	c := privateCluster()
	if errs := checkNames("private-cluster_1", c); len(errs) != 0 {
		t.Fatalf("good names: %v", codes(errs))
	}
	if got := codes(checkNames("-bad", c)); !strings.Contains(got, "InvalidResourceName") {
		t.Fatalf("bad cluster name: %v", got)
	}
	c.Properties.AgentPoolProfiles[0].Name = "Pool_1"
	if got := codes(checkNames("c", c)); !strings.Contains(got, "agentPoolProfiles[0].name") {
		t.Fatalf("bad pool name: %v", got)
	}
	c.Properties.AgentPoolProfiles = []*Pool{{Name: "a", Mode: "User"}}
	if got := codes(checkNames("c", c)); !strings.Contains(got, "properties.agentPoolProfiles") {
		t.Fatalf("no system pool: %v", got)
	}
}

func TestCheckUpdateRefusesPrivateChange(t *testing.T) {
	old := privateCluster()
	old.Properties.DNSPrefix, old.Properties.NodeResourceGroup = "p", "MC_g_c_westus2"
	now := privateCluster()
	now.Properties.DNSPrefix, now.Properties.NodeResourceGroup = "p", "MC_g_c_westus2"
	now.Properties.APIServerAccessProfile.EnablePrivateCluster = boolPtr(false)
	errs := checkUpdate(old, now)
	if len(errs) == 0 || errs[0].Message != "Changing enablePrivateCluster is not allowed. It can only be set while creating the cluster." {
		t.Fatalf("got %v", errs)
	}
}

func TestPodRange(t *testing.T) {
	c := privateCluster()
	subnet := netip.MustParsePrefix("10.1.0.0/24")
	if r, cidr := podRange(c, subnet, 0); r.String() != "10.1.0.224/27" || cidr != "" {
		t.Fatalf("azure node 0: %v %q", r, cidr)
	}
	if r, _ := podRange(c, subnet, 1); r.String() != "10.1.0.192/27" {
		t.Fatalf("azure node 1: %v", r)
	}
	c.Properties.NetworkProfile.NetworkPlugin, c.Properties.NetworkProfile.PodCidr = "kubenet", "10.244.0.0/16"
	if r, cidr := podRange(c, subnet, 2); r.String() != "10.244.2.0/24" || cidr != "10.244.2.0/24" {
		t.Fatalf("kubenet node 2: %v %q", r, cidr)
	}
}

func TestNodeNames(t *testing.T) {
	l := &layout{digits: "12345678"}
	if got := l.nodeName("nodepool1", 0); got != "aks-nodepool1-12345678-vmss000000" {
		t.Fatal(got)
	}
	if got := l.nodeName("np", 37); got != "aks-np-12345678-vmss000011" {
		t.Fatal(got)
	}
}

// An SSH key the nodes could not use is refused at PUT time, as AKS does,
// naming the field; a good key and admin user pass.
func TestCheckLinuxProfile(t *testing.T) {
	good := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ9cnV8M1cNz4UaF8jRS4xjD8VfZC7ZNBZEdlR9rW0cS user@host"
	profile := func(user string, keys ...string) *LinuxProfile {
		lp := &LinuxProfile{AdminUsername: user}
		for _, k := range keys {
			lp.SSH.PublicKeys = append(lp.SSH.PublicKeys, struct {
				KeyData string `json:"keyData"`
			}{k})
		}
		return lp
	}
	cases := []struct {
		name string
		lp   *LinuxProfile
		want string
	}{
		{"none", nil, ""},
		{"good", profile("azureuser", good), ""},
		{"placeholder key", profile("azureuser", "keydata"), "InvalidParameter:properties.linuxProfile.ssh.publicKeys[0].keyData"},
		{"no key", profile("azureuser"), "InvalidParameter:properties.linuxProfile.ssh.publicKeys"},
		{"bad user", profile("1root", good), "InvalidParameter:properties.linuxProfile.adminUsername"},
	}
	for _, c := range cases {
		got := codes(checkLinuxProfile(c.lp))
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// A command's ID is AKS's 32 hex digits; either spelling finds its operation.
func TestCommandID(t *testing.T) {
	op := "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
	id := commandID(op)
	if id != "0a1b2c3d4e5f60718293a4b5c6d7e8f9" || commandOperation(id) != op || commandOperation(op) != op {
		t.Fatalf("commandID %q, back %q", id, commandOperation(id))
	}
}
