package network

import (
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
)

func TestDelegations(t *testing.T) {
	sid := arm.ResourceID{Subscription: "s", ResourceGroup: "g", Namespace: Namespace,
		Types: []string{"virtualNetworks", "subnets"}, Names: []string{"v", "in"}}
	in := []*Delegation{{Name: "0", Properties: DelegationProperties{ServiceName: "microsoft.network/DNSResolvers"}}}
	if errs := checkDelegations(sid, in); len(errs) != 0 {
		t.Fatalf("a delegation to DNS resolvers refused: %v", errs)
	}
	got := normalizeDelegations(sid, in)
	want := "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/in/delegations/0"
	if len(got) != 1 || got[0].ID != want || got[0].Type != "Microsoft.Network/virtualNetworks/subnets/delegations" ||
		got[0].Properties.ServiceName != DNSResolvers || len(got[0].Properties.Actions) != 1 ||
		got[0].Properties.Actions[0] != "Microsoft.Network/virtualNetworks/subnets/join/action" || got[0].Properties.ProvisioningState != "Succeeded" {
		t.Fatalf("normalized delegation: %+v", got[0])
	}
	for _, c := range []struct {
		in   []*Delegation
		code string
	}{
		{[]*Delegation{{Name: "0", Properties: DelegationProperties{ServiceName: "Microsoft.Network/managedResolvers"}}}, "InvalidServiceNameOnDelegation"},
		{[]*Delegation{{Name: "", Properties: DelegationProperties{ServiceName: DNSResolvers}}}, "InvalidParameter"},
		{[]*Delegation{{Name: "a", Properties: DelegationProperties{ServiceName: DNSResolvers}}, {Name: "A", Properties: DelegationProperties{ServiceName: DNSResolvers}}}, "InvalidRequestFormat"},
		{[]*Delegation{{Name: "a", Properties: DelegationProperties{ServiceName: DNSResolvers}}, {Name: "b", Properties: DelegationProperties{ServiceName: "Microsoft.Web/serverFarms"}}}, "InvalidParameter"},
	} {
		errs := checkDelegations(sid, c.in)
		if len(errs) != 1 || errs[0].Code != c.code {
			t.Errorf("%+v: %v, want %s", c.in, errs, c.code)
		}
	}
}
