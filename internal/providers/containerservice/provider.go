// Package containerservice serves Microsoft.ContainerService: managed
// clusters (AKS) and their agent pools. Creating a cluster builds what AKS
// builds, as ordinary ARM resources made through the front door: the node
// resource group MC_<rg>_<name>_<location> with the node VMs, the
// kube-apiserver private endpoint, the private DNS zone and its link; and,
// hidden in a subscription of the service's own, the API server's network
// and private link service. The control plane (package controlplane) runs
// in that hidden network; node agents (package nodeagent) run in the node
// VMs and reach it as real nodes do: through the VNet's DNS and the private
// endpoint.
package containerservice

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/nodeagent"
)

// Namespace is the provider's namespace.
const Namespace = "Microsoft.ContainerService"

// PreviewFeature gates private clusters, as in the seed document.
const PreviewFeature = "AKSPrivateLinkPreview"

// APIVersions are those of az 2.45 (2022-11-01) and of the Azure SDK for
// Go (2025-02-01), and the stable ones between and around them.
var APIVersions = []string{"2025-10-01", "2025-07-01", "2025-05-01", "2025-03-01", "2025-02-01", "2024-10-01", "2024-05-01", "2024-02-01",
	"2023-11-01", "2023-08-01", "2023-04-01", "2023-01-01", "2022-11-01", "2022-09-01", "2022-07-01", "2022-04-01"}

// Power states.
const (
	Running = "Running"
	Stopped = "Stopped"
)

// Version is the Kubernetes version clusters run.
type Version struct{ Major, Minor, Patch int }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// MinorString is "1.33".
func (v Version) MinorString() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Fabric is what clusters need of the network fabric: the namespace of a
// VM, and running code inside a namespace (sockets opened there stay there).
type Fabric interface {
	HostNamespace(id string) string
	ResolvConfPath(id string) string
	Do(ns string, fn func() error) error
	EnsureIsolatedHost(id string, addrs ...netip.Addr) (string, error)
	RemoveHost(id string) error
}

// Runner runs shell scripts with extra environment: in a bare namespace of
// the service's own (RunEnv), or as root inside a VM (RunInVM), in the
// folder dir of the VM (under its /tmp) that stage fills from the host
// (stage gets the host's path to it); the folder goes afterwards.
type Runner interface {
	RunEnv(ctx context.Context, netns, script string, env []string) (stdout, stderr string, code int, err error)
	RunInVM(ctx context.Context, vmID, dir string, stage func(hostDir string) error, script string, env []string) (stdout, stderr string, code int, err error)
}

// Options configure the provider.
type Options struct {
	Dir        string // where clusters keep their folders (PKI, logs)
	EtcdSocket string // the shared etcd
	Regions    []string
	// PreviewGate requires AKSPrivateLinkPreview for private clusters.
	PreviewGate bool
	Feature     func(ctx context.Context, sub, ns, name string) (string, error)
	Version     Version
	TenantID    string
	// ManagedSubscription holds the clusters' hidden API server networks.
	ManagedSubscription string
	Supervisor          *controlplane.Supervisor
	// Identity reads user-assigned identities; Roles checks role
	// assignments (for a custom private DNS zone).
	Identity IdentityLookup
	Roles    RoleCheck
	// Registries is how the nodes of a cluster whose kubelet identity is
	// principal pull from the cloud's registries: through their VNet, or
	// (public, for a public cluster's nodes) through the registries' public
	// endpoint; nil: nodes pull nothing.
	Registries func(principal string, public bool) *nodeagent.Registries
	// IdleSleep (0: never) stops the control plane and the node agents of
	// a cluster nobody sent a request for that long; the first connection
	// to its API server wakes it (see controlplane.Sleep).
	IdleSleep time.Duration
	// WarmControlPlanes is how many control planes are kept started for
	// clusters to come, which adopt them (see controlplane.PoolOptions).
	WarmControlPlanes int
}

// Provider serves managed clusters.
type Provider struct {
	rec      *arm.Records
	arm      *arm.Client
	fab      Fabric
	run      Runner
	opts     Options
	log      *slog.Logger
	clusters *arm.Kind
	windows  *arm.Kind // maintenance configurations
	ops      *arm.Operations
	agents   *agents
	public   publicEndpoints
	links    PrivateLink
}

// New makes the provider; client is the front door's in-process client.
func New(rec *arm.Records, client *arm.Client, fab Fabric, run Runner, opts Options, log *slog.Logger) *Provider {
	if len(opts.Regions) == 0 {
		opts.Regions = DefaultRegions
	}
	p := &Provider{rec: rec, arm: client, fab: fab, run: run, opts: opts, log: log, agents: newAgents(log),
		public: publicEndpoints{m: map[string]*publicEndpoint{}}}
	p.clusters = &arm.Kind{Namespace: Namespace, Type: "managedClusters", APIVersions: APIVersions,
		Build: p.buildCluster, Realize: p.realize, Unrealize: p.unrealize, Restart: p.restart, View: p.viewCluster, ViewReads: arm.ViewReadsRecord}
	p.windows = p.maintenanceKind()
	if opts.IdleSleep > 0 {
		opts.Supervisor.SetSleep(controlplane.Sleep{After: opts.IdleSleep, Enter: fab.Do, Asleep: p.agents.sleep, Awake: p.agents.wake})
	}
	if err := p.enableWarmPool(); err != nil {
		log.Warn("no warm control planes", "err", err)
	}
	return p
}

// UseIdentities gives the provider the cloud's user-assigned identities
// and role assignments.
func (p *Provider) UseIdentities(lookup IdentityLookup, roles RoleCheck) {
	p.opts.Identity, p.opts.Roles = lookup, roles
}

// Clusters is the managed cluster kind.
func (p *Provider) Clusters() *arm.Kind { return p.clusters }

// Realized lists the kinds of this provider that make things real, in the
// order they depend on each other (see arm.Kind.Resume).
func (p *Provider) Realized() []*arm.Kind { return []*arm.Kind{p.clusters} }

// Routes registers the provider's endpoints: actions and children first.
func (p *Provider) Routes(s *arm.Server, d arm.KindDeps) {
	p.ops = d.Ops
	p.actionRoutes(s, d)
	p.privateLinkRoutes(s, d)
	p.poolRoutes(s, d)
	p.upgradeRoutes(s, d)
	p.locationRoutes(s, d)
	p.windows.Serve(s, d)
	p.clusters.Serve(s, d)
}

// Close stops every node agent and control plane; a start of the server
// brings them back.
func (p *Provider) Close() {
	p.agents.stopAll()
	p.stopAllPublic()
	p.opts.Supervisor.StopAll()
}

// dialIn opens a connection from inside the network namespace ns.
func (p *Provider) dialIn(ns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		err := p.fab.Do(ns, func() error {
			var d net.Dialer
			var err error
			c, err = d.DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
}

// Catalog is Microsoft.ContainerService as the provider catalog lists it:
// the types served here, with the api-versions they take.
func Catalog() arm.Namespace {
	return arm.Namespace{Name: Namespace, Types: []arm.ResourceType{
		{Name: "managedClusters", APIVersions: APIVersions},
		{Name: "managedClusters/agentPools", APIVersions: APIVersions},
		{Name: "managedClusters/maintenanceConfigurations", APIVersions: APIVersions},
		{Name: "locations/orchestrators", APIVersions: APIVersions},
		{Name: "locations/kubernetesVersions", APIVersions: APIVersions},
		{Name: "locations/operations", APIVersions: APIVersions},
	}}
}
