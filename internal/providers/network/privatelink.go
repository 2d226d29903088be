package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

// ownedNIC creates (or finds) the NIC a private endpoint or private link
// service owns, as Azure does ("<name>.nic.<guid>" in the owner's group),
// with an address allocated in subnetID like any NIC's.
func (p *Provider) ownedNIC(ctx context.Context, owner arm.ResourceID, loc, subnetID, nicName, staticIP string, markPE bool) (*NIC, error) {
	nicID := arm.ResourceID{Subscription: owner.Subscription, ResourceGroup: owner.ResourceGroup, Namespace: Namespace,
		Types: []string{"networkInterfaces"}, Names: []string{nicName}}
	var out *NIC
	err := p.nics.Exclusive(func() error {
		if st, err := p.rec.Get(ctx, nicID.String()); err == nil {
			out = &NIC{}
			if err := arm.Decode(st, out); err != nil {
				return err
			}
			if pe := out.Properties.PrivateEndpoint; markPE && (pe == nil || !strings.EqualFold(pe.ID, owner.String())) {
				return arm.Errorf(http.StatusConflict, "Conflict",
					"Network interface %s already exists and is not private endpoint %s's; choose another customNetworkInterfaceName.", nicID.String(), owner.String())
			}
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		cfg := &IPConfig{Name: peIPConfigName, Properties: IPConfigProperties{Subnet: &SubRef{ID: subnetID}}}
		if !markPE {
			cfg.Name = "natIpConfig"
		}
		if staticIP != "" {
			cfg.Properties.PrivateIPAllocationMethod, cfg.Properties.PrivateIPAddress = "Static", staticIP
		}
		ipc, err := p.buildIPConfig(ctx, nicID, 0, cfg, nil)
		if err != nil {
			return err
		}
		n := &NIC{ID: nicID.String(), Name: nicName, Type: Namespace + "/networkInterfaces", Location: loc}
		n.Properties = NICProperties{ProvisioningState: arm.Succeeded, ResourceGUID: uuid.NewString(), MacAddress: newMAC(),
			NicType: "Standard", IPConfigurations: []*IPConfig{ipc}, DNSSettings: &NICDNS{DNSServers: []string{}, AppliedDNSServers: []string{}}}
		if markPE {
			n.Properties.PrivateEndpoint = &SubRef{ID: owner.String()}
		}
		body, _ := json.Marshal(n)
		if _, err := p.rec.Put(ctx, nicID.String(), arm.Record{Body: body}, 0); err != nil {
			return err
		}
		out = n
		return nil
	})
	return out, err
}

// peIPConfigName is the name of the IP configuration of an endpoint's NIC.
const peIPConfigName = "privateEndpointIpConfig"

// fabricNIC is the fabric's view of an owned NIC placed in host.
func fabricNIC(n *NIC, host string) (fabric.NIC, error) {
	c := n.Properties.IPConfigurations[0]
	sid, err := arm.ParseID(c.Properties.Subnet.ID)
	if err != nil {
		return fabric.NIC{}, err
	}
	ip, err := netip.ParseAddr(c.Properties.PrivateIPAddress)
	if err != nil {
		return fabric.NIC{}, fmt.Errorf("NIC %s has no address: %w", n.ID, err)
	}
	return fabric.NIC{ID: n.ID, VNet: sid.Parent().String(), Subnet: sid.Name(), IP: ip, Host: host}, nil
}

// removeOwnedNIC deletes an owned NIC's record.
func (p *Provider) removeOwnedNIC(ctx context.Context, nicID string) error {
	if nicID == "" {
		return nil
	}
	err := p.rec.Delete(ctx, nicID, -1)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func nicNameFor(name string) string {
	return name + ".nic." + strings.ReplaceAll(uuid.NewString(), "-", "")
}

// ownedNICAddress is the private address of an owned NIC ("" if unknown).
func (p *Provider) ownedNICAddress(ctx context.Context, nicID string) string {
	st, err := p.rec.Get(ctx, nicID)
	if err != nil {
		return ""
	}
	var n NIC
	if arm.Decode(st, &n) != nil || len(n.Properties.IPConfigurations) == 0 {
		return ""
	}
	return n.Properties.IPConfigurations[0].Properties.PrivateIPAddress
}

// owner is the provider state of a resource that owns a NIC (a private
// endpoint or a private link service). An endpoint also keeps what it
// connected to: the private link service (resolved when it named a
// resource of another provider), that service's generation at the time,
// the owner's verdict on the connection and the FQDNs of its target.
type owner struct {
	NIC        string   `json:"nic"`
	Service    string   `json:"service,omitempty"`
	Generation string   `json:"generation,omitempty"`
	State      string   `json:"state,omitempty"`
	FQDNs      []string `json:"fqdns,omitempty"`
	// StaticIP is the address an endpoint's ipConfigurations asked for
	// (its NIC's, allocated Static); empty: the lowest free one.
	StaticIP string `json:"staticIP,omitempty"`
}

func ownerOf(st *arm.Stored) owner {
	var o owner
	_ = json.Unmarshal(st.Internal, &o)
	return o
}

// plugOwnedNIC makes sure the resource's own NIC exists (named name, or
// <resource>.nic.<guid> when empty), remembers it on the resource, and
// returns it as the fabric places it in the resource's namespace.
func (p *Provider) plugOwnedNIC(ctx context.Context, id arm.ResourceID, st *arm.Stored, loc, subnetID, name string, markPE bool) (fabric.NIC, error) {
	o := ownerOf(st)
	if nid, err := arm.ParseID(o.NIC); o.NIC != "" && err == nil {
		name = nid.Name()
	}
	if name == "" {
		name = nicNameFor(id.Name())
	}
	nic, err := p.ownedNIC(ctx, id, loc, subnetID, name, o.StaticIP, markPE)
	if err != nil {
		return fabric.NIC{}, err
	}
	if o.NIC != nic.ID {
		if err := p.updateOwner(ctx, id, func(o *owner) { o.NIC = nic.ID }); err != nil {
			return fabric.NIC{}, err
		}
	}
	return fabricNIC(nic, arm.IDOf(st.Body)) // the stored spelling of the ID
}
