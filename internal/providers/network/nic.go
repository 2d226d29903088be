package network

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/google/uuid"
)

// NIC is a network interface as ARM returns it.
type NIC struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Etag       string            `json:"etag"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties NICProperties     `json:"properties"`
}

// NICProperties are a network interface's properties.
type NICProperties struct {
	ProvisioningState           string      `json:"provisioningState,omitempty"`
	ResourceGUID                string      `json:"resourceGuid,omitempty"`
	IPConfigurations            []*IPConfig `json:"ipConfigurations"`
	MacAddress                  string      `json:"macAddress,omitempty"`
	Primary                     *bool       `json:"primary,omitempty"`
	VirtualMachine              *SubRef     `json:"virtualMachine,omitempty"`
	PrivateEndpoint             *SubRef     `json:"privateEndpoint,omitempty"`
	EnableAcceleratedNetworking bool        `json:"enableAcceleratedNetworking"`
	EnableIPForwarding          bool        `json:"enableIPForwarding"`
	VnetEncryptionSupported     bool        `json:"vnetEncryptionSupported"`
	NicType                     string      `json:"nicType,omitempty"`
	DNSSettings                 *NICDNS     `json:"dnsSettings,omitempty"`
}

// NICDNS is a NIC's DNS settings.
type NICDNS struct {
	DNSServers               []string `json:"dnsServers"`
	AppliedDNSServers        []string `json:"appliedDnsServers"`
	InternalDomainNameSuffix string   `json:"internalDomainNameSuffix,omitempty"`
}

// IPConfig is an IP configuration of a NIC.
type IPConfig struct {
	ID         string             `json:"id,omitempty"`
	Name       string             `json:"name"`
	Type       string             `json:"type,omitempty"`
	Etag       string             `json:"etag,omitempty"`
	Properties IPConfigProperties `json:"properties"`
}

// IPConfigProperties are an IP configuration's properties.
type IPConfigProperties struct {
	ProvisioningState         string  `json:"provisioningState,omitempty"`
	PrivateIPAddress          string  `json:"privateIPAddress,omitempty"`
	PrivateIPAllocationMethod string  `json:"privateIPAllocationMethod,omitempty"`
	PrivateIPAddressVersion   string  `json:"privateIPAddressVersion,omitempty"`
	Subnet                    *SubRef `json:"subnet,omitempty"`
	PublicIPAddress           *SubRef `json:"publicIPAddress,omitempty"`
	Primary                   *bool   `json:"primary,omitempty"`
	// PrivateLinkConnectionProperties: the member of a private link
	// resource an endpoint's IP configuration serves (read-only).
	PrivateLinkConnectionProperties *PLConnectionProperties `json:"privateLinkConnectionProperties,omitempty"`
}

// PLConnectionProperties are an endpoint NIC's IP configuration's group,
// member and FQDNs.
type PLConnectionProperties struct {
	GroupID            string   `json:"groupId"`
	RequiredMemberName string   `json:"requiredMemberName"`
	Fqdns              []string `json:"fqdns"`
}

func (p *Provider) nicKind() *arm.Kind {
	return &arm.Kind{Namespace: Namespace, Type: "networkInterfaces", APIVersions: APIVersions,
		Build: p.buildNIC, CheckDelete: p.checkDeleteNIC, View: p.viewNIC, ViewReads: arm.ViewReadsRecords, Serialize: true}
}

// buildNIC validates a NIC and allocates its addresses (lowest free from .4
// for Dynamic; Static must be free and usable in the subnet).
func (p *Provider) buildNIC(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in NIC
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	loc, errs := checkTracked("network interface", id.Name(), 80, in.Location)
	if len(in.Properties.IPConfigurations) == 0 {
		errs = append(errs, arm.InvalidParameter("properties.ipConfigurations",
			"Network interface '%s' needs at least one IP configuration with a subnet.", id.Name()))
	}
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	var old *NIC
	if cur != nil {
		old = &NIC{}
		_ = arm.Decode(cur, old)
	}
	n := &NIC{ID: id.String(), Name: id.Name(), Type: Namespace + "/networkInterfaces", Location: loc, Tags: in.Tags}
	n.Properties = NICProperties{ResourceGUID: uuid.NewString(), MacAddress: newMAC(), NicType: "Standard",
		DNSSettings:                 &NICDNS{DNSServers: []string{}, AppliedDNSServers: []string{}},
		EnableAcceleratedNetworking: in.Properties.EnableAcceleratedNetworking, // stored, not enforced
		EnableIPForwarding:          in.Properties.EnableIPForwarding}
	if d := in.Properties.DNSSettings; d != nil && len(d.DNSServers) > 0 {
		if err := arm.Join(checkDNSServers("properties.dnsSettings.dnsServers", "network interface '"+id.Name()+"'", d.DNSServers)); err != nil {
			return arm.Record{}, err
		}
		n.Properties.DNSSettings.DNSServers = d.DNSServers
	}
	n.Properties.DNSSettings.InternalDomainNameSuffix = internalSuffix(n.Properties.ResourceGUID)
	if old != nil {
		n.Properties.ResourceGUID, n.Properties.MacAddress = old.Properties.ResourceGUID, old.Properties.MacAddress
		n.Properties.DNSSettings.InternalDomainNameSuffix = internalSuffix(old.Properties.ResourceGUID)
		n.Properties.VirtualMachine, n.Properties.PrivateEndpoint = old.Properties.VirtualMachine, old.Properties.PrivateEndpoint
	}
	primary := primaryConfig(in.Properties.IPConfigurations)
	var picked []netip.Addr
	for i, c := range in.Properties.IPConfigurations {
		if i != primary && (c.Properties.Subnet == nil || c.Properties.Subnet.ID == "") {
			c.Properties.Subnet = in.Properties.IPConfigurations[primary].Properties.Subnet // Azure: the primary's subnet
		}
		ipc, err := p.buildIPConfig(ctx, id, i, c, old, picked...)
		if err != nil {
			return arm.Record{}, err
		}
		picked = append(picked, netip.MustParseAddr(ipc.Properties.PrivateIPAddress))
		isPrimary := i == primary
		ipc.Properties.Primary = &isPrimary
		n.Properties.IPConfigurations = append(n.Properties.IPConfigurations, ipc)
	}
	out, err := json.Marshal(n)
	return arm.Record{Body: out}, err
}

// primaryConfig is the index of the primary IP configuration: the one
// marked primary, else the first.
func primaryConfig(cs []*IPConfig) int {
	for i, c := range cs {
		if c.Properties.Primary != nil && *c.Properties.Primary {
			return i
		}
	}
	return 0
}

func (p *Provider) buildIPConfig(ctx context.Context, nic arm.ResourceID, i int, c *IPConfig, old *NIC, siblings ...netip.Addr) (*IPConfig, error) {
	if c.Name == "" {
		c.Name = fmt.Sprintf("ipconfig%d", i+1)
	}
	if c.Properties.Subnet == nil || c.Properties.Subnet.ID == "" {
		return nil, arm.InvalidParameter("properties.ipConfigurations.subnet",
			"IP configuration '%s' of network interface '%s' needs properties.subnet.id.", c.Name, nic.Name())
	}
	pfx, v, aerr := p.subnetPrefix(ctx, c.Properties.Subnet.ID)
	if aerr != nil {
		return nil, aerr
	}
	sid, _ := arm.ParseID(c.Properties.Subnet.ID)
	subnetID := arm.ResourceID{Subscription: sid.Subscription, ResourceGroup: sid.ResourceGroup, Namespace: Namespace,
		Types: []string{"virtualNetworks", "subnets"}, Names: []string{v.Name, v.Properties.Subnets[findSubnet(v, sid.Name())].Name}}.String()
	self := nic.Child("ipConfigurations", c.Name).String()
	var keep netip.Addr
	if old != nil && i < len(old.Properties.IPConfigurations) {
		keep, _ = netip.ParseAddr(old.Properties.IPConfigurations[i].Properties.PrivateIPAddress)
	}
	if _, e := checkEnum(fmt.Sprintf("properties.ipConfigurations[%d].properties.privateIPAllocationMethod", i), c.Properties.PrivateIPAllocationMethod, "Static", "Dynamic"); e != nil {
		return nil, e
	}
	if _, e := checkEnum(fmt.Sprintf("properties.ipConfigurations[%d].properties.privateIPAddressVersion", i), c.Properties.PrivateIPAddressVersion, "IPv4"); e != nil {
		return nil, e
	}
	addr, method, err := p.pick(ctx, pfx, subnetID, self, c.Name, c.Properties.PrivateIPAllocationMethod, c.Properties.PrivateIPAddress, keep, siblings...)
	if err != nil {
		return nil, err
	}
	primary := i == 0
	out := &IPConfig{ID: self, Name: c.Name, Type: Namespace + "/networkInterfaces/ipConfigurations"}
	out.Properties = IPConfigProperties{ProvisioningState: arm.Succeeded, PrivateIPAddress: addr.String(),
		PrivateIPAllocationMethod: method, PrivateIPAddressVersion: "IPv4", Subnet: &SubRef{ID: subnetID},
		PublicIPAddress: c.Properties.PublicIPAddress, Primary: &primary}
	if pip := c.Properties.PublicIPAddress; pip != nil && pip.ID != "" {
		if err := p.checkPublicIP(ctx, pip.ID, self); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// internalSuffix is the NIC's internal DNS suffix as Azure shapes it
// (<random>.<xx>.internal.cloudapp.net), made from its resource GUID so it
// stays. Nothing resolves it: VMs' names resolve through linked zones.
func internalSuffix(guid string) string {
	g := strings.ReplaceAll(guid, "-", "")
	if len(g) < 26 {
		return ""
	}
	return g[:24] + "." + g[24:26] + ".internal.cloudapp.net"
}

func newMAC() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	// Azure's OUI (00-0D-3A), locally random below it.
	return fmt.Sprintf("00-0D-3A-%02X-%02X-%02X", b[3], b[4], b[5])
}

// SetNICOwner tells the provider how to find the VM a NIC is attached to.
func (p *Provider) SetNICOwner(f func(ctx context.Context, nicID string) (string, error)) {
	p.nicOwner = f
}

func (p *Provider) owner(ctx context.Context, nicID string) string {
	if p.nicOwner == nil {
		return ""
	}
	o, _ := p.nicOwner(ctx, nicID)
	return o
}

// viewNIC shows the VM the NIC is attached to.
func (p *Provider) viewNIC(ctx context.Context, st *arm.Stored) json.RawMessage {
	var n NIC
	if arm.Decode(st, &n) != nil {
		return st.Body
	}
	if vm := p.owner(ctx, n.ID); vm != "" {
		n.Properties.VirtualMachine = &SubRef{ID: vm}
		yes := true
		n.Properties.Primary = &yes
		p.appliedDNS(ctx, &n)
	}
	out, _ := json.Marshal(n)
	return out
}

func (p *Provider) checkDeleteNIC(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var n NIC
	_ = arm.Decode(st, &n)
	if vm := p.owner(ctx, n.ID); vm != "" {
		n.Properties.VirtualMachine = &SubRef{ID: vm}
	}
	if n.Properties.VirtualMachine != nil && n.Properties.VirtualMachine.ID != "" {
		return arm.Errorf(http.StatusBadRequest, "NicInUse",
			"Network Interface %s is used by existing resource %s. In order to delete the network interface, it must be dissociated from the resource.",
			id.String(), n.Properties.VirtualMachine.ID)
	}
	if n.Properties.PrivateEndpoint != nil && n.Properties.PrivateEndpoint.ID != "" {
		return arm.Errorf(http.StatusBadRequest, "CannotDeleteNicOfPrivateEndpoint",
			"Network interface %s belongs to private endpoint %s; delete the private endpoint instead.", id.String(), n.Properties.PrivateEndpoint.ID)
	}
	return nil
}

// nicUsers reports the IP configurations of NICs in a subnet.
func (p *Provider) nicUsers(ctx context.Context, subnetID string) ([]string, error) {
	used, err := p.taken(ctx, subnetID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, owner := range used {
		out = append(out, owner)
	}
	return out, nil
}
