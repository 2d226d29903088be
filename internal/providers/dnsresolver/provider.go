package dnsresolver

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/store"
)

// Fabric is the part of the network fabric the resolver drives.
type Fabric interface {
	EnsureDNSListener(vnetID, subnet string, addr netip.Addr) error
	RemoveDNSListener(vnetID string, addr netip.Addr) error
}

// Network is what the resolver needs of the network provider: subnets, and
// addresses allocated from them as NICs' are.
type Network interface {
	Subnet(ctx context.Context, subnetID string) (network.SubnetInfo, error)
	AllocateAddress(ctx context.Context, subnetID, owner, method, requested string, keep netip.Addr) (netip.Addr, string, error)
	NICs() *arm.Kind
}

// Provider serves DNS resolvers, their endpoints, forwarding rulesets with
// their rules and links, and answers DNS for the fabric (see Resolver).
type Provider struct {
	rec *arm.Records
	fab Fabric
	net Network
	log *slog.Logger

	resolvers, inbound, outbound, rulesets, rules, links *arm.Kind

	mu    sync.Mutex
	index *index
}

// New makes the provider.
func New(rec *arm.Records, fab Fabric, net Network, log *slog.Logger) *Provider {
	p := &Provider{rec: rec, fab: fab, net: net, log: log}
	nothing := func(context.Context, arm.ResourceID, *arm.Stored) error { return nil }
	// Creation and deletion are long-running operations, as in Azure,
	// except for forwarding rules. Endpoints take their subnets (and
	// addresses) under the NICs' lock; the one-per-network checks of
	// resolvers and links run one write at a time.
	p.resolvers = &arm.Kind{Namespace: Namespace, Type: typeResolver, APIVersions: APIVersions, Serialize: true,
		Build: p.buildResolver, Realize: nothing, Unrealize: nothing, CheckDelete: p.checkDeleteResolver, View: p.viewResolver}
	p.inbound = &arm.Kind{Namespace: Namespace, Type: typeInbound, APIVersions: APIVersions, SerializeWith: net.NICs(),
		Build: p.buildInbound, Realize: p.realizeInbound, Restart: p.restartInbound, Unrealize: p.unrealizeInbound}
	p.outbound = &arm.Kind{Namespace: Namespace, Type: typeOutbound, APIVersions: APIVersions, SerializeWith: net.NICs(),
		Build: p.buildOutbound, Realize: nothing, Unrealize: nothing, CheckDelete: p.checkDeleteOutbound}
	p.rulesets = &arm.Kind{Namespace: Namespace, Type: typeRuleset, APIVersions: APIVersions, Serialize: true,
		Build: p.buildRuleset, Realize: nothing, Unrealize: nothing, CheckDelete: p.checkDeleteRuleset}
	p.rules = &arm.Kind{Namespace: Namespace, Type: typeRule, APIVersions: APIVersions, Serialize: true, Build: p.buildRule}
	p.links = &arm.Kind{Namespace: Namespace, Type: typeLink, APIVersions: APIVersions, Serialize: true,
		Build: p.buildLink, Realize: nothing, Unrealize: nothing}
	return p
}

// Routes registers the endpoints, children before parents.
func (p *Provider) Routes(s *arm.Server, d arm.KindDeps) {
	for _, k := range []*arm.Kind{p.inbound, p.outbound, p.resolvers, p.rules, p.links, p.rulesets} {
		k.BareETag = true // the DNS resolver's etags are bare GUIDs, as Private DNS's
		k.Serve(s, d)
	}
}

// InboundEndpoints is the kind whose resources the fabric realizes (for
// resuming and group deletion).
func (p *Provider) InboundEndpoints() *arm.Kind { return p.inbound }

// Realized lists the kinds of this provider that make things real, in the
// order they depend on each other (see arm.Kind.Resume).
func (p *Provider) Realized() []*arm.Kind { return []*arm.Kind{p.inbound} }

// AddressUsers reports the inbound endpoints' addresses in a subnet, so
// that no NIC is given one.
func (p *Provider) AddressUsers(ctx context.Context, subnetID string) (map[netip.Addr]string, error) {
	eps, err := allOf[InboundEndpoint](ctx, p.inbound, p.rec)
	if err != nil {
		return nil, err
	}
	out := map[netip.Addr]string{}
	for _, e := range eps {
		for _, c := range e.Properties.IPConfigurations {
			if a, err := netip.ParseAddr(c.PrivateIPAddress); err == nil && strings.EqualFold(refOf(c.Subnet), subnetID) {
				out[a] = e.ID
			}
		}
	}
	return out, nil
}

// ServiceLinks reports the endpoints in a subnet: it is in use, and stays
// delegated to Microsoft.Network/dnsResolvers, while they exist.
func (p *Provider) ServiceLinks(ctx context.Context, subnetID string) ([]network.ServiceLink, error) {
	users, err := p.endpointsIn(ctx, subnetID)
	if err != nil {
		return nil, err
	}
	var out []network.ServiceLink
	for _, id := range users {
		out = append(out, network.ServiceLink{ID: id, Service: network.DNSResolvers, Link: "dnsResolverLink"})
	}
	return out, nil
}

// endpointsIn lists the IDs of the inbound and outbound endpoints in a subnet.
func (p *Provider) endpointsIn(ctx context.Context, subnetID string) ([]string, error) {
	in, err := allOf[InboundEndpoint](ctx, p.inbound, p.rec)
	if err != nil {
		return nil, err
	}
	out, err := allOf[OutboundEndpoint](ctx, p.outbound, p.rec)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range in {
		for _, c := range e.Properties.IPConfigurations {
			if strings.EqualFold(refOf(c.Subnet), subnetID) {
				ids = append(ids, e.ID)
				break
			}
		}
	}
	for _, e := range out {
		if strings.EqualFold(refOf(e.Properties.Subnet), subnetID) {
			ids = append(ids, e.ID)
		}
	}
	return ids, nil
}

// allOf decodes every resource of a kind.
func allOf[T any](ctx context.Context, k *arm.Kind, rec *arm.Records) ([]*T, error) {
	all, err := k.All(ctx, rec)
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(all))
	for _, st := range all {
		if v, err := decode[T](st.Body); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// children decodes the children of a resource whose type ends with typ.
func children[T any](ctx context.Context, rec *arm.Records, parent arm.ResourceID, typ string) ([]*T, error) {
	all, err := rec.List(ctx, parent.String())
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, st := range all {
		id, err := arm.ParseID(arm.IDOf(st.Body))
		if err != nil || len(id.Types) != len(parent.Types)+1 || !strings.EqualFold(id.Types[len(id.Types)-1], typ) {
			continue
		}
		if v, err := decode[T](st.Body); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// read decodes the resource of an ID; nil when there is none.
func read[T any](ctx context.Context, rec *arm.Records, id string) (*T, error) {
	st, err := rec.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decode[T](st.Body)
}

// kept returns the old body of cur decoded, or nil.
func kept[T any](cur *arm.Stored) *T {
	if cur == nil {
		return nil
	}
	v, _ := decode[T](cur.Body)
	return v
}
