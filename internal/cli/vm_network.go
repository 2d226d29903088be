package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// How 'vm create' finds or makes the VM's network, in az's order.

// network returns the VM's NICs: the --nics given, or a new NIC in the
// subnet az would choose, with the public IP az would give it.
func (o *vmCreate) network(ctx context.Context, c *clients, loc string, tags map[string]string) ([]*armcompute.NetworkInterfaceReference, error) {
	if len(o.nics) > 0 {
		var refs []*armcompute.NetworkInterfaceReference
		for i, n := range o.nics {
			refs = append(refs, &armcompute.NetworkInterfaceReference{ID: to.Ptr(c.orID(n, o.rg, "Microsoft.Network", "networkInterfaces")),
				Properties: &armcompute.NetworkInterfaceReferenceProperties{Primary: to.Ptr(i == 0)}})
		}
		return refs, nil
	}
	subnetID, err := o.subnetFor(ctx, c, loc, tags)
	if err != nil {
		return nil, err
	}
	pip, err := o.publicIPFor(ctx, c, loc, tags)
	if err != nil {
		return nil, err
	}
	p, err := c.net.NewInterfacesClient().BeginCreateOrUpdate(ctx, o.rg, o.name+"VMNic", nicModel(loc, tags, subnetID, o.privateIP, pip), nil)
	if err != nil {
		return nil, err
	}
	nic, err := p.PollUntilDone(ctx, nil)
	if err != nil {
		return nil, err
	}
	return []*armcompute.NetworkInterfaceReference{{ID: nic.ID, Properties: &armcompute.NetworkInterfaceReferenceProperties{Primary: to.Ptr(true)}}}, nil
}

// subnetFor finds or makes the VM's subnet as az does: with neither
// --vnet-name nor --subnet, the first subnet of a VNet of the group in the
// VM's location; an existing subnet given; else a new one, in the named
// VNet if it exists, or in a new VNet <vm>VNET.
func (o *vmCreate) subnetFor(ctx context.Context, c *clients, loc string, tags map[string]string) (string, error) {
	vc, sc := c.net.NewVirtualNetworksClient(), c.net.NewSubnetsClient()
	if o.vnet == "" && o.subnet == "" {
		vnets, err := collect(ctx, vc.NewListPager(o.rg, nil),
			func(p armnetwork.VirtualNetworksClientListResponse) []*armnetwork.VirtualNetwork { return p.Value })
		if err != nil {
			return "", err
		}
		for _, v := range vnets {
			if !sameLocation(deref(v.Location), loc) || v.Properties == nil {
				continue
			}
			for _, s := range v.Properties.Subnets {
				if !strings.EqualFold(deref(s.Name), "GatewaySubnet") {
					return deref(s.ID), nil
				}
			}
		}
	}
	if o.subnet != "" {
		id, _ := c.subnetRef(o.rg, o.vnet, o.subnet)
		r, err := parseSubnetID(id)
		if err != nil {
			return "", err
		}
		_, err = sc.Get(ctx, r.rg, r.vnet, r.name, nil)
		switch {
		case err == nil:
			return id, nil
		case !isNotFound(err):
			return "", err
		case isResourceID(o.subnet):
			return "", fmt.Errorf("Subnet '%s' does not exist.", o.subnet)
		}
	}
	subnet := o.subnet
	if subnet == "" {
		subnet = o.name + "Subnet"
	}
	if o.vnet != "" {
		_, err := vc.Get(ctx, o.rg, o.vnet, nil)
		if err == nil {
			p, err := sc.BeginCreateOrUpdate(ctx, o.rg, o.vnet, subnet, *subnetModel("", []string{o.subnetPrefix}), nil)
			if err == nil {
				_, err = p.PollUntilDone(ctx, nil)
			}
			if f, ok := asARMFailure(err); ok {
				return "", fmt.Errorf("Subnet(%s) does not exist, but failed to create a new subnet with address prefix %s. "+
					"It may be caused by name or address prefix conflict. Please specify an appropriate subnet name with --subnet "+
					"or a valid address prefix value with --subnet-address-prefix. (%s) %s", subnet, o.subnetPrefix, f.Code, f.Message)
			}
			if err != nil {
				return "", err
			}
			return c.resourceID(o.rg, "Microsoft.Network", "virtualNetworks", o.vnet, "subnets", subnet), nil
		}
		if !isNotFound(err) {
			return "", err
		}
	}
	vnet := o.vnet
	if vnet == "" {
		vnet = o.name + "VNET"
	}
	v := armnetwork.VirtualNetwork{Location: to.Ptr(loc), Tags: strPtrMap(tags), Properties: &armnetwork.VirtualNetworkPropertiesFormat{
		AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: to.SliceOfPtrs(o.vnetPrefix)},
		Subnets:      []*armnetwork.Subnet{subnetModel(subnet, []string{o.subnetPrefix})}}}
	p, err := vc.BeginCreateOrUpdate(ctx, o.rg, vnet, v, nil)
	if err == nil {
		_, err = p.PollUntilDone(ctx, nil)
	}
	if err != nil {
		return "", err
	}
	return c.resourceID(o.rg, "Microsoft.Network", "virtualNetworks", vnet, "subnets", subnet), nil
}

// publicIPFor returns the ID of the VM's public IP ("" for none): an
// existing one named by --public-ip-address, or a new one (<vm>PublicIP).
func (o *vmCreate) publicIPFor(ctx context.Context, c *clients, loc string, tags map[string]string) (string, error) {
	if o.publicIPNone {
		return "", nil
	}
	pc := c.net.NewPublicIPAddressesClient()
	name, rg := o.publicIP, o.rg
	if name == "" {
		name = o.name + "PublicIP"
	} else if isResourceID(name) {
		rg, name = idParts(name)
	}
	if cur, err := pc.Get(ctx, rg, name, nil); err == nil {
		return deref(cur.ID), nil
	} else if !isNotFound(err) {
		return "", err
	}
	alloc := o.publicIPAlloc
	if alloc != "" {
		alloc = strings.ToUpper(alloc[:1]) + alloc[1:]
	}
	p, err := pc.BeginCreateOrUpdate(ctx, rg, name, publicIPModel(loc, tags, o.publicIPSku, alloc, 4), nil)
	if err != nil {
		return "", err
	}
	pip, err := p.PollUntilDone(ctx, nil)
	return deref(pip.ID), err
}

// subnetIDParts are the parts of a subnet ID.
type subnetIDParts struct{ rg, vnet, name string }

func parseSubnetID(id string) (subnetIDParts, error) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	// subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Network/virtualNetworks/{v}/subnets/{n}
	if len(parts) != 10 || !strings.EqualFold(parts[6], "virtualNetworks") || !strings.EqualFold(parts[8], "subnets") {
		return subnetIDParts{}, fmt.Errorf("'%s' is not a subnet ID", id)
	}
	return subnetIDParts{rg: parts[3], vnet: parts[7], name: parts[9]}, nil
}

// sameLocation compares locations the way ARM normalizes them.
func sameLocation(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	return norm(a) == norm(b)
}
