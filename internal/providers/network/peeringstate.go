package network

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// peeringState is Connected while the remote virtual network peers back,
// Disconnected once a connected remote side went away, Initiated before.
func (p *Provider) peeringState(ctx context.Context, v *VNet, pe *Peering, internal vnetInternal) (string, *VNet) {
	if pe.Properties.RemoteVirtualNetwork == nil {
		return Initiated, nil
	}
	_, remote, err := p.readVNet(ctx, pe.Properties.RemoteVirtualNetwork.ID)
	if err == nil && peersTo(remote, v.ID) != nil {
		return Connected, remote
	}
	if internal.ConnectedPeers[strings.ToLower(pe.Name)] {
		return Disconnected, remote
	}
	return Initiated, remote
}

// viewVNet fills in each peering's state and the remote address space.
func (p *Provider) viewVNet(ctx context.Context, st *arm.Stored) json.RawMessage {
	v, err := decodeVNet(st.Body)
	if err != nil {
		return st.Body
	}
	var in vnetInternal
	_ = json.Unmarshal(st.Internal, &in)
	for _, pe := range v.Properties.VirtualNetworkPeerings {
		state, remote := p.peeringState(ctx, v, pe, in)
		pe.Properties.PeeringState = state
		pe.Properties.PeeringSyncLevel = "FullyInSync"
		if state != Connected {
			pe.Properties.PeeringSyncLevel = "LocalNotInSync"
		}
		if remote != nil {
			pe.Properties.RemoteAddressSpace = &AddressSpace{AddressPrefixes: remote.Properties.AddressSpace.AddressPrefixes}
			pe.Properties.RemoteVirtualNetworkAddressSpace = pe.Properties.RemoteAddressSpace
		}
		pe.Etag = st.ETag()
	}
	for _, s := range v.Properties.Subnets {
		s.Etag = st.ETag()
	}
	out, err := json.Marshal(v)
	if err != nil {
		return st.Body
	}
	return out
}

// syncPeeringsOf brings the fabric in line with every peering that
// involves v: traffic passes between two virtual networks only while each
// peers with the other, with virtual network access allowed both ways.
func (p *Provider) syncPeeringsOf(ctx context.Context, v *VNet) error {
	remotes := map[string]bool{}
	for _, pe := range v.Properties.VirtualNetworkPeerings {
		if pe.Properties.RemoteVirtualNetwork != nil {
			remotes[strings.ToLower(pe.Properties.RemoteVirtualNetwork.ID)] = true
		}
	}
	// Virtual networks that peer with v, including ones v dropped.
	all, err := p.vnets.All(ctx, p.rec)
	if err != nil {
		return err
	}
	for _, st := range all {
		o, err := decodeVNet(st.Body)
		if err == nil && peersTo(o, v.ID) != nil {
			remotes[strings.ToLower(o.ID)] = true
		}
	}
	var in vnetInternal
	for remote := range remotes {
		if err := p.syncPair(ctx, v.ID, remote, &in); err != nil {
			return err
		}
	}
	return nil
}

func allowed(pe *Peering) bool {
	return pe != nil && (pe.Properties.AllowVirtualNetworkAccess == nil || *pe.Properties.AllowVirtualNetworkAccess)
}

// syncPair ensures or removes the fabric link between a and b, and
// remembers on both sides that they were connected.
func (p *Provider) syncPair(ctx context.Context, a, b string, _ *vnetInternal) error {
	_, va, errA := p.readVNet(ctx, a)
	_, vb, errB := p.readVNet(ctx, b)
	for _, err := range []error{errA, errB} {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if va == nil || vb == nil {
		return p.fab.RemovePeering(a, b)
	}
	ab, ba := peersTo(va, vb.ID), peersTo(vb, va.ID)
	_, _, overlapping := overlap(va, vb)
	if !allowed(ab) || !allowed(ba) || overlapping || arm.State(mustJSON(va)) == arm.Deleting || arm.State(mustJSON(vb)) == arm.Deleting {
		return p.fab.RemovePeering(va.ID, vb.ID)
	}
	if err := p.fab.EnsurePeering(va.ID, vb.ID); err != nil {
		return err
	}
	if err := p.markConnected(ctx, va.ID, ab.Name); err != nil {
		return err
	}
	return p.markConnected(ctx, vb.ID, ba.Name)
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// markConnected records that a peering has been Connected.
func (p *Provider) markConnected(ctx context.Context, vnet, peering string) error {
	defer arm.LockResource(vnet)()
	st, err := p.rec.Get(ctx, vnet)
	if err != nil {
		return err
	}
	var in vnetInternal
	_ = json.Unmarshal(st.Internal, &in)
	k := strings.ToLower(peering)
	if in.ConnectedPeers[k] {
		return nil
	}
	if in.ConnectedPeers == nil {
		in.ConnectedPeers = map[string]bool{}
	}
	in.ConnectedPeers[k] = true
	st.Internal, _ = json.Marshal(in)
	_, err = p.rec.Put(ctx, vnet, st.Record, st.Revision)
	return err
}
