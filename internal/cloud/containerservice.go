package cloud

import (
	"log/slog"
	"os"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/identity"
	"github.com/aksbox/aksbox/internal/nodeagent"
	"github.com/aksbox/aksbox/internal/providers/containerservice"
	"github.com/aksbox/aksbox/internal/providers/features"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

// KubernetesVersion is the version of the embedded Kubernetes.
var KubernetesVersion = containerservice.Version{Major: 1, Minor: 33, Patch: 13}

// newContainerService makes the AKS provider: clusters build their node
// resource groups through the front door's in-process client; their
// control planes run under a supervisor that stops with the server.
func newContainerService(front *arm.Server, rec *arm.Records, st *store.Store, fab Fabric, run runner, feat *features.Provider,
	dir *identity.Directory, registries func(string, bool) *nodeagent.Registries, o Options, log *slog.Logger) *containerservice.Provider {
	self, _ := os.Executable()
	return containerservice.New(rec, front.Client(), fab, run, containerservice.Options{
		Dir:                 o.Dir.Path("clusters"),
		EtcdSocket:          st.Socket(),
		Regions:             o.AKSRegions,
		PreviewGate:         o.AKSPreviewGate,
		Feature:             feat.State,
		Version:             KubernetesVersion,
		TenantID:            dir.TenantID(),
		ManagedSubscription: managedSubscription(dir),
		Supervisor:          controlplane.NewSupervisor(self, log),
		Registries:          registries,
		IdleSleep:           o.IdleSleep,
		WarmControlPlanes:   warmControlPlanes(fab, o.WarmControlPlanes),
	}, log)
}

// managedSubscription is the subscription of the service's own that holds
// the clusters' hidden API server networks and the cloud's public DNS.
func managedSubscription(dir *identity.Directory) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("aks-managed:"+dir.TenantID())).String()
}

// warmControlPlanes is how many warm control planes the instance keeps:
// none without a fabric, where no cluster can be made.
func warmControlPlanes(fab Fabric, n int) int {
	if _, ok := fab.(unavailable); ok {
		return 0
	}
	return n
}
