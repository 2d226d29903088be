package containerservice

import (
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
)

func TestOutboundDefaults(t *testing.T) {
	id, _ := arm.ParseID("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1")
	cluster := func(sku, outbound string, lb *LoadBalancerProfile) *Cluster {
		c := &Cluster{}
		c.Properties.NodeResourceGroup = "MC_rg_c1_westus2"
		c.Properties.NetworkProfile = &NetworkProfile{LoadBalancerSku: sku, OutboundType: outbound, LoadBalancerProfile: lb}
		return c
	}

	c := cluster("standard", "loadBalancer", nil)
	if errs := outboundDefaults(id, c, nil); errs != nil {
		t.Fatal(errs)
	}
	lb := c.Properties.NetworkProfile.LoadBalancerProfile
	if lb.ManagedOutboundIPs.Count != 1 || len(lb.EffectiveOutboundIPs) != 1 || lb.BackendPoolType != "nodeIPConfiguration" ||
		!strings.HasPrefix(lb.EffectiveOutboundIPs[0].ID, "/subscriptions/s1/resourceGroups/MC_rg_c1_westus2/providers/Microsoft.Network/publicIPAddresses/") {
		t.Fatalf("default profile: %+v", lb)
	}
	first := lb.EffectiveOutboundIPs[0].ID

	// An update without the profile keeps it; a larger count adds IPs and
	// keeps the first.
	again := cluster("standard", "loadBalancer", nil)
	_ = outboundDefaults(id, again, c)
	if got := again.Properties.NetworkProfile.LoadBalancerProfile.EffectiveOutboundIPs; len(got) != 1 || got[0].ID != first {
		t.Fatalf("update without a profile: %+v", got)
	}
	two := cluster("standard", "loadBalancer", &LoadBalancerProfile{ManagedOutboundIPs: &ManagedOutboundIPs{Count: 2}})
	_ = outboundDefaults(id, two, c)
	if got := two.Properties.NetworkProfile.LoadBalancerProfile.EffectiveOutboundIPs; len(got) != 2 || got[0].ID != first || got[1].ID == first {
		t.Fatalf("two managed IPs: %+v", got)
	}

	own := "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/mine"
	mine := cluster("standard", "loadBalancer", &LoadBalancerProfile{OutboundIPs: &OutboundIPs{PublicIPs: []SubResource{{ID: own}}}})
	_ = outboundDefaults(id, mine, nil)
	if lb := mine.Properties.NetworkProfile.LoadBalancerProfile; lb.ManagedOutboundIPs != nil || len(lb.EffectiveOutboundIPs) != 1 || lb.EffectiveOutboundIPs[0].ID != own {
		t.Fatalf("own outbound IPs: %+v", lb)
	}

	for name, c := range map[string]*Cluster{
		"count 0":   cluster("standard", "loadBalancer", &LoadBalancerProfile{ManagedOutboundIPs: &ManagedOutboundIPs{Count: 0}}),
		"not an IP": cluster("standard", "loadBalancer", &LoadBalancerProfile{OutboundIPs: &OutboundIPs{PublicIPs: []SubResource{{ID: "x"}}}}),
	} {
		if errs := outboundDefaults(id, c, nil); len(errs) != 1 || errs[0].Code != "InvalidParameter" {
			t.Errorf("%s: %v", name, errs)
		}
	}
	for _, c := range []*Cluster{cluster("basic", "loadBalancer", nil), cluster("standard", "userDefinedRouting", &LoadBalancerProfile{})} {
		_ = outboundDefaults(id, c, nil)
		if c.Properties.NetworkProfile.LoadBalancerProfile != nil {
			t.Errorf("a profile without a standard outbound load balancer: %+v", c.Properties.NetworkProfile)
		}
	}
}
