package network

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

// PublicIP is a public IP address as ARM returns it. Its address comes
// from a pool of loopback addresses on the host: the only "public" network
// aksbox has.
type PublicIP struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Sku        *PublicIPSku      `json:"sku,omitempty"`
	Properties PublicIPProps     `json:"properties"`
}

// PublicIPSku is Basic or Standard.
type PublicIPSku struct {
	Name string `json:"name"`
	Tier string `json:"tier,omitempty"`
}

// PublicIPProps are a public IP's properties.
type PublicIPProps struct {
	ProvisioningState        string  `json:"provisioningState,omitempty"`
	ResourceGUID             string  `json:"resourceGuid,omitempty"`
	IPAddress                string  `json:"ipAddress,omitempty"`
	PublicIPAddressVersion   string  `json:"publicIPAddressVersion,omitempty"`
	PublicIPAllocationMethod string  `json:"publicIPAllocationMethod,omitempty"`
	IdleTimeoutInMinutes     int     `json:"idleTimeoutInMinutes,omitempty"`
	IPTags                   []any   `json:"ipTags"`
	IPConfiguration          *SubRef `json:"ipConfiguration,omitempty"`
}

func (p *Provider) publicIPKind() *arm.Kind {
	return &arm.Kind{Namespace: Namespace, Type: "publicIPAddresses", APIVersions: APIVersions,
		Build: p.buildPublicIP, CheckDelete: p.checkDeletePublicIP, View: p.viewPublicIP, ViewReads: arm.ViewReadsRecords, Serialize: true}
}

func (p *Provider) buildPublicIP(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in PublicIP
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	loc, errs := checkTracked("public IP address", id.Name(), 80, in.Location)
	sku := &PublicIPSku{Name: "Standard", Tier: "Regional"}
	if in.Sku != nil && in.Sku.Name != "" {
		switch strings.ToLower(in.Sku.Name) {
		case "standard":
		case "basic":
			sku.Name = "Basic"
		default:
			errs = append(errs, arm.InvalidParameter("sku.name", "The public IP SKU '%s' is not valid; use Basic or Standard.", in.Sku.Name))
		}
	}
	if in.Sku != nil && in.Sku.Tier != "" {
		switch strings.ToLower(in.Sku.Tier) {
		case "regional":
		case "global": // stored, not enforced: every public IP is the host's
			sku.Tier = "Global"
		default:
			errs = append(errs, arm.InvalidParameter("sku.tier", "The public IP SKU tier '%s' is not valid; use Regional or Global.", in.Sku.Tier))
		}
	}
	method, e := checkEnum("properties.publicIPAllocationMethod", in.Properties.PublicIPAllocationMethod, "Static", "Dynamic")
	if e != nil {
		errs = append(errs, e)
	}
	if _, e := checkEnum("properties.publicIPAddressVersion", in.Properties.PublicIPAddressVersion, "IPv4"); e != nil {
		errs = append(errs, e)
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	if method == "" {
		method = "Static"
	}
	ip := &PublicIP{ID: id.String(), Name: id.Name(), Type: Namespace + "/publicIPAddresses", Location: loc, Tags: in.Tags, Sku: sku}
	ip.Properties = PublicIPProps{ResourceGUID: uuid.NewString(), PublicIPAddressVersion: "IPv4",
		PublicIPAllocationMethod: method, IdleTimeoutInMinutes: 4, IPTags: []any{}}
	if in.Properties.IdleTimeoutInMinutes > 0 {
		ip.Properties.IdleTimeoutInMinutes = in.Properties.IdleTimeoutInMinutes
	}
	if cur != nil {
		var old PublicIP
		_ = arm.Decode(cur, &old)
		ip.Properties.ResourceGUID, ip.Properties.IPAddress = old.Properties.ResourceGUID, old.Properties.IPAddress
	}
	if ip.Properties.IPAddress == "" {
		a, err := p.allocatePublic(ctx)
		if err != nil {
			return arm.Record{}, err
		}
		ip.Properties.IPAddress = a.String()
	}
	out, err := json.Marshal(ip)
	return arm.Record{Body: out}, err
}

// allocatePublic picks the lowest free address of the public pool.
func (p *Provider) allocatePublic(ctx context.Context) (netip.Addr, error) {
	all, err := p.publicIPs.All(ctx, p.rec)
	if err != nil {
		return netip.Addr{}, err
	}
	used := map[netip.Addr]string{}
	for _, st := range all {
		var ip PublicIP
		if arm.Decode(st, &ip) == nil {
			if a, err := netip.ParseAddr(ip.Properties.IPAddress); err == nil {
				used[a] = ip.ID
			}
		}
	}
	pool := p.opts.PublicIPPool
	for a := pool.Masked().Addr().Next(); pool.Contains(a); a = a.Next() {
		if _, busy := used[a]; !busy && a != lastAddr(pool) {
			return a, nil
		}
	}
	return netip.Addr{}, arm.Errorf(http.StatusConflict, "PublicIPCountLimitReached",
		"All %d addresses of the public IP pool %s are in use; delete unused public IPs.", len(used), pool)
}

// publicIPUser finds the NIC IP configuration a public IP is attached to.
func (p *Provider) publicIPUser(ctx context.Context, pipID string) (string, error) {
	nics, err := p.nics.All(ctx, p.rec)
	if err != nil {
		return "", err
	}
	for _, st := range nics {
		var n NIC
		if arm.Decode(st, &n) != nil {
			continue
		}
		for _, c := range n.Properties.IPConfigurations {
			if c.Properties.PublicIPAddress != nil && strings.EqualFold(c.Properties.PublicIPAddress.ID, pipID) {
				return c.ID, nil
			}
		}
	}
	return "", nil
}

// checkPublicIP lets an IP configuration use a public IP that exists and is
// not attached elsewhere.
func (p *Provider) checkPublicIP(ctx context.Context, pipID, ipconfig string) error {
	_, err := p.rec.Get(ctx, pipID)
	if errors.Is(err, store.ErrNotFound) {
		return arm.BadRequest("InvalidResourceReference", "Resource %s referenced by resource %s was not found. Create the public IP first.", pipID, ipconfig)
	}
	if err != nil {
		return err
	}
	user, err := p.publicIPUser(ctx, pipID)
	if err != nil {
		return err
	}
	if user != "" && !strings.EqualFold(user, ipconfig) {
		return arm.BadRequest("PublicIPAddressInUse",
			"Resource %s is referencing public IP address %s that is already allocated to resource %s.", ipconfig, pipID, user)
	}
	return nil
}

func (p *Provider) viewPublicIP(ctx context.Context, st *arm.Stored) json.RawMessage {
	var ip PublicIP
	if arm.Decode(st, &ip) != nil {
		return st.Body
	}
	if user, _ := p.publicIPUser(ctx, ip.ID); user != "" {
		ip.Properties.IPConfiguration = &SubRef{ID: user}
	}
	out, _ := json.Marshal(ip)
	return out
}

func (p *Provider) checkDeletePublicIP(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	user, err := p.publicIPUser(ctx, id.String())
	if err != nil {
		return err
	}
	if user != "" {
		return arm.BadRequest("PublicIPAddressCannotBeDeleted",
			"Public IP address %s can not be deleted since it is still allocated to resource %s. In order to delete the public IP, disassociate/detach the Public IP address from the resource.", id.String(), user)
	}
	return nil
}
