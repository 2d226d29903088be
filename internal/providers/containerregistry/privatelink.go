package containerregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/providers/privatedns"
	"github.com/aksbox/aksbox/internal/providers/resources"
)

// A registry's private side: like AKS's API server, each registry has a
// network of the service's own, hidden in the managed subscription — a
// virtual network, a host ("registry") whose address serves the registry's
// data plane on port 443, and a private link service to that address.
// A private endpoint naming the registry and its group "registry" (Premium
// only) connects to that service, and traffic through it reaches the data
// plane as from a private network: allowed when public access is disabled.
// The cloud's public DNS holds <name>.azurecr.io as a CNAME to
// <name>.privatelink.azurecr.io, as Azure's does, so a VNet linked to a
// privatelink.azurecr.io zone with the endpoint's address resolves the
// login server to it, and any other VNet does not resolve it at all (there
// is no way out to the public endpoint from a VNet).

// registrySpace is the address space of a registry's hidden network.
var registrySpace = netip.MustParsePrefix("10.255.0.0/24")

// Options are what the provider's private side needs.
type Options struct {
	// ManagedSubscription holds the registries' hidden networks.
	ManagedSubscription string
	// PublicDNSGroup is the group of the cloud's public DNS zones.
	PublicDNSGroup string
}

// Fabric is the part of the network fabric the private side uses.
type Fabric interface {
	HostNamespace(id string) string
	Do(ns string, fn func() error) error
}

// PrivateLink is what the registry's private link resource needs of the
// network provider.
type PrivateLink interface {
	AddPrivateLinkResourceType(resourceType string, resolve network.PrivateLinkResolver)
	Connections(ctx context.Context, serviceID, through string) ([]network.EndpointConnection, error)
}

// layout names a registry's hidden network.
type layout struct {
	group, vnet, subnet, nic, vm, pls string
	zone, record, dataRecord          string // public DNS: CNAMEs to privatelink.azurecr.io
}

func (p *Provider) layout(reg *Registry, keep internal) layout {
	g := fmt.Sprintf("/subscriptions/%s/resourceGroups/acr-%s", p.opts.ManagedSubscription, keep.UID[:12])
	l := layout{group: g, vnet: g + "/providers/Microsoft.Network/virtualNetworks/registry-vnet"}
	l.subnet = l.vnet + "/subnets/registry"
	l.nic = g + "/providers/Microsoft.Network/networkInterfaces/registry-nic"
	l.vm = g + "/providers/Microsoft.Compute/virtualMachines/registry"
	l.pls = g + "/providers/Microsoft.Network/privateLinkServices/registry"
	l.zone = p.opts.PublicDNSGroup + "/providers/Microsoft.Network/privateDnsZones/" + Domain
	l.record = l.zone + "/CNAME/" + lower(reg.Name)
	l.dataRecord = l.zone + "/CNAME/" + lower(reg.Name) + "." + reg.Location + ".data"
	return l
}

// endpoints lists the private endpoints connected to a registry.
func (p *Provider) endpoints(ctx context.Context, registryID string) ([]Connection, error) {
	reg, st, err := p.getByID(ctx, registryID)
	if err != nil {
		return nil, err
	}
	conns, err := p.links.Connections(ctx, p.layout(reg, internalOf(st)).pls, registryID)
	if err != nil {
		return nil, err
	}
	out := make([]Connection, 0, len(conns))
	for _, c := range conns {
		out = append(out, Connection{Name: c.Name, Endpoint: c.Endpoint, Status: c.Status})
	}
	return out, nil
}

func (p *Provider) getByID(ctx context.Context, id string) (*Registry, *arm.Stored, error) {
	rid, err := arm.ParseID(id)
	if err != nil {
		return nil, nil, err
	}
	return p.get(ctx, rid)
}

// resolvePrivateLink resolves a private endpoint's connection to a
// registry's group to the registry's private link service.
func (p *Provider) resolvePrivateLink(ctx context.Context, rid arm.ResourceID, group string) (network.PrivateLinkTarget, error) {
	reg, st, err := p.get(ctx, rid)
	if err != nil {
		return network.PrivateLinkTarget{}, err
	}
	if !strings.EqualFold(group, GroupID) {
		return network.PrivateLinkTarget{}, arm.InvalidParameter("groupId",
			"Private link resource (group ID) '%s' is not supported by registry '%s'; the only one is '%s'.", group, reg.Name, GroupID)
	}
	if reg.SKU.Name != Premium {
		return network.PrivateLinkTarget{}, &arm.Error{Status: http.StatusBadRequest, Code: "PremiumSkuRequired",
			Message: fmt.Sprintf("Private endpoints are only supported by the Premium SKU; registry '%s' is '%s'. Update it with 'aksbox acr update -n %s --sku Premium' first.", reg.Name, reg.SKU.Name, reg.Name)}
	}
	l := p.layout(reg, internalOf(st))
	if _, err := p.rec.Get(ctx, l.pls); err != nil {
		return network.PrivateLinkTarget{}, arm.Errorf(http.StatusConflict, "OperationNotAllowed",
			"Registry '%s' is not ready for private endpoints yet; wait for its operation to finish.", reg.Name)
	}
	m := members(reg) // the login server, and the data endpoint of the registry's region
	return network.PrivateLinkTarget{ID: reg.ID, Service: l.pls, Members: []network.Member{
		{Name: m[0], FQDNs: []string{reg.Properties.LoginServer}},
		{Name: m[1], FQDNs: []string{fmt.Sprintf("%s.%s.data.%s", lower(reg.Name), reg.Location, Domain)}}}}, nil
}

// realize makes the registry's private side and publishes its names.
func (p *Provider) realize(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	reg := decodeStored(st)
	if reg == nil {
		return fmt.Errorf("decoding registry %s", id)
	}
	l := p.layout(reg, internalOf(st))
	tags := map[string]string{"registry": reg.ID}
	steps := []struct {
		what, path, api string
		body            any
	}{
		{"group", l.group, resources.ServiceAPIVersion, map[string]any{"location": reg.Location, "tags": tags}},
		{"virtual network", l.vnet, network.ServiceAPIVersion, map[string]any{"location": reg.Location, "tags": tags, "properties": map[string]any{
			"addressSpace": map[string]any{"addressPrefixes": []string{registrySpace.String()}},
			"subnets":      []any{map[string]any{"name": "registry", "properties": map[string]any{"addressPrefix": registrySpace.String()}}}}}},
		{"network interface", l.nic, network.ServiceAPIVersion, map[string]any{"location": reg.Location, "tags": tags, "properties": map[string]any{
			"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
				"privateIPAllocationMethod": "Dynamic", "subnet": map[string]string{"id": l.subnet}, "primary": true}}}}}},
		{"host", l.vm, compute.ServiceAPIVersion, map[string]any{"location": reg.Location, "tags": tags, "properties": map[string]any{
			"hardwareProfile": map[string]string{"vmSize": "Standard_DS2_v2"},
			"osProfile": map[string]any{"computerName": "registry", "adminUsername": "acr",
				"linuxConfiguration": map[string]any{"disablePasswordAuthentication": true, "ssh": map[string]any{"publicKeys": []any{
					map[string]string{"path": "/home/acr/.ssh/authorized_keys", "keyData": compute.NoLoginKey()}}}}},
			"networkProfile": map[string]any{"networkInterfaces": []any{map[string]any{"id": l.nic, "properties": map[string]any{"primary": true}}}}}}},
	}
	for _, s := range steps {
		if _, err := p.arm.Put(ctx, s.path, s.api, s.body); err != nil {
			return fmt.Errorf("creating the registry's private %s: %w", s.what, err)
		}
	}
	addr, err := p.address(ctx, l)
	if err != nil {
		return err
	}
	if _, err := p.arm.Put(ctx, l.pls, network.ServiceAPIVersion, map[string]any{"location": reg.Location, "tags": tags, "properties": map[string]any{
		"destinationIPAddress": addr.String(),
		"ipConfigurations": []any{map[string]any{"name": "registry-nat", "properties": map[string]any{
			"privateIPAllocationMethod": "Dynamic", "subnet": map[string]string{"id": l.subnet}, "primary": true}}},
	}}); err != nil {
		return fmt.Errorf("creating the registry's private link service: %w", err)
	}
	if err := p.publishNames(ctx, reg, l); err != nil {
		return err
	}
	return p.listen(reg, internalOf(st), l, addr)
}

// restart serves the private side again after a start; a registry made
// before it had one gets it made.
func (p *Provider) restart(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	reg := decodeStored(st)
	if reg == nil {
		return fmt.Errorf("decoding registry %s", id)
	}
	l := p.layout(reg, internalOf(st))
	if _, err := p.rec.Get(ctx, l.pls); err != nil {
		return p.realize(ctx, id, st)
	}
	addr, err := p.address(ctx, l)
	if err != nil {
		return err
	}
	return p.listen(reg, internalOf(st), l, addr)
}

// address is the registry host's address in its hidden network.
func (p *Provider) address(ctx context.Context, l layout) (netip.Addr, error) {
	_, body, err := p.arm.Do(ctx, http.MethodGet, l.nic, network.ServiceAPIVersion, nil)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("reading the registry's network interface: %w", err)
	}
	var nic struct {
		Properties struct {
			IPConfigurations []struct {
				Properties struct {
					PrivateIPAddress string `json:"privateIPAddress"`
				} `json:"properties"`
			} `json:"ipConfigurations"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &nic); err != nil || len(nic.Properties.IPConfigurations) == 0 {
		return netip.Addr{}, fmt.Errorf("the registry's network interface has no address")
	}
	return netip.ParseAddr(nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress)
}

// listen serves the data plane on the host's address, port 443.
func (p *Provider) listen(reg *Registry, keep internal, l layout, addr netip.Addr) error {
	ns := p.fab.HostNamespace(l.vm)
	if ns == "" {
		return fmt.Errorf("the registry's host %s has no network namespace", l.vm)
	}
	var ln net.Listener
	err := p.fab.Do(ns, func() error {
		var err error
		ln, err = net.Listen("tcp4", netip.AddrPortFrom(addr, 443).String())
		return err
	})
	if err != nil {
		return fmt.Errorf("listening for registry %s on %s:443: %w", reg.Name, addr, err)
	}
	return p.data.ServePrivate(keep.UID, ln)
}

// publishNames puts the registry's names in the cloud's public DNS: CNAMEs
// into privatelink.azurecr.io.
func (p *Provider) publishNames(ctx context.Context, reg *Registry, l layout) error {
	if code, _, err := p.arm.Do(ctx, http.MethodGet, p.opts.PublicDNSGroup, resources.ServiceAPIVersion, nil); err != nil || code != http.StatusOK {
		if _, err := p.arm.Put(ctx, p.opts.PublicDNSGroup, resources.ServiceAPIVersion, map[string]any{"location": reg.Location}); err != nil {
			return fmt.Errorf("creating the public DNS group: %w", err)
		}
	}
	if _, err := p.arm.Put(ctx, l.zone, privatedns.ServiceAPIVersion, map[string]any{"location": "global"}); err != nil {
		return fmt.Errorf("creating the public DNS zone %s: %w", Domain, err)
	}
	for rec, target := range map[string]string{
		l.record:     lower(reg.Name) + "." + PrivateLinkZone,
		l.dataRecord: fmt.Sprintf("%s.%s.data.%s", lower(reg.Name), reg.Location, PrivateLinkZone),
	} {
		if _, err := p.arm.Put(ctx, rec, privatedns.ServiceAPIVersion, map[string]any{"properties": map[string]any{
			"ttl": 300, "cnameRecord": map[string]string{"cname": target}}}); err != nil {
			return fmt.Errorf("publishing %s: %w", target, err)
		}
	}
	return nil
}

// unrealizePrivate stops the private listener, withdraws the names and
// deletes the hidden network.
func (p *Provider) unrealizePrivate(ctx context.Context, reg *Registry, keep internal) error {
	l := p.layout(reg, keep)
	p.data.StopPrivate(keep.UID)
	var errs []error
	for _, rec := range []string{l.record, l.dataRecord} {
		if err := p.arm.Delete(ctx, rec, privatedns.ServiceAPIVersion); err != nil {
			errs = append(errs, fmt.Errorf("withdrawing %s: %w", rec, err))
		}
	}
	if err := p.arm.Delete(ctx, l.group, resources.ServiceAPIVersion); err != nil {
		errs = append(errs, fmt.Errorf("deleting the registry's private network: %w", err))
	}
	return errors.Join(errs...)
}
