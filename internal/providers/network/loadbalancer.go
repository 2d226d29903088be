package network

import (
	"context"
	"encoding/json"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/google/uuid"
)

// Load balancers are served only as AKS makes them: the internal load
// balancer "kube-apiserver" of API Server VNet Integration, whose frontend
// is the API server's address in the delegated subnet (the address itself
// is forwarded by a private endpoint of the service's, in that subnet).
// Clients read them; they cannot make, change or delete them.

// LB is a load balancer as ARM returns it.
type LB struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Sku        *PublicIPSku      `json:"sku"`
	Properties LBProperties      `json:"properties"`
}

// LBProperties are a load balancer's properties.
type LBProperties struct {
	ProvisioningState        string        `json:"provisioningState,omitempty"`
	ResourceGUID             string        `json:"resourceGuid,omitempty"`
	FrontendIPConfigurations []*LBFrontend `json:"frontendIPConfigurations"`
	BackendAddressPools      []any         `json:"backendAddressPools"`
	LoadBalancingRules       []any         `json:"loadBalancingRules"`
	Probes                   []any         `json:"probes"`
	InboundNatRules          []any         `json:"inboundNatRules"`
	InboundNatPools          []any         `json:"inboundNatPools"`
	OutboundRules            []any         `json:"outboundRules"`
}

// LBFrontend is a frontend IP configuration.
type LBFrontend struct {
	ID         string             `json:"id,omitempty"`
	Name       string             `json:"name"`
	Type       string             `json:"type,omitempty"`
	Etag       string             `json:"etag,omitempty"`
	Properties IPConfigProperties `json:"properties"`
}

func (p *Provider) lbKind() *arm.Kind {
	return &arm.Kind{Namespace: Namespace, Type: "loadBalancers", APIVersions: APIVersions,
		Build: p.buildLB, CheckDelete: refuseClients}
}

func refuseClients(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	if arm.IsSystem(ctx) {
		return nil
	}
	return arm.BadRequest("OperationNotAllowed",
		"Load balancer '%s' belongs to the managed cluster that made it (API Server VNet Integration); aksbox serves load balancers only as AKS makes them, and clients cannot change or delete them.", id.Name())
}

func (p *Provider) buildLB(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	if !arm.IsSystem(ctx) {
		return arm.Record{}, arm.BadRequest("OperationNotAllowed",
			"aksbox serves Microsoft.Network/loadBalancers only as AKS makes them (the kube-apiserver internal load balancer of API Server VNet Integration); load balancer '%s' cannot be created or changed by a client.", id.Name())
	}
	var in LB
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	lb := &LB{ID: id.String(), Name: id.Name(), Type: Namespace + "/loadBalancers", Location: in.Location, Tags: in.Tags,
		Sku: &PublicIPSku{Name: "Standard", Tier: "Regional"}}
	lb.Properties = LBProperties{ResourceGUID: uuid.NewString(), BackendAddressPools: []any{}, LoadBalancingRules: []any{},
		Probes: []any{}, InboundNatRules: []any{}, InboundNatPools: []any{}, OutboundRules: []any{}}
	if cur != nil {
		var old LB
		_ = arm.Decode(cur, &old)
		lb.Properties.ResourceGUID = old.Properties.ResourceGUID
	}
	for _, f := range in.Properties.FrontendIPConfigurations {
		f.ID = id.Child("frontendIPConfigurations", f.Name).String()
		f.Type = Namespace + "/loadBalancers/frontendIPConfigurations"
		f.Properties.ProvisioningState = arm.Succeeded
		if f.Properties.PrivateIPAddressVersion == "" {
			f.Properties.PrivateIPAddressVersion = "IPv4"
		}
		lb.Properties.FrontendIPConfigurations = append(lb.Properties.FrontendIPConfigurations, f)
	}
	out, err := json.Marshal(lb)
	return arm.Record{Body: out}, err
}
