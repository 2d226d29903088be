package fabric

import "net/netip"

// Frontend is a private link service: its NAT address in the provider subnet
// (a NIC of a host namespace of its own, Host = the service's ID) and the
// target address in the provider VNet that traffic is forwarded to.
type Frontend struct {
	ID     string
	NAT    NIC
	Target netip.Addr
}

// Endpoint is a private endpoint: a NIC in the customer subnet (Host = the
// endpoint's ID) whose address forwards every TCP port to the frontend's
// Target, with the frontend's NAT address as the source seen by the target.
type Endpoint struct {
	ID       string
	NIC      NIC
	Frontend string // ID of the frontend
}
