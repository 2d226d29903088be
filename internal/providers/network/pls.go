package network

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/google/uuid"
)

// PLS is a private link service as ARM returns it. aksbox has no load
// balancers: a service forwards to properties.destinationIPAddress in its
// virtual network (Azure's Private Link Service Direct Connect).
type PLS struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties PLSProperties     `json:"properties"`
}

// PLSProperties are a private link service's properties.
type PLSProperties struct {
	ProvisioningState                    string            `json:"provisioningState,omitempty"`
	DestinationIPAddress                 string            `json:"destinationIPAddress,omitempty"`
	LoadBalancerFrontendIPConfigurations []SubRef          `json:"loadBalancerFrontendIpConfigurations,omitempty"`
	IPConfigurations                     []*IPConfig       `json:"ipConfigurations"`
	NetworkInterfaces                    []SubRef          `json:"networkInterfaces"`
	PrivateEndpointConnections           []json.RawMessage `json:"privateEndpointConnections"`
	Visibility                           *Subscriptions    `json:"visibility,omitempty"`
	AutoApproval                         *Subscriptions    `json:"autoApproval,omitempty"`
	Fqdns                                []string          `json:"fqdns"`
	Alias                                string            `json:"alias,omitempty"`
	EnableProxyProtocol                  bool              `json:"enableProxyProtocol"`
}

// Subscriptions lists subscription IDs (visibility, auto-approval).
type Subscriptions struct {
	Subscriptions []string `json:"subscriptions"`
}

func (p *Provider) plsKind() *arm.Kind {
	return &arm.Kind{Namespace: Namespace, Type: "privateLinkServices", APIVersions: APIVersions,
		Build: p.buildPLS, Realize: p.realizePLS, Unrealize: p.unrealizePLS, CheckDelete: p.checkDeletePLS, View: p.viewPLS, ViewReads: arm.ViewReadsRecords}
}

func (p *Provider) buildPLS(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in PLS
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	loc, errs := checkTracked("private link service", id.Name(), 80, in.Location)
	if len(in.Properties.LoadBalancerFrontendIPConfigurations) > 0 {
		errs = append(errs, arm.InvalidParameter("properties.loadBalancerFrontendIpConfigurations",
			"aksbox has no load balancers; a private link service forwards to properties.destinationIPAddress, an address in its virtual network (Private Link Service Direct Connect)."))
	}
	if len(in.Properties.IPConfigurations) == 0 || in.Properties.IPConfigurations[0].Properties.Subnet == nil {
		errs = append(errs, arm.InvalidParameter("properties.ipConfigurations", "Private link service '%s' needs an IP configuration with a subnet for its NAT address.", id.Name()))
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	subnetID := in.Properties.IPConfigurations[0].Properties.Subnet.ID
	pfx, v, aerr := p.subnetPrefix(ctx, subnetID)
	if aerr != nil {
		return arm.Record{}, aerr
	}
	dest, err := netip.ParseAddr(in.Properties.DestinationIPAddress)
	if err != nil || !inVNet(v, dest) {
		return arm.Record{}, arm.InvalidParameter("properties.destinationIPAddress",
			"Private link service '%s' needs properties.destinationIPAddress, an IPv4 address inside virtual network '%s' (%s), to forward to; got '%s'.",
			id.Name(), v.Name, strings.Join(v.Properties.AddressSpace.AddressPrefixes, ", "), in.Properties.DestinationIPAddress)
	}
	_ = pfx
	s := &PLS{ID: id.String(), Name: id.Name(), Type: Namespace + "/privateLinkServices", Location: loc, Tags: in.Tags}
	s.Properties = PLSProperties{DestinationIPAddress: dest.String(), Visibility: in.Properties.Visibility, AutoApproval: in.Properties.AutoApproval,
		Fqdns: in.Properties.Fqdns, EnableProxyProtocol: in.Properties.EnableProxyProtocol,
		Alias: id.Name() + "." + uuid.NewString() + "." + loc + ".azure.privatelinkservice"}
	if s.Properties.Fqdns == nil {
		s.Properties.Fqdns = []string{}
	}
	ipc := *in.Properties.IPConfigurations[0]
	if ipc.Name == "" {
		ipc.Name = "natIpConfig"
	}
	ipc.ID = id.Child("ipConfigurations", ipc.Name).String()
	ipc.Properties.PrivateIPAllocationMethod, ipc.Properties.PrivateIPAddressVersion = "Dynamic", "IPv4"
	yes := true
	ipc.Properties.Primary = &yes
	rec := arm.Record{}
	if cur != nil {
		var old PLS
		_ = arm.Decode(cur, &old)
		s.Properties.Alias = old.Properties.Alias
		if len(old.Properties.IPConfigurations) > 0 {
			ipc.Properties.PrivateIPAddress = old.Properties.IPConfigurations[0].Properties.PrivateIPAddress
		}
		rec.Internal = cur.Internal
	}
	s.Properties.IPConfigurations = []*IPConfig{&ipc}
	s.Properties.NetworkInterfaces = []SubRef{}
	s.Properties.PrivateEndpointConnections = []json.RawMessage{}
	rec.Body, err = json.Marshal(s)
	return rec, err
}

func inVNet(v *VNet, a netip.Addr) bool {
	for _, s := range v.Properties.AddressSpace.AddressPrefixes {
		if pfx, err := netip.ParsePrefix(s); err == nil && pfx.Contains(a) {
			return true
		}
	}
	return false
}

func (p *Provider) realizePLS(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var s PLS
	if err := arm.Decode(st, &s); err != nil {
		return err
	}
	fn, err := p.plugOwnedNIC(ctx, id, st, s.Location, s.Properties.IPConfigurations[0].Properties.Subnet.ID, "", false)
	if err != nil {
		return err
	}
	return p.fab.EnsureFrontend(fabric.Frontend{ID: s.ID, NAT: fn, Target: netip.MustParseAddr(s.Properties.DestinationIPAddress)})
}

func (p *Provider) unrealizePLS(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	if err := p.disconnectAll(ctx, id.String()); err != nil {
		return err
	}
	if err := p.fab.RemoveFrontend(id.String()); err != nil {
		return err
	}
	in := ownerOf(st)
	return p.removeOwnedNIC(ctx, in.NIC)
}

// checkDeletePLS refuses to delete a service with connections, unless the
// cloud itself deletes one of its own (a managed cluster's on stop): its
// endpoints are left Disconnected.
func (p *Provider) checkDeletePLS(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	if arm.IsSystem(ctx) {
		return nil
	}
	if pes := p.endpointsOf(ctx, id.String()); len(pes) > 0 {
		return arm.Errorf(http.StatusBadRequest, "CannotDeletePrivateLinkServiceWithPrivateEndpointConnections",
			"Private link service %s has private endpoint connections (%s); delete those private endpoints first.", id.String(), strings.Join(pes, ", "))
	}
	return nil
}

// viewPLS shows the service's NIC, NAT address and endpoint connections.
func (p *Provider) viewPLS(ctx context.Context, st *arm.Stored) json.RawMessage {
	var s PLS
	if arm.Decode(st, &s) != nil {
		return st.Body
	}
	in := ownerOf(st)
	if in.NIC != "" {
		s.Properties.NetworkInterfaces = []SubRef{{ID: in.NIC}}
		if ip := p.ownedNICAddress(ctx, in.NIC); ip != "" {
			s.Properties.IPConfigurations[0].Properties.PrivateIPAddress = ip
		}
	}
	conns, _ := p.Connections(ctx, s.ID, "")
	for _, pc := range conns {
		c, _ := json.Marshal(map[string]any{
			"id":   s.ID + "/privateEndpointConnections/" + pc.Name,
			"name": pc.Name,
			"type": Namespace + "/privateLinkServices/privateEndpointConnections",
			"properties": map[string]any{"privateEndpoint": map[string]string{"id": pc.Endpoint}, "provisioningState": arm.Succeeded,
				"privateLinkServiceConnectionState": connectionState(pc.Status)},
		})
		s.Properties.PrivateEndpointConnections = append(s.Properties.PrivateEndpointConnections, c)
	}
	out, _ := json.Marshal(s)
	return out
}
