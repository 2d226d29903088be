package network

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
)

// Fabric is the part of the network fabric this provider drives.
type Fabric interface {
	EnsureVNet(v fabric.VNet) error
	RemoveVNet(id string) error
	EnsurePeering(a, b string) error
	RemovePeering(a, b string) error
	EnsureFrontend(fe fabric.Frontend) error
	RemoveFrontend(id string) error
	EnsureEndpoint(e fabric.Endpoint) error
	RemoveEndpoint(id string) error
}

// SubnetUsers lists the IDs of what uses a subnet (IP configurations of
// NICs, private endpoints); providers of those resources supply it.
type SubnetUsers func(ctx context.Context, subnetID string) ([]string, error)

// Provider serves Microsoft.Network virtual networks, subnets and peerings.
type Provider struct {
	rec       *arm.Records
	fab       Fabric
	log       *slog.Logger
	vnets     *arm.Kind
	nics      *arm.Kind
	publicIPs *arm.Kind
	plss      *arm.Kind
	pes       *arm.Kind
	lbs       *arm.Kind // only the kube-apiserver ILBs AKS makes
	zoneGrps  *arm.Kind // privateEndpoints/privateDnsZoneGroups
	arm       *arm.Client
	ops       *arm.Operations
	users     []SubnetUsers
	links     []ServiceLinks
	addrs     []AddressUsers
	opts      Options
	nicOwner  func(ctx context.Context, nicID string) (string, error)
	// dnsWatchers are told when a virtual network is realized (its DNS
	// servers may have changed).
	dnsWatchers []func(ctx context.Context, vnetID string)
	// resolvers resolve private link resources of other providers, by type.
	resolvers map[string]PrivateLinkResolver
}

// Options tune the provider.
type Options struct {
	// PublicIPPool is the loopback range public IPs are taken from.
	PublicIPPool netip.Prefix
}

// New makes the provider.
func New(rec *arm.Records, fab Fabric, opts Options, log *slog.Logger) *Provider {
	p := &Provider{rec: rec, fab: fab, log: log, opts: opts}
	p.vnets = &arm.Kind{
		Namespace: Namespace, Type: "virtualNetworks", APIVersions: APIVersions,
		Build: p.buildVNet, Realize: p.realizeVNet, Unrealize: p.unrealizeVNet,
		CheckDelete: p.checkDeleteVNet, View: p.viewVNet, ViewReads: arm.ViewReadsRecords,
	}
	p.nics = p.nicKind()
	p.publicIPs = p.publicIPKind()
	p.plss = p.plsKind()
	p.pes = p.peKind()
	p.lbs = p.lbKind()
	p.zoneGrps = p.zoneGroupKind()
	p.pes.SerializeWith = p.nics // a static address is checked against the NICs' allocations
	p.users = append(p.users, p.nicUsers)
	return p
}

// AddSubnetUsers registers a source of subnet users (for in-use checks).
func (p *Provider) AddSubnetUsers(u SubnetUsers) { p.users = append(p.users, u) }

// Routes registers the provider's endpoints (children before parents).
func (p *Provider) Routes(s *arm.Server, d arm.KindDeps) {
	p.ops = d.Ops
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{vnet}"
	one := []string{http.MethodGet, http.MethodPut, http.MethodDelete}
	s.Handle(arm.Route{Pattern: base + "/subnets/{name}", Methods: one, APIVersions: APIVersions, Handler: p.withDeps(d, p.subnet)})
	s.Handle(arm.Route{Pattern: base + "/subnets", Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: p.withDeps(d, p.listSubnets)})
	s.Handle(arm.Route{Pattern: base + "/virtualNetworkPeerings/{name}", Methods: one, APIVersions: APIVersions, Handler: p.withDeps(d, p.peering)})
	s.Handle(arm.Route{Pattern: base + "/virtualNetworkPeerings", Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: p.withDeps(d, p.listPeerings)})
	p.vnets.Serve(s, d)
	p.nics.Serve(s, d)
	p.publicIPs.Serve(s, d)
	p.plsConnectionRoutes(s, d)
	p.plss.Serve(s, d)
	p.zoneGrps.Serve(s, d)
	p.pes.Serve(s, d)
	p.lbs.Serve(s, d)
}

// PrivateLinkServices and PrivateEndpoints are the private link kinds.
func (p *Provider) PrivateLinkServices() *arm.Kind { return p.plss }

// PrivateEndpoints is the private endpoint kind.
func (p *Provider) PrivateEndpoints() *arm.Kind { return p.pes }

// NICs is the network interface kind.
func (p *Provider) NICs() *arm.Kind { return p.nics }

// PublicIPs is the public IP kind.
func (p *Provider) PublicIPs() *arm.Kind { return p.publicIPs }

// VNets is the virtual network kind (for resuming and group deletion).
func (p *Provider) VNets() *arm.Kind { return p.vnets }

// Realized lists the kinds of this provider that make things real, in the
// order they depend on each other (see arm.Kind.Resume): networks first,
// then what is plugged into them.
func (p *Provider) Realized() []*arm.Kind {
	return []*arm.Kind{p.vnets, p.nics, p.publicIPs, p.plss, p.pes, p.zoneGrps}
}

// withDeps runs the checks every child request needs first: provider
// registration and the resource group.
func (p *Provider) withDeps(d arm.KindDeps, h arm.Handler) arm.Handler { return d.Guard(Namespace, h) }
