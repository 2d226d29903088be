// Package fabric is the Linux realization of Azure private networking: a
// virtual network is a router network namespace with one bridge per subnet, a
// NIC is a veth pair from a subnet bridge into a host ("VM") namespace,
// peering is a veth between two router namespaces with routes for the other
// side's address spaces only, and 168.63.129.16 answers DNS inside every
// virtual network from a Resolver the caller supplies, as do extra DNS
// listeners (a DNS resolver's inbound endpoint) on a subnet's bridge; a
// Forwarder has some questions sent on, from inside a router namespace, to
// DNS servers of the virtual networks (forwarding rules). A private endpoint is
// a NIC in a customer subnet whose namespace forwards TCP, with nftables NAT
// in the kernel, over a veth to a private link service's namespace, which
// forwards it on to its target in the provider network.
//
// The fabric is desired-state: every Ensure* converges whatever it finds (also
// after a crash or a restart), every Remove* of something absent succeeds. The
// kernel is the only state it keeps between runs; the caller's store is the
// truth and re-ensures everything on start.
//
// Nothing is ever created in the host's own network namespace: the host has no
// route into a virtual network and a virtual network has no route out.
package fabric

import (
	"errors"
	"net"
	"net/netip"

	"github.com/miekg/dns"
)

// ErrUnsupported is returned on platforms without network namespaces.
var ErrUnsupported = errors.New("network fabric is unsupported on this platform")

// AzureDNS is the address that answers DNS inside every virtual network.
var AzureDNS = netip.MustParseAddr("168.63.129.16")

// VNet is a virtual network as the fabric realizes it.
type VNet struct {
	ID           string // ARM id; hashed (case-insensitively) into short names
	AddressSpace []netip.Prefix
	Subnets      []Subnet
}

// Subnet is a subnet of a virtual network; its gateway is the first usable
// address of Prefix, as in Azure.
type Subnet struct {
	Name   string
	Prefix netip.Prefix
}

// NIC is a network interface of a host in a subnet. NICs of one Host share
// the host's namespace; the first becomes eth0 and carries the default route.
type NIC struct {
	ID     string
	VNet   string // virtual network ID
	Subnet string // subnet name
	IP     netip.Addr
	// More are further addresses of the NIC in its subnet (a private
	// endpoint's, one per member of what it connects to).
	More []netip.Addr
	Host string           // ID of the namespace owner, e.g. a VM
	MAC  net.HardwareAddr // optional
}

// Resolver answers the DNS questions asked inside a virtual network.
// authoritative=false means "not ours": the server answers REFUSED and
// never forwards anywhere, since a virtual network is an island.
type Resolver interface {
	Resolve(vnetID string, q dns.Question) (answers []dns.RR, authoritative bool, rcode int)
}

// Forward is a Forwarder's decision to have other DNS servers answer a
// question: the DNS server sends the query from inside the router
// namespace of VNet, from Source (an address of that router), to each of
// Targets in turn until one answers, and relays the answer.
type Forward struct {
	VNet    string
	Source  netip.Addr
	Targets []netip.AddrPort
}

// Forwarder is a Resolver that has some questions answered elsewhere (DNS
// forwarding rulesets). For a question Forward returns nil for, Resolve
// answers.
type Forwarder interface {
	Resolver
	Forward(vnetID string, q dns.Question) *Forward
}

// Gateway is the subnet's gateway address: the first usable one.
func Gateway(p netip.Prefix) netip.Addr {
	return p.Masked().Addr().Next()
}

// lastAddr is the broadcast address of an IPv4 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	return netip.AddrFrom4(b)
}

// partner is the other address of a /31.
func partner(a netip.Addr) netip.Addr {
	b := a.As4()
	b[3] ^= 1
	return netip.AddrFrom4(b)
}
