package network

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// vnetOf reads the virtual network a child request is under, or answers
// ResourceNotFound naming it.
func (p *Provider) vnetOf(r *arm.Request) (arm.ResourceID, *arm.Stored, *VNet, error) {
	id := arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
		Namespace: Namespace, Types: []string{"virtualNetworks"}, Names: []string{r.Var("vnet")}}
	st, err := p.rec.Get(r.Context(), id.String())
	if errors.Is(err, store.ErrNotFound) {
		return id, nil, nil, arm.NotFound(id)
	}
	if err != nil {
		return id, nil, nil, err
	}
	v, err := decodeVNet(st.Body)
	if err != nil {
		return id, nil, nil, err
	}
	id.Names[0] = v.Name // the stored spelling
	return id, st, v, nil
}

func findSubnet(v *VNet, name string) int {
	for i, s := range v.Properties.Subnets {
		if strings.EqualFold(s.Name, name) {
			return i
		}
	}
	return -1
}

// subnetBody is what a client sees of a subnet: the inline one with the
// virtual network's ETag and the users the providers report.
func (p *Provider) subnetBody(r *arm.Request, vid arm.ResourceID, st *arm.Stored, s *Subnet) *Subnet {
	out := *s
	out.Etag = st.ETag()
	for _, u := range p.users {
		ids, _ := u(r.Context(), vid.Child("subnets", s.Name).String())
		for _, id := range ids {
			if strings.Contains(strings.ToLower(id), "/privateendpoints/") {
				out.Properties.PrivateEndpoints = append(out.Properties.PrivateEndpoints, SubRef{ID: id})
			} else {
				out.Properties.IPConfigurations = append(out.Properties.IPConfigurations, SubRef{ID: id})
			}
		}
	}
	return &out
}

func (p *Provider) listSubnets(w http.ResponseWriter, r *arm.Request) error {
	vid, st, v, err := p.vnetOf(r)
	if err != nil {
		return err
	}
	var items []json.RawMessage
	for _, s := range v.Properties.Subnets {
		items = append(items, childView(st, subnetsField, s.Name, p.subnetBody(r, vid, st, s)))
	}
	return arm.WritePage(w, r, items)
}

func (p *Provider) subnet(w http.ResponseWriter, r *arm.Request) error {
	if r.Method != http.MethodGet {
		unlock := arm.LockResource(arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
			Namespace: Namespace, Types: []string{"virtualNetworks"}, Names: []string{r.Var("vnet")}}.String())
		defer unlock()
	}
	vid, st, v, err := p.vnetOf(r)
	if err != nil {
		return err
	}
	name := r.Var("name")
	i := findSubnet(v, name)
	switch r.Method {
	case http.MethodGet:
		if i < 0 {
			return arm.NotFound(vid.Child("subnets", name))
		}
		s := v.Properties.Subnets[i]
		arm.WriteJSON(w, http.StatusOK, childView(st, subnetsField, s.Name, p.subnetBody(r, vid, st, s)))
		return nil
	case http.MethodDelete:
		if i < 0 {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		if err := p.subnetFree(r.Context(), vid.Child("subnets", v.Properties.Subnets[i].Name)); err != nil {
			return err
		}
		keepChild(st, subnetsField, v.Properties.Subnets[i].Name, nil, nil)
		v.Properties.Subnets = append(v.Properties.Subnets[:i], v.Properties.Subnets[i+1:]...)
		return p.writeChild(w, r, vid, st, v, http.StatusAccepted, nil)
	}
	if State(st) == arm.Deleting {
		return arm.Errorf(http.StatusConflict, "AnotherOperationInProgress", "Virtual network '%s' is being deleted.", v.Name)
	}
	data, err := r.ReadBody()
	if err != nil {
		return err
	}
	var in Subnet
	if err := arm.DecodeJSON(data, &in); err != nil {
		return err
	}
	in.Name = name
	status := http.StatusCreated
	var prev any // the subnet as a client could read it, when it exists
	if i >= 0 {
		in.Name = v.Properties.Subnets[i].Name
		prev = p.subnetBody(r, vid, st, v.Properties.Subnets[i])
		v.Properties.Subnets[i] = &in
		status = http.StatusOK
	} else {
		v.Properties.Subnets = append(v.Properties.Subnets, &in)
	}
	spaces, errs := parseSpaces(v.Name, v.Properties.AddressSpace.AddressPrefixes)
	if len(errs) == 0 {
		_, errs = checkSubnets(v.Name, spaces, v.Properties.Subnets)
	}
	errs = append(errs, checkDelegations(vid.Child("subnets", in.Name), in.Properties.Delegations)...)
	if err := arm.Join(errs); err != nil {
		return err
	}
	if err := p.checkKeptDelegations(r.Context(), vid, []*Subnet{&in}); err != nil {
		return err
	}
	for k, s := range v.Properties.Subnets {
		v.Properties.Subnets[k] = normalizeSubnet(vid, s)
	}
	keepChild(st, subnetsField, in.Name, data, prev)
	return p.writeChild(w, r, vid, st, v, status, v.Properties.Subnets[findSubnet(v, name)])
}

// State is the provisioning state of a stored resource.
func State(st *arm.Stored) string { return arm.State(st.Body) }

// writeChild stores a virtual network changed through one of its children
// and answers for the child (nil child: a delete, answered 202).
func (p *Provider) writeChild(w http.ResponseWriter, r *arm.Request, vid arm.ResourceID, st *arm.Stored, v *VNet, status int, child any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	op, nst, err := p.vnets.Write(r.Context(), vid, arm.Record{Body: body, Internal: st.Internal, Sent: st.Sent}, st.Revision)
	if err != nil {
		return err
	}
	if child == nil {
		p.accept(w, r, op, http.StatusAccepted, nil)
		return nil
	}
	// Answer with the child as it now reads (state, ETag of the new revision).
	var childOut any = child
	if s, ok := child.(*Subnet); ok {
		c := *s
		c.Etag = nst.ETag()
		c.Properties.ProvisioningState = arm.Updating
		childOut = childView(nst, subnetsField, c.Name, &c)
	}
	if pe, ok := child.(*Peering); ok {
		c := *pe
		c.Etag = nst.ETag()
		c.Properties.ProvisioningState = arm.Updating
		childOut = childView(nst, peeringsField, c.Name, &c)
	}
	p.accept(w, r, op, status, childOut)
	return nil
}

func (p *Provider) accept(w http.ResponseWriter, r *arm.Request, op *arm.Operation, status int, body any) {
	if op == nil {
		arm.WriteJSON(w, status, body)
		return
	}
	p.ops.Accept(w, r, op, status, body)
}
