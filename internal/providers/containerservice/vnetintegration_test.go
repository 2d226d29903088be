package containerservice

import (
	"strings"
	"testing"
)

func integratedCluster(nodeSubnet, apiSubnet string, on *bool) *Cluster {
	c := &Cluster{}
	c.Properties.AgentPoolProfiles = []*Pool{{Name: "np", VnetSubnetID: nodeSubnet}}
	c.Properties.APIServerAccessProfile = &APIServerAccess{EnableVnetIntegration: on, SubnetID: apiSubnet}
	return c
}

// The access profile's shape as AKS checks it: a subnet only with the
// integration, and one exactly when the nodes are in a subnet of the
// customer's.
func TestCheckVnetIntegration(t *testing.T) {
	yes, no := true, false
	node := "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes"
	api := "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/api"
	cases := []struct {
		name string
		c    *Cluster
		want string
	}{
		{"byo with subnet", integratedCluster(node, api, &yes), ""},
		{"default vnet without subnet", integratedCluster("", "", &yes), ""},
		{"off", integratedCluster(node, "", &no), ""},
		{"byo without subnet", integratedCluster(node, "", &yes), "should not be empty when using custom vnet"},
		{"default vnet with subnet", integratedCluster("", api, &yes), "should be empty when using default vnet"},
		{"subnet without the integration", integratedCluster(node, api, nil), "only used with API Server VNet Integration"},
		{"not a subnet ID", integratedCluster(node, "/subscriptions/s/resourceGroups/g", &yes), "not a subnet's resource ID"},
	}
	for _, c := range cases {
		errs := checkVnetIntegration(c.c)
		got := ""
		for _, e := range errs {
			got += e.Message
		}
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// The integration is one-way; an update that leaves it out keeps it, one
// that turns it off is refused, and its subnet cannot move.
func TestIntegrationUpdates(t *testing.T) {
	yes, no := true, false
	node := "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes"
	api := node + "x"
	old := integratedCluster(node, api, &yes)
	left := integratedCluster(node, "", nil)
	carryIntegration(old, left)
	if !left.VnetIntegrated() || left.Properties.APIServerAccessProfile.SubnetID != api || len(checkIntegrationUpdate(old, left)) != 0 {
		t.Fatalf("an update leaving the integration out: %+v", left.Properties.APIServerAccessProfile)
	}
	off := integratedCluster(node, "", &no)
	carryIntegration(old, off)
	if errs := checkIntegrationUpdate(old, off); len(errs) != 1 || errs[0].Code != "PropertyChangeNotAllowed" {
		t.Fatalf("turning it off: %v", errs)
	}
	moved := integratedCluster(node, api+"y", &yes)
	if errs := checkIntegrationUpdate(old, moved); len(errs) != 1 || !strings.Contains(errs[0].Message, "subnetId") {
		t.Fatalf("moving the subnet: %v", errs)
	}
	if errs := checkIntegrationUpdate(integratedCluster(node, "", nil), integratedCluster(node, api, &yes)); len(errs) != 0 {
		t.Fatalf("enabling on update is allowed: %v", errs)
	}
}
