package e2e

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
)

// A VNet already linked to privatelink.<region>.azmk8s.io cannot be linked
// to a cluster's own <guid>.privatelink.<region>.azmk8s.io: an AKS create
// that needs that link fails, as AKS does, naming the overlapping zones,
// and leaves a Failed cluster that can be deleted.
func TestAKSCreateNeedingAnOverlappingLink(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "overlap")
	_, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	zp, err := l.dns.NewPrivateZonesClient().BeginCreateOrUpdate(l.ctx, "overlap", "privatelink.westus2.azmk8s.io",
		armprivatedns.PrivateZone{Location: to.Ptr("global")}, nil)
	if err == nil {
		_, err = zp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := l.linkZone("overlap", "privatelink.westus2.azmk8s.io", "old", "cluster-vnet"); err != nil {
		t.Fatal(err)
	}
	_, err = l.create("c1", l.seedCluster(l.subnetID("cluster-vnet"), 1))
	if err == nil || !strings.Contains(err.Error(), "overlapping namespaces") {
		t.Fatalf("creating a cluster whose zone overlaps one linked to its VNet: %v", err)
	}
	mc, gerr := l.aks.NewManagedClustersClient().Get(l.ctx, "overlap", "c1", nil)
	if gerr != nil || deref((*string)(mc.Properties.ProvisioningState)) != "Failed" {
		t.Fatalf("the cluster after the failed create: %v %v", gerr, mc.Properties)
	}
	in.mustAksbox("group", "delete", "-n", "overlap", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("left: %v", ns)
	}
}
