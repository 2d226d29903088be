package networkwatcher

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/google/uuid"
	"github.com/miekg/dns"
)

// trace follows the path from src to dest:port hop by hop.
func (p *Provider) trace(ctx context.Context, src *vm, dest string, port int) *Result {
	res := &Result{ConnectionStatus: "Unreachable", Hops: []*Hop{}}
	add := func(typ, addr, resource string) *Hop {
		h := &Hop{Type: typ, ID: uuid.NewString(), Address: addr, ResourceID: resource, NextHopIDs: []string{}, Issues: []Issue{}}
		if n := len(res.Hops); n > 0 {
			res.Hops[n-1].NextHopIDs = []string{h.ID}
		}
		res.Hops = append(res.Hops, h)
		return h
	}
	hop := add("Source", src.ip.String(), src.id)
	if src.power != "" && src.power != "running" {
		hop.Issues = append(hop.Issues, issue("AgentStopped", fmt.Sprintf("The source VM is %s: start it ('aksbox vm start').", src.power)))
		return res
	}
	ip, err := netip.ParseAddr(dest)
	if err != nil {
		ips, why := p.resolveFrom(src, dest)
		if len(ips) == 0 {
			hop.Issues = append(hop.Issues, issue("DnsResolution", p.explainDNS(ctx, src, dest, why)))
			return res
		}
		ip = ips[0]
	}
	vnet, detail := p.network(ctx, src, ip)
	vh := add("VirtualNetwork", ip.String(), vnet)
	if detail != "" {
		vh.Issues = append(vh.Issues, issue("Platform", detail))
		return res
	}
	typ, resource := "VirtualMachine", ""
	if pe := p.endpointAt(ctx, ip); pe != "" {
		typ, resource = "PrivateEndpoint", pe
	}
	dh := add(typ, ip.String(), resource)
	for i := 0; i < 3; i++ {
		res.ProbesSent++
		lat, err := p.probe(src.ns, ip, port)
		if err != nil {
			res.ProbesFailed++
			msg := fmt.Sprintf("No answer from %s:%d: %v.", ip, port, err)
			if errors.Is(err, syscall.ECONNREFUSED) {
				msg = fmt.Sprintf("%s answers but nothing listens on port %d (connection refused).", ip, port)
			}
			if len(dh.Issues) == 0 {
				dh.Issues = append(dh.Issues, issue("Platform", msg))
			}
			continue
		}
		ms := int(lat.Milliseconds())
		if res.ProbesSent-res.ProbesFailed == 1 || ms < res.MinLatencyInMs {
			res.MinLatencyInMs = ms
		}
		res.MaxLatencyInMs = max(res.MaxLatencyInMs, ms)
		res.AvgLatencyInMs += ms
	}
	if ok := res.ProbesSent - res.ProbesFailed; ok > 0 {
		res.AvgLatencyInMs /= ok
		res.ConnectionStatus = "Reachable"
		dh.Issues = []Issue{}
	}
	return res
}

// resolveFrom asks the source's DNS servers in order from inside the VM,
// as its resolver does: its VNet's custom DNS servers, else Azure-provided
// DNS (168.63.129.16). why says what each server answered.
func (p *Provider) resolveFrom(src *vm, name string) ([]netip.Addr, string) {
	servers := src.dns
	if len(servers) == 0 {
		servers = []string{network.AzureDNS}
	}
	var whys []string
	for _, s := range servers {
		ips, why := p.resolve(src.ns, s, name)
		if len(ips) > 0 {
			return ips, ""
		}
		whys = append(whys, s+": "+why)
		if why == "NXDOMAIN" {
			break
		}
	}
	return nil, strings.Join(whys, "; ")
}

// resolve asks one DNS server from inside the VM's namespace.
func (p *Provider) resolve(ns, server, name string) ([]netip.Addr, string) {
	var conn net.Conn
	if err := p.fab.Do(ns, func() error {
		var err error
		conn, err = net.DialTimeout("udp", net.JoinHostPort(server, "53"), 2*time.Second)
		return err
	}); err != nil {
		return nil, fmt.Sprintf("could not be asked: %v", err)
	}
	defer conn.Close()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeA)
	c := &dns.Client{Timeout: 2 * time.Second}
	r, _, err := c.ExchangeWithConn(q, &dns.Conn{Conn: conn})
	if err != nil {
		return nil, fmt.Sprintf("no answer (%v)", err)
	}
	var ips []netip.Addr
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			if ip, ok := netip.AddrFromSlice(a.A.To4()); ok {
				ips = append(ips, ip)
			}
		}
	}
	return ips, dns.RcodeToString[r.Rcode]
}

// probe opens a TCP connection from inside the VM.
func (p *Provider) probe(ns string, ip netip.Addr, port int) (time.Duration, error) {
	start := time.Now()
	err := p.fab.Do(ns, func() error {
		c, err := net.DialTimeout("tcp", netip.AddrPortFrom(ip, uint16(port)).String(), 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	return time.Since(start), err
}

func (p *Provider) vnetOf(ctx context.Context, id string) *network.VNet {
	st, err := p.rec.Get(ctx, id)
	if err != nil {
		return nil
	}
	var v network.VNet
	if arm.Decode(st, &v) != nil {
		return nil
	}
	return &v
}

func holds(v *network.VNet, ip netip.Addr) bool {
	for _, s := range v.Properties.AddressSpace.AddressPrefixes {
		if pf, err := netip.ParsePrefix(s); err == nil && pf.Contains(ip) {
			return true
		}
	}
	return false
}

func peersWith(v *network.VNet, remote string) string {
	for _, pr := range v.Properties.VirtualNetworkPeerings {
		if pr.Properties.RemoteVirtualNetwork != nil && strings.EqualFold(pr.Properties.RemoteVirtualNetwork.ID, remote) {
			return pr.Name
		}
	}
	return ""
}

// network finds the VNet the source reaches ip in; detail explains why
// it reaches none.
func (p *Provider) network(ctx context.Context, src *vm, ip netip.Addr) (string, string) {
	own := p.vnetOf(ctx, src.vnet)
	if own == nil {
		return src.vnet, "The source VM's virtual network was not found."
	}
	if holds(own, ip) {
		return own.ID, ""
	}
	for _, pr := range own.Properties.VirtualNetworkPeerings {
		if pr.Properties.RemoteVirtualNetwork == nil {
			continue
		}
		remote := p.vnetOf(ctx, pr.Properties.RemoteVirtualNetwork.ID)
		if remote == nil || !holds(remote, ip) {
			continue
		}
		if peersWith(remote, own.ID) == "" {
			return remote.ID, fmt.Sprintf("%s is in virtual network '%s'. Peering '%s' of '%s' reaches it, but '%s' has no peering back (the peering stays Initiated and passes nothing): create one from '%s' to '%s'.",
				ip, remote.Name, pr.Name, own.Name, remote.Name, remote.Name, own.Name)
		}
		return remote.ID, ""
	}
	all, _ := p.rec.OfTypes(ctx, "Microsoft.Network/virtualNetworks")
	for _, st := range all {
		var v network.VNet
		if arm.Decode(st, &v) == nil && holds(&v, ip) {
			return v.ID, fmt.Sprintf("%s is in virtual network '%s', which is not peered with the source's '%s': peer them both ways (peering is not transitive).", ip, v.Name, own.Name)
		}
	}
	return "", fmt.Sprintf("No virtual network the source's '%s' reaches holds %s (and the host has no route into any VNet).", own.Name, ip)
}

// endpointAt is the private endpoint whose NIC has ip, if any.
func (p *Provider) endpointAt(ctx context.Context, ip netip.Addr) string {
	all, _ := p.rec.OfTypes(ctx, "Microsoft.Network/networkInterfaces")
	for _, st := range all {
		var n network.NIC
		if arm.Decode(st, &n) != nil || n.Properties.PrivateEndpoint == nil {
			continue
		}
		for _, c := range n.Properties.IPConfigurations {
			if c.Properties.PrivateIPAddress == ip.String() {
				return n.Properties.PrivateEndpoint.ID
			}
		}
	}
	return ""
}

// explainDNS says why name did not resolve from the source: which DNS
// servers it asks and what they answered, then what the zones say. With
// custom DNS servers, what counts is the VNet the first server sits in:
// a forwarder there asks that VNet's 168.63.129.16.
func (p *Provider) explainDNS(ctx context.Context, src *vm, name, answer string) string {
	if len(src.dns) == 0 {
		return "The source uses Azure-provided DNS (168.63.129.16). " + p.explainZones(ctx, src.vnet, "the source's VNet", name, answer) +
			p.explainRules(src.vnet, name)
	}
	head := fmt.Sprintf("The source asks the custom DNS server(s) %s of its VNet (dhcpOptions.dnsServers), not 168.63.129.16; they answered: %s. ",
		strings.Join(src.dns, ", "), answer)
	if !strings.Contains(answer, "NXDOMAIN") && !strings.Contains(answer, "NOERROR") {
		head += fmt.Sprintf("If %s does not answer at all, nothing serves DNS there: run a forwarder on it (e.g. dnsmasq --server=168.63.129.16) or fix dhcpOptions.dnsServers. ", src.dns[0])
	}
	ip, err := netip.ParseAddr(src.dns[0])
	if err != nil {
		return head
	}
	if p.dnr != nil {
		if vnet, ep, ok := p.dnr.InboundEndpointAt(ctx, ip.String()); ok {
			return head + fmt.Sprintf("%s is DNS Private Resolver inbound endpoint '%s': it answers as 168.63.129.16 of its VNet. ", ip, ep) +
				p.explainZones(ctx, vnet, "the inbound endpoint's VNet", name, answer) + p.explainRules(vnet, name)
		}
	}
	vnet, _ := p.network(ctx, src, ip)
	if vnet == "" {
		return head + fmt.Sprintf("No virtual network holds %s.", ip)
	}
	return head + fmt.Sprintf("A forwarder at %s resolves private names by asking 168.63.129.16 of its own VNet. ", ip) +
		p.explainZones(ctx, vnet, "the DNS server's VNet", name, answer) + p.explainRules(vnet, name)
}

// explainRules adds what the forwarding rulesets do with name in vnet.
func (p *Provider) explainRules(vnet, name string) string {
	if p.dnr == nil {
		return ""
	}
	if s := p.dnr.ExplainForwarding(vnet, name); s != "" {
		return " " + s
	}
	return ""
}

// explainZones says which private DNS zone holds name and whether it is
// linked to vnet (what vnet's 168.63.129.16 answers from).
func (p *Provider) explainZones(ctx context.Context, vnet, which, name, answer string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	all, _ := p.rec.OfTypes(ctx, "Microsoft.Network/privateDnsZones")
	for _, st := range all {
		i := strings.Index(st.Key, "/providers/microsoft.network/privatednszones/")
		if i < 0 {
			continue
		}
		rest := st.Key[i+len("/providers/microsoft.network/privatednszones/"):]
		if strings.Contains(rest, "/") || (name != rest && !strings.HasSuffix(name, "."+rest)) {
			continue
		}
		zid, _ := arm.ParseID(arm.IDOf(st.Body))
		var linked []string
		links, _ := p.rec.List(ctx, zid.String()+"/virtualNetworkLinks/")
		self := false
		for _, l := range links {
			var b struct {
				Properties struct {
					VirtualNetwork struct {
						ID string `json:"id"`
					} `json:"virtualNetwork"`
				} `json:"properties"`
			}
			_ = arm.Decode(l, &b)
			vid, _ := arm.ParseID(b.Properties.VirtualNetwork.ID)
			linked = append(linked, vid.Name())
			self = self || strings.EqualFold(vid.String(), vnet)
		}
		vid, _ := arm.ParseID(vnet)
		if self {
			return fmt.Sprintf("%s did not resolve (%s): the private DNS zone '%s' (group %s) is linked to '%s' but holds no A record for it.", name, answer, zid.Name(), zid.ResourceGroup, vid.Name())
		}
		return fmt.Sprintf("%s did not resolve (%s): it belongs to the private DNS zone '%s' (group %s), which is linked to [%s] but not to %s '%s'. Link it: aksbox network private-dns link vnet create -g %s -z %s -n %s -v %s -e false",
			name, answer, zid.Name(), zid.ResourceGroup, strings.Join(linked, ", "), which, vid.Name(), zid.ResourceGroup, zid.Name(), vid.Name(), vid.String())
	}
	return fmt.Sprintf("%s did not resolve (%s): no private DNS zone holds it, and a VNet resolves only names of the zones linked to it.", name, answer)
}
