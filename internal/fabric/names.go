package fabric

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

// Names of what the fabric creates. Namespace names are global to the host,
// so they start with the prefix and a dash; link names live in our own
// namespaces but start with the prefix too, then one letter for their kind
// and a hash: at most 6+1+8 = 15 characters, the Linux limit.
const (
	maxPrefix   = 6
	hashLen     = 8
	kindRouter  = "vnet"
	kindHost    = "host"
	linkBridge  = "b" // subnet bridge in a router namespace
	linkAnchor  = "a" // veth that keeps a subnet bridge's carrier on, its port side
	linkAnchorZ = "z" // the other side of that veth
	linkNIC     = "n" // router side of a NIC
	linkPeering = "p" // router side of a peering, named for the remote VNet
	linkPE      = "c" // customer router's side of a private endpoint's link, named for the endpoint
	linkPLS     = "f" // provider router's side of that link, named for the endpoint too
)

var hashEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// shortHash is a stable, case-insensitive 40-bit hash of an ARM id or name.
func shortHash(id string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id)))
	return hashEncoding.EncodeToString(sum[:])[:hashLen]
}

// validPrefix accepts 1 to 6 lower-case letters and digits, starting with a
// letter.
func validPrefix(p string) error {
	if len(p) == 0 || len(p) > maxPrefix {
		return fmt.Errorf("prefix %q must be 1 to %d characters", p, maxPrefix)
	}
	for i, c := range p {
		letter := c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return fmt.Errorf("prefix %q must be lower-case letters and digits, starting with a letter", p)
		}
	}
	return nil
}

// namer derives every name from one prefix.
type namer struct{ prefix string }

func (n namer) routerNS(vnetID string) string {
	return n.prefix + "-" + kindRouter + "-" + shortHash(vnetID)
}
func (n namer) hostNS(hostID string) string {
	return n.prefix + "-" + kindHost + "-" + shortHash(hostID)
}
func (n namer) bridge(subnet string) string      { return n.prefix + linkBridge + shortHash(subnet) }
func (n namer) anchor(subnet string) string      { return n.prefix + linkAnchor + shortHash(subnet) }
func (n namer) anchorZ(subnet string) string     { return n.prefix + linkAnchorZ + shortHash(subnet) }
func (n namer) nicLink(nicID string) string      { return n.prefix + linkNIC + shortHash(nicID) }
func (n namer) peerLink(remote string) string    { return n.prefix + linkPeering + shortHash(remote) }
func (n namer) peLink(endpointID string) string  { return n.prefix + linkPE + shortHash(endpointID) }
func (n namer) plsLink(endpointID string) string { return n.plsLinkOf(shortHash(endpointID)) }

// plsLinkOf is plsLink of an endpoint known by its hash.
func (n namer) plsLinkOf(endpointHash string) string { return n.prefix + linkPLS + endpointHash }

// Private link's addresses are on a router's lo, labelled for what holds
// them: a private endpoint's addresses, a frontend's NAT address.
func peLabel(endpointID string) string     { return peLabelOf(shortHash(endpointID)) }
func peLabelOf(endpointHash string) string { return "lo:e" + endpointHash }
func natLabel(frontendID string) string    { return "lo:l" + shortHash(frontendID) }

// Private link's nftables tables: the customer router's for an endpoint,
// and the provider router's for an endpoint of a frontend. Where both are
// one router, the endpoint's table alone translates.
func peTable(endpointID, frontendID string) string {
	return peTables(endpointID) + shortHash(frontendID)
}
func plsTable(frontendID, endpointID string) string {
	return plsTables(frontendID) + shortHash(endpointID)
}

// peTables is the prefix of an endpoint's tables, whatever their frontend;
// plsTables the prefix of the tables of a frontend's endpoints.
func peTables(endpointID string) string  { return "pe-" + shortHash(endpointID) + "-" }
func plsTables(frontendID string) string { return "pls-" + shortHash(frontendID) + "-" }

// endpointOfPLSTable is the hash of the endpoint whose table of frontendID
// t is; endpointOfPETable the hash of the endpoint whose table t translates
// to frontendID.
func endpointOfPLSTable(frontendID, t string) (string, bool) {
	return strings.CutPrefix(t, plsTables(frontendID))
}

// isPLSTableOf tells whether t is a frontend's table of endpointID.
func isPLSTableOf(endpointID, t string) bool {
	return strings.HasPrefix(t, "pls-") && strings.HasSuffix(t, "-"+shortHash(endpointID))
}

func endpointOfPETable(frontendID, t string) (string, bool) {
	rest, ok := strings.CutPrefix(t, "pe-")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "-"+shortHash(frontendID))
}

// ours tells whether a namespace name belongs to this prefix.
func (n namer) ours(ns string) bool { return strings.HasPrefix(ns, n.prefix+"-") }

// isRouter tells whether a namespace name of ours is a router.
func (n namer) isRouter(ns string) bool { return strings.HasPrefix(ns, n.prefix+"-"+kindRouter+"-") }

// routerOfPeerLink is the router namespace a peering link leads to: the link
// is named with the same hash as that namespace.
func (n namer) routerOfPeerLink(link string) (string, bool) {
	h, ok := strings.CutPrefix(link, n.prefix+linkPeering)
	if !ok || len(h) != hashLen {
		return "", false
	}
	return n.prefix + "-" + kindRouter + "-" + h, true
}

// nicTag is the alias that marks the host side of a NIC.
func nicTag(nicID string) string { return "nic-" + shortHash(nicID) }
