package portal

import (
	"sort"
	"strings"
)

// The topology: a picture, drawn from ARM data alone, of a resource group
// (or of everything a managed cluster touches): VNets with their subnets
// and what has an address in them, peerings coloured by state, private DNS
// zones with their VNet links, and private endpoints to the hidden API
// server network; and, beside it, why each VM can or cannot reach each
// private cluster's API server.

type topoVNet struct {
	ID, Name, Group string
	Prefixes, DNS   []string
	Subnets         []*topoSubnet
	Peerings        []topoPeering
	Outside         bool // not in the pictured groups, drawn because something refers to it
}

type topoSubnet struct {
	ID, Name, Prefix string
	Devices          []*topoDevice
}

type topoDevice struct {
	ID, Kind, Name, IP string // Kind: VM, Node, Private endpoint, NIC
}

type topoPeering struct{ Name, Remote, State string }

type topoZone struct {
	ID, Name string
	Links    []topoLink
}

type topoLink struct {
	Name, VNet, State string
	AutoRegistration  bool
}

type topoCluster struct {
	ID, Name, FQDN, Zone, Endpoint string // Endpoint: the kube-apiserver private endpoint's ID
	Private                        bool
}

// topology is everything gathered for one picture.
type topology struct {
	VNets    []*topoVNet
	Zones    []*topoZone
	Clusters []*topoCluster
	vnetByID map[string]*topoVNet
	devices  map[string]*topoDevice // by NIC, VM and endpoint ID (lower case)
}

// gatherTopology reads the groups' resources through ARM.
func (rq *request) gatherTopology(sub string, groups []string, only func(typ, id string) bool) (*topology, error) {
	t := &topology{vnetByID: map[string]*topoVNet{}, devices: map[string]*topoDevice{}}
	byType := map[string][]string{}
	for _, g := range groups {
		res, err := rq.arm.list("/subscriptions/"+sub+"/resourceGroups/"+g+"/resources", resourcesAPI)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			typ, id := strings.ToLower(digStr(r, "type")), digStr(r, "id")
			if only == nil || only(typ, id) {
				byType[typ] = append(byType[typ], id)
			}
		}
	}
	for _, id := range byType["microsoft.network/virtualnetworks"] {
		if err := t.addVNet(rq, id, false); err != nil {
			return nil, err
		}
	}
	// VNets on the other side of a peering are drawn too, marked outside.
	for _, v := range append([]*topoVNet(nil), t.VNets...) {
		for _, p := range v.Peerings {
			if t.vnetByID[strings.ToLower(p.Remote)] == nil {
				// One the principal cannot read stays a line's loose end;
				// any other failure is the page's.
				if err := t.addVNet(rq, p.Remote, true); err != nil {
					if _, refused := err.(*armError); !refused {
						return nil, err
					}
				}
			}
		}
	}
	vmNames := map[string]string{}
	for _, id := range byType["microsoft.compute/virtualmachines"] {
		rid, _ := parseID(id)
		vmNames[strings.ToLower(id)] = rid.Name()
	}
	for _, id := range byType["microsoft.network/networkinterfaces"] {
		rid, err := parseID(id)
		if err != nil {
			continue
		}
		nic, err := rq.read(rid)
		if err != nil {
			return nil, err
		}
		d := &topoDevice{ID: id, Kind: "NIC", Name: rid.Name()}
		if vm := digStr(nic, "properties", "virtualMachine", "id"); vm != "" {
			vid, _ := parseID(vm)
			d.ID, d.Kind, d.Name = vm, "VM", vid.Name()
			if strings.HasPrefix(strings.ToLower(vid.Group), "mc_") && strings.HasPrefix(vid.Name(), "aks-") {
				d.Kind = "Node"
			}
		}
		if pe := digStr(nic, "properties", "privateEndpoint", "id"); pe != "" {
			pid, _ := parseID(pe)
			d.ID, d.Kind, d.Name = pe, "Private endpoint", pid.Name()
		}
		for _, ipc := range asList(dig(nic, "properties", "ipConfigurations")) {
			if d.IP == "" {
				d.IP = digStr(ipc, "properties", "privateIPAddress")
			}
			if s := t.subnet(digStr(ipc, "properties", "subnet", "id")); s != nil {
				s.Devices = append(s.Devices, d)
			}
		}
		t.devices[strings.ToLower(id)] = d
		t.devices[strings.ToLower(d.ID)] = d
	}
	for _, id := range byType["microsoft.network/privatednszones"] {
		if err := t.addZone(rq, id); err != nil {
			return nil, err
		}
	}
	for _, id := range byType["microsoft.containerservice/managedclusters"] {
		rid, _ := parseID(id)
		mc, err := rq.read(rid)
		if err != nil {
			return nil, err
		}
		p := mc["properties"]
		c := &topoCluster{ID: id, Name: rid.Name(), FQDN: digStr(p, "privateFQDN")}
		c.Private, _ = dig(p, "apiServerAccessProfile", "enablePrivateCluster").(bool)
		if _, zone, ok := strings.Cut(c.FQDN, "."); ok {
			c.Zone = zone
		}
		if node := digStr(p, "nodeResourceGroup"); node != "" {
			c.Endpoint = "/subscriptions/" + rid.Sub + "/resourceGroups/" + node + "/providers/Microsoft.Network/privateEndpoints/kube-apiserver"
		}
		t.Clusters = append(t.Clusters, c)
	}
	for _, v := range t.VNets {
		for _, s := range v.Subnets {
			sort.Slice(s.Devices, func(i, j int) bool { return s.Devices[i].Name < s.Devices[j].Name })
		}
	}
	return t, nil
}

func (t *topology) addVNet(rq *request, id string, outside bool) error {
	rid, err := parseID(id)
	if err != nil {
		return err
	}
	doc, err := rq.read(rid)
	if err != nil {
		return err
	}
	v := &topoVNet{ID: digStr(doc, "id"), Name: rid.Name(), Group: rid.Group, Outside: outside,
		Prefixes: asStrings(dig(doc, "properties", "addressSpace", "addressPrefixes")),
		DNS:      asStrings(dig(doc, "properties", "dhcpOptions", "dnsServers"))}
	for _, s := range asList(dig(doc, "properties", "subnets")) {
		v.Subnets = append(v.Subnets, &topoSubnet{ID: digStr(s, "id"), Name: digStr(s, "name"), Prefix: digStr(s, "properties", "addressPrefix")})
	}
	for _, p := range asList(dig(doc, "properties", "virtualNetworkPeerings")) {
		v.Peerings = append(v.Peerings, topoPeering{Name: digStr(p, "name"), Remote: digStr(p, "properties", "remoteVirtualNetwork", "id"),
			State: digStr(p, "properties", "peeringState")})
	}
	t.VNets = append(t.VNets, v)
	t.vnetByID[strings.ToLower(v.ID)] = v
	return nil
}

func (t *topology) subnet(id string) *topoSubnet {
	for _, v := range t.VNets {
		for _, s := range v.Subnets {
			if strings.EqualFold(s.ID, id) {
				return s
			}
		}
	}
	return nil
}

func (t *topology) addZone(rq *request, id string) error {
	rid, err := parseID(id)
	if err != nil {
		return err
	}
	v, err := rq.arm.apiVersionOf(rid.Sub, rid.Type()+"/virtualNetworkLinks")
	if err != nil {
		return err
	}
	links, err := rq.arm.list(rid.String()+"/virtualNetworkLinks", v)
	if err != nil {
		return err
	}
	z := &topoZone{ID: id, Name: rid.Name()}
	for _, l := range links {
		auto, _ := dig(l, "properties", "registrationEnabled").(bool)
		z.Links = append(z.Links, topoLink{Name: digStr(l, "name"), VNet: digStr(l, "properties", "virtualNetwork", "id"),
			State: digStr(l, "properties", "virtualNetworkLinkState"), AutoRegistration: auto})
	}
	t.Zones = append(t.Zones, z)
	return nil
}
