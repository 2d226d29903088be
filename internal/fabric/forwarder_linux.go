package fabric

import (
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// natTable is the nftables table the fabric owns in a private link
// namespace.
const natTable = "fabric"

// ipsDstNAT is IPS_DST_NAT of <linux/netfilter/nf_conntrack_common.h>: the
// connection's destination was translated.
const ipsDstNAT = 1 << 5

// forwarder is what a private link namespace does with TCP: a new
// connection that matches (arriving on a link whose name starts with
// inPrefix, or addressed to one of dsts) goes to dnatTo, on the same port,
// from snatTo. Nothing else is forwarded; conntrack translates the replies.
type forwarder struct {
	inPrefix string
	dsts     []netip.Addr
	dnatTo   netip.Addr
	snatTo   netip.Addr
}

// setup makes the current namespace forward as fw says. Addresses of
// plsRange not on a link of its own are unreachable, and ICMP is not
// rate-limited, so a connection to an endpoint without a link fails fast.
func (fw forwarder) setup() error {
	if err := setSysctls(routerSysctls, false); err != nil {
		return err
	}
	if err := syncRoutes(0, nil, []netip.Prefix{plsRange}); err != nil {
		return fmt.Errorf("routing link range: %w", err)
	}
	return fw.apply()
}

// apply replaces the fabric's nftables table in the current namespace in
// one transaction, so no packet ever meets a half-made rule set.
func (fw forwarder) apply() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("opening nftables: %w", err)
	}
	t := &nftables.Table{Name: natTable, Family: nftables.TableFamilyIPv4}
	c.AddTable(t) // so that deleting it never fails
	c.DelTable(t)
	c.AddTable(t)
	drop := nftables.ChainPolicyDrop
	pre := c.AddChain(&nftables.Chain{Name: "prerouting", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest})
	post := c.AddChain(&nftables.Chain{Name: "postrouting", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource})
	fwd := c.AddChain(&nftables.Chain{Name: "forward", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &drop})
	for _, m := range fw.matches() {
		c.AddRule(&nftables.Rule{Table: t, Chain: pre, Exprs: append(m, natTo(expr.NATTypeDestNAT, fw.dnatTo)...)})
	}
	c.AddRule(&nftables.Rule{Table: t, Chain: post, Exprs: append(dnated(), natTo(expr.NATTypeSourceNAT, fw.snatTo)...)})
	c.AddRule(&nftables.Rule{Table: t, Chain: fwd, Exprs: append(dnated(), &expr.Verdict{Kind: expr.VerdictAccept})})
	if err := c.Flush(); err != nil {
		return fmt.Errorf("writing nftables table %s: %w", natTable, err)
	}
	return nil
}

// matches select the new TCP connections to translate: a rule each.
func (fw forwarder) matches() [][]expr.Any {
	if len(fw.dsts) == 0 {
		return [][]expr.Any{fw.match(netip.Addr{})}
	}
	var out [][]expr.Any
	for _, d := range fw.dsts {
		out = append(out, fw.match(d))
	}
	return out
}

func (fw forwarder) match(dst netip.Addr) []expr.Any {
	var m []expr.Any
	if fw.inPrefix != "" { // comparing fewer bytes than the name holds is a prefix match
		m = append(m, &expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte(fw.inPrefix)})
	}
	if dst.IsValid() {
		m = append(m, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: dst.AsSlice()})
	}
	return append(m, &expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}})
}

// dnated matches the packets of connections this namespace has translated
// the destination of, both ways, and the ICMP errors about them.
func dnated() []expr.Any {
	zero := make([]byte, 4)
	return []expr.Any{
		&expr.Ct{Key: expr.CtKeySTATUS, Register: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(ipsDstNAT), Xor: zero},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: zero},
	}
}

// natTo translates the source or destination address to one address.
func natTo(kind expr.NATType, to netip.Addr) []expr.Any {
	return []expr.Any{
		&expr.Immediate{Register: 1, Data: to.AsSlice()},
		&expr.NAT{Type: kind, Family: unix.NFPROTO_IPV4, RegAddrMin: 1},
	}
}
