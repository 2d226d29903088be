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
)

func findPeering(v *VNet, name string) int {
	for i, pe := range v.Properties.VirtualNetworkPeerings {
		if strings.EqualFold(pe.Name, name) {
			return i
		}
	}
	return -1
}

// peersTo finds v's peering to the virtual network remote, if any.
func peersTo(v *VNet, remote string) *Peering {
	for _, pe := range v.Properties.VirtualNetworkPeerings {
		if pe.Properties.RemoteVirtualNetwork != nil && strings.EqualFold(pe.Properties.RemoteVirtualNetwork.ID, remote) {
			return pe
		}
	}
	return nil
}

func (p *Provider) readVNet(ctx context.Context, id string) (*arm.Stored, *VNet, error) {
	st, err := p.rec.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	v, err := decodeVNet(st.Body)
	return st, v, err
}

func (p *Provider) listPeerings(w http.ResponseWriter, r *arm.Request) error {
	_, st, _, err := p.vnetOf(r)
	if err != nil {
		return err
	}
	v, err := decodeVNet(p.viewVNet(r.Context(), st))
	if err != nil {
		return err
	}
	var items []json.RawMessage
	for _, pe := range v.Properties.VirtualNetworkPeerings {
		items = append(items, childView(st, peeringsField, pe.Name, pe))
	}
	return arm.WritePage(w, r, items)
}

func (p *Provider) peering(w http.ResponseWriter, r *arm.Request) error {
	vid := arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
		Namespace: Namespace, Types: []string{"virtualNetworks"}, Names: []string{r.Var("vnet")}}
	if r.Method != http.MethodGet {
		defer arm.LockResource(vid.String())()
	}
	vid, st, v, err := p.vnetOf(r)
	if err != nil {
		return err
	}
	name := r.Var("name")
	i := findPeering(v, name)
	switch r.Method {
	case http.MethodGet:
		if i < 0 {
			return arm.NotFound(vid.Child("virtualNetworkPeerings", name))
		}
		viewed, _ := decodeVNet(p.viewVNet(r.Context(), st))
		pe := viewed.Properties.VirtualNetworkPeerings[i]
		arm.WriteJSON(w, http.StatusOK, childView(st, peeringsField, pe.Name, pe))
		return nil
	case http.MethodDelete:
		if i < 0 {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		var in vnetInternal
		_ = json.Unmarshal(st.Internal, &in)
		delete(in.ConnectedPeers, strings.ToLower(v.Properties.VirtualNetworkPeerings[i].Name))
		st.Internal, _ = json.Marshal(in)
		keepChild(st, peeringsField, v.Properties.VirtualNetworkPeerings[i].Name, nil, nil)
		v.Properties.VirtualNetworkPeerings = append(v.Properties.VirtualNetworkPeerings[:i], v.Properties.VirtualNetworkPeerings[i+1:]...)
		return p.writeChild(w, r, vid, st, v, http.StatusAccepted, nil)
	}
	data, err := r.ReadBody()
	if err != nil {
		return err
	}
	var in Peering
	if err := arm.DecodeJSON(data, &in); err != nil {
		return err
	}
	pe, err := p.checkPeering(r.Context(), vid, v, name, &in)
	if err != nil {
		return err
	}
	var prev any
	if i >= 0 {
		viewed, _ := decodeVNet(p.viewVNet(r.Context(), st))
		prev = viewed.Properties.VirtualNetworkPeerings[i]
	}
	keepChild(st, peeringsField, pe.Name, data, prev)
	status := http.StatusCreated
	if i >= 0 {
		pe.Name = v.Properties.VirtualNetworkPeerings[i].Name
		pe.ID = vid.Child("virtualNetworkPeerings", pe.Name).String()
		v.Properties.VirtualNetworkPeerings[i] = pe
		status = http.StatusOK
	} else {
		v.Properties.VirtualNetworkPeerings = append(v.Properties.VirtualNetworkPeerings, pe)
	}
	return p.writeChild(w, r, vid, st, v, status, pe)
}

// checkPeering validates a peering and returns it as stored.
func (p *Provider) checkPeering(ctx context.Context, vid arm.ResourceID, v *VNet, name string, in *Peering) (*Peering, error) {
	if e := validName("virtual network peering", name, 80); e != nil {
		return nil, e
	}
	if in.Properties.RemoteVirtualNetwork == nil || in.Properties.RemoteVirtualNetwork.ID == "" {
		return nil, arm.InvalidParameter("properties.remoteVirtualNetwork.id",
			"Peering '%s' needs properties.remoteVirtualNetwork.id, the ID of the virtual network to peer with.", name)
	}
	rid, err := arm.ParseID(in.Properties.RemoteVirtualNetwork.ID)
	if err != nil || !strings.EqualFold(rid.Type(), Namespace+"/virtualNetworks") {
		return nil, arm.InvalidParameter("properties.remoteVirtualNetwork.id",
			"'%s' is not a virtual network ID; it should look like /subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Network/virtualNetworks/{name}.", in.Properties.RemoteVirtualNetwork.ID)
	}
	if strings.EqualFold(rid.String(), vid.String()) {
		return nil, arm.BadRequest("CannotPeerVirtualNetworkWithItself", "Virtual network '%s' cannot be peered with itself.", v.Name)
	}
	_, remote, err := p.readVNet(ctx, rid.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, arm.BadRequest("InvalidResourceReference",
			"Resource %s referenced by resource %s was not found. Create the remote virtual network first, or check the ID.",
			rid.String(), vid.Child("virtualNetworkPeerings", name).String())
	}
	if err != nil {
		return nil, err
	}
	if other := peersTo(v, remote.ID); other != nil && !strings.EqualFold(other.Name, name) {
		return nil, arm.BadRequest("VnetAlreadyPeered",
			"Virtual network '%s' is already peered with '%s' by peering '%s'; a pair of virtual networks has one peering in each direction.", v.Name, remote.Name, other.Name)
	}
	if a, b, ok := overlap(v, remote); ok {
		return nil, arm.BadRequest("VnetAddressSpacesOverlap",
			"Cannot create or update peering %s because the address space %s of virtual network %s overlaps with the address space %s of remote virtual network %s.",
			vid.Child("virtualNetworkPeerings", name).String(), a, v.Name, b, remote.Name)
	}
	yes := true
	pe := &Peering{Name: name, ID: vid.Child("virtualNetworkPeerings", name).String(), Type: Namespace + "/virtualNetworks/virtualNetworkPeerings"}
	pe.Properties = in.Properties
	pe.Properties.RemoteVirtualNetwork = &SubRef{ID: remote.ID}
	if pe.Properties.AllowVirtualNetworkAccess == nil {
		pe.Properties.AllowVirtualNetworkAccess = &yes
	}
	for _, f := range []**bool{&pe.Properties.AllowForwardedTraffic, &pe.Properties.AllowGatewayTransit, &pe.Properties.UseRemoteGateways} {
		if *f == nil {
			no := false
			*f = &no
		}
	}
	pe.Properties.ProvisioningState = arm.Succeeded
	pe.Properties.PeeringState, pe.Properties.PeeringSyncLevel, pe.Properties.RemoteAddressSpace = "", "", nil
	return pe, nil
}

// overlap finds overlapping address prefixes of two virtual networks.
func overlap(a, b *VNet) (string, string, bool) {
	for _, x := range a.Properties.AddressSpace.AddressPrefixes {
		px, err := netip.ParsePrefix(x)
		if err != nil {
			continue
		}
		for _, y := range b.Properties.AddressSpace.AddressPrefixes {
			if py, err := netip.ParsePrefix(y); err == nil && px.Overlaps(py) {
				return x, y, true
			}
		}
	}
	return "", "", false
}
