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
// with addresses allocated in subnetID like any NIC's: one for a service,
// one per member for an endpoint (static where o.StaticIPs asks).
func (p *Provider) ownedNIC(ctx context.Context, owner arm.ResourceID, loc, subnetID, nicName string, o owner, group string, markPE bool) (*NIC, error) {
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
		var ipcs []*IPConfig
		var picked []netip.Addr
		for i := range o.addresses() {
			cfg := &IPConfig{Name: "natIpConfig", Properties: IPConfigProperties{Subnet: &SubRef{ID: subnetID}}}
			if markPE {
				cfg.Name = peConfigName(o, i)
			}
			if i < len(o.StaticIPs) && o.StaticIPs[i] != "" {
				cfg.Properties.PrivateIPAllocationMethod, cfg.Properties.PrivateIPAddress = "Static", o.StaticIPs[i]
			}
			ipc, err := p.buildIPConfig(ctx, nicID, i, cfg, nil, picked...)
			if err != nil {
				return err
			}
			if markPE && i < len(o.Members) && o.Members[i].Name != "" {
				m := o.Members[i]
				ipc.Properties.PrivateLinkConnectionProperties = &PLConnectionProperties{GroupID: group, RequiredMemberName: m.Name, Fqdns: nonNilStrings(m.FQDNs)}
			}
			picked = append(picked, netip.MustParseAddr(ipc.Properties.PrivateIPAddress))
			ipcs = append(ipcs, ipc)
		}
		n := &NIC{ID: nicID.String(), Name: nicName, Type: Namespace + "/networkInterfaces", Location: loc}
		n.Properties = NICProperties{ProvisioningState: arm.Succeeded, ResourceGUID: uuid.NewString(), MacAddress: newMAC(),
			NicType: "Standard", IPConfigurations: ipcs, DNSSettings: &NICDNS{DNSServers: []string{}, AppliedDNSServers: []string{}}}
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

// peIPConfigName is the name of the IP configuration of an endpoint's NIC
// (of its first member's; the others' add ".<member>").
const peIPConfigName = "privateEndpointIpConfig"

// peConfigName is the name of the IP configuration of member i.
func peConfigName(o owner, i int) string {
	if i == 0 || i >= len(o.Members) {
		return peIPConfigName
	}
	return peIPConfigName + "." + strings.ToLower(o.Members[i].Name)
}

// fabricNIC is the fabric's view of an owned NIC placed in host: its
// first address, and the others (an endpoint's further members) as More.
func fabricNIC(n *NIC, host string) (fabric.NIC, error) {
	c := n.Properties.IPConfigurations[0]
	sid, err := arm.ParseID(c.Properties.Subnet.ID)
	if err != nil {
		return fabric.NIC{}, err
	}
	var ips []netip.Addr
	for _, c := range n.Properties.IPConfigurations {
		ip, err := netip.ParseAddr(c.Properties.PrivateIPAddress)
		if err != nil {
			return fabric.NIC{}, fmt.Errorf("NIC %s has no address: %w", n.ID, err)
		}
		ips = append(ips, ip)
	}
	return fabric.NIC{ID: n.ID, VNet: sid.Parent().String(), Subnet: sid.Name(), IP: ips[0], More: ips[1:], Host: host}, nil
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

// ownedNICAddress is the (first) private address of an owned NIC ("" if
// unknown).
func (p *Provider) ownedNICAddress(ctx context.Context, nicID string) string {
	if ips := p.ownedNICAddresses(ctx, nicID); len(ips) > 0 {
		return ips[0]
	}
	return ""
}

// ownedNICAddresses are the private addresses of an owned NIC, one per IP
// configuration (none if unknown).
func (p *Provider) ownedNICAddresses(ctx context.Context, nicID string) []string {
	st, err := p.rec.Get(ctx, nicID)
	if err != nil {
		return nil
	}
	var n NIC
	if arm.Decode(st, &n) != nil {
		return nil
	}
	var out []string
	for _, c := range n.Properties.IPConfigurations {
		out = append(out, c.Properties.PrivateIPAddress)
	}
	return out
}

// memberAddress is the address of member i of an endpoint whose NIC has
// ips: its own, or the first when the NIC has fewer (an endpoint of an
// earlier aksbox, with one address for all).
func memberAddress(ips []string, i int) string {
	if len(ips) == 0 {
		return ""
	}
	return ips[min(i, len(ips)-1)]
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
	Members    []Member `json:"members,omitempty"`
	// FQDNs are the names of an endpoint made by an earlier aksbox, all
	// at its one address (Members replaced them).
	FQDNs []string `json:"fqdns,omitempty"`
	// StaticIPs are the addresses an endpoint's ipConfigurations asked
	// for, by member (its NIC's, allocated Static); empty: the lowest free
	// one. StaticIP is the first member's, as an earlier aksbox kept it.
	StaticIPs []string `json:"staticIPs,omitempty"`
	StaticIP  string   `json:"staticIP,omitempty"`
}

func ownerOf(st *arm.Stored) owner {
	var o owner
	_ = json.Unmarshal(st.Internal, &o)
	if len(o.Members) == 0 && len(o.FQDNs) > 0 {
		o.Members = []Member{{FQDNs: o.FQDNs}}
	}
	if len(o.StaticIPs) == 0 && o.StaticIP != "" {
		o.StaticIPs = []string{o.StaticIP}
	}
	o.FQDNs, o.StaticIP = nil, ""
	return o
}

// addresses is how many addresses the owner's NIC has: one per member,
// at least one.
func (o owner) addresses() int { return max(1, len(o.Members)) }

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
	group := ""
	if markPE {
		var e PE
		if arm.Decode(st, &e) == nil && e.conn() != nil && len(e.conn().Properties.GroupIDs) > 0 {
			group = e.conn().Properties.GroupIDs[0]
		}
	}
	nic, err := p.ownedNIC(ctx, id, loc, subnetID, name, o, group, markPE)
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
