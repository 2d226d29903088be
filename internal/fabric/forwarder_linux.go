package fabric

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// forwarder is one translation of private link, an nftables table of its
// own in a router namespace: a new TCP connection to one of dsts goes to
// dnatTo, on the same port, from snatTo. Connections the router itself
// opens are translated too. Conntrack translates the replies; nothing else
// is touched, so the router forwards everything else as before.
type forwarder struct {
	table  string
	dsts   []netip.Addr
	dnatTo netip.Addr
	snatTo netip.Addr
}

// apply replaces the forwarder's table in the current namespace in one
// transaction, so no packet ever meets a half-made rule set.
func (fw forwarder) apply() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("opening nftables: %w", err)
	}
	t := &nftables.Table{Name: fw.table, Family: nftables.TableFamilyIPv4}
	c.AddTable(t) // so that deleting it never fails
	c.DelTable(t)
	c.AddTable(t)
	pre := c.AddChain(&nftables.Chain{Name: "prerouting", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest})
	out := c.AddChain(&nftables.Chain{Name: "output", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest})
	post := c.AddChain(&nftables.Chain{Name: "postrouting", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource})
	mark := fw.mark()
	for _, d := range fw.dsts {
		for _, ch := range []*nftables.Chain{pre, out} {
			c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: slices.Concat(tcpTo(d), setMark(mark), natTo(expr.NATTypeDestNAT, fw.dnatTo))})
		}
	}
	c.AddRule(&nftables.Rule{Table: t, Chain: post, Exprs: slices.Concat(marked(mark), natTo(expr.NATTypeSourceNAT, fw.snatTo))})
	if err := c.Flush(); err != nil {
		return fmt.Errorf("writing nftables table %s: %w", fw.table, err)
	}
	return untrackOthers()
}

// tcpTo matches TCP packets to dst.
func tcpTo(dst netip.Addr) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: dst.AsSlice()},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
	}
}

// mark tells the forwarder's connections apart from others in the
// postrouting hook, where their destination is translated already: a
// conntrack mark derived from the table's name.
func (fw forwarder) mark() []byte {
	h := fnv.New32a()
	h.Write([]byte(fw.table))
	return binaryutil.NativeEndian.PutUint32(h.Sum32() | 1)
}

// setMark marks the packet's connection.
func setMark(mark []byte) []expr.Any {
	return []expr.Any{
		&expr.Immediate{Register: 1, Data: mark},
		&expr.Ct{Key: expr.CtKeyMARK, Register: 1, SourceRegister: true},
	}
}

// marked matches the packets of connections with the mark.
func marked(mark []byte) []expr.Any {
	return []expr.Any{
		&expr.Ct{Key: expr.CtKeyMARK, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: mark},
	}
}

// natTo translates the source or destination address to one address.
func natTo(kind expr.NATType, to netip.Addr) []expr.Any {
	return []expr.Any{
		&expr.Immediate{Register: 1, Data: to.AsSlice()},
		&expr.NAT{Type: kind, Family: unix.NFPROTO_IPV4, RegAddrMin: 1},
	}
}

// tables lists the names of the current namespace's IPv4 tables that start
// with prefix.
func tables(prefix string) ([]string, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("opening nftables: %w", err)
	}
	all, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return nil, fmt.Errorf("listing nftables tables: %w", err)
	}
	var out []string
	for _, t := range all {
		if strings.HasPrefix(t.Name, prefix) {
			out = append(out, t.Name)
		}
	}
	return out, nil
}

// deleteTables deletes tables of the current namespace, in one transaction;
// absent ones are no error.
func deleteTables(names ...string) error {
	if len(names) == 0 {
		return nil
	}
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("opening nftables: %w", err)
	}
	for _, n := range names {
		t := &nftables.Table{Name: n, Family: nftables.TableFamilyIPv4}
		c.AddTable(t)
		c.DelTable(t)
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("deleting nftables tables %v: %w", names, err)
	}
	return nil
}

// untrackTable is a router's one table that keeps UDP out of conntrack: a
// router tracks connections once it translates any, and its DNS (a new
// entry for every query otherwise) needs no state. ICMP stays tracked, so
// errors about translated connections are translated back.
const untrackTable = "pl-untrack"

// untrackOthers makes the current (router) namespace leave UDP untracked.
func untrackOthers() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("opening nftables: %w", err)
	}
	t := &nftables.Table{Name: untrackTable, Family: nftables.TableFamilyIPv4}
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	for _, hook := range []*nftables.ChainHook{nftables.ChainHookPrerouting, nftables.ChainHookOutput} {
		ch := c.AddChain(&nftables.Chain{Name: fmt.Sprintf("raw-%d", *hook), Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: hook, Priority: nftables.ChainPriorityRaw})
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_UDP}},
			&expr.Notrack{},
		}})
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("writing nftables table %s: %w", untrackTable, err)
	}
	return nil
}
