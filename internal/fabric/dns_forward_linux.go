package fabric

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Forwarding bounds: each target gets forwardTimeout to answer, a question
// forwardBudget in all (less than a resolver's usual 5 s), and a query may
// pass through at most maxForwardHops forwarders of this fabric, so that
// rules forwarding to each other's inbound endpoints cannot loop forever.
const (
	forwardTimeout = time.Second
	forwardBudget  = 3 * time.Second
	maxForwardHops = 4
	// hopOption is the EDNS0 option (from the local-use range) that counts
	// the fabric's forwarders a query has passed through.
	hopOption = 65432
)

// forward sends a question to the servers fw names, from inside the router
// namespace of fw.VNet (never from the host's), and relays the first
// answer; SERVFAIL when none answers in time, or when the query has passed
// through too many forwarders already.
func (f *Fabric) forward(fw *Forward, req *dns.Msg) *dns.Msg {
	fail := new(dns.Msg)
	fail.SetRcode(req, dns.RcodeServerFailure)
	hops := hopsOf(req)
	if hops >= maxForwardHops {
		f.log.Debug("dns forwarding loop cut", "vnet", fw.VNet, "name", req.Question[0].Name, "hops", hops)
		return fail
	}
	if fw.VNet == "" || !fw.Source.Is4() || len(fw.Targets) == 0 {
		f.log.Error("dns forward without a network, source or target", "forward", fmt.Sprint(*fw))
		return fail
	}
	ns := f.names.routerNS(fw.VNet)
	q := req.Question[0]
	key := fmt.Sprint(ns, fw.Source, fw.Targets, strings.ToLower(q.Name), q.Qtype, q.Qclass, req.CheckingDisabled)
	resp, err := f.inflight.do(key, func() (*dns.Msg, error) { return exchangeAll(ns, fw, upstreamQuery(req, hops+1)) })
	if err != nil {
		f.log.Debug("dns forwarding failed", "vnet", fw.VNet, "name", q.Name, "err", err)
		return fail
	}
	out := resp.Copy()
	out.Id = req.Id
	out.Question = req.Question // the client's spelling
	extra := out.Extra[:0]
	for _, rr := range out.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	out.Extra = extra
	return out
}

// hopsOf reads how many of the fabric's forwarders a query came through.
func hopsOf(m *dns.Msg) int {
	opt := m.IsEdns0()
	if opt == nil {
		return 0
	}
	for _, o := range opt.Option {
		if l, ok := o.(*dns.EDNS0_LOCAL); ok && l.Code == hopOption && len(l.Data) == 1 {
			return int(l.Data[0])
		}
	}
	return 0
}

// upstreamQuery is the client's query as a forwarder sends it on: a new ID,
// recursion desired, EDNS0 with room for a large answer and the hop count.
func upstreamQuery(req *dns.Msg, hops int) *dns.Msg {
	m := new(dns.Msg)
	m.Id = dns.Id()
	m.Opcode = dns.OpcodeQuery
	m.RecursionDesired = true
	m.CheckingDisabled = req.CheckingDisabled
	m.Question = []dns.Question{req.Question[0]}
	do := false
	if opt := req.IsEdns0(); opt != nil {
		do = opt.Do()
	}
	m.SetEdns0(1232, do)
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: hopOption, Data: []byte{byte(hops)}})
	return m
}

// exchangeAll asks each target in turn, from inside ns, until one answers.
func exchangeAll(ns string, fw *Forward, m *dns.Msg) (*dns.Msg, error) {
	end := time.Now().Add(forwardBudget)
	var errs []error
	for _, t := range fw.Targets {
		deadline := time.Now().Add(forwardTimeout)
		if deadline.After(end) {
			deadline = end
		}
		if !time.Now().Before(deadline) {
			break
		}
		r, err := exchange(ns, fw.Source, t, m, "udp4", deadline)
		if err == nil && r.Truncated {
			r, err = exchange(ns, fw.Source, t, m, "tcp4", deadline)
		}
		if err == nil {
			return r, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", t, err))
	}
	return nil, errors.Join(append(errs, errors.New("no target answered"))...)
}

// exchange sends m to target and reads its answer, over a socket opened in
// the router namespace ns and bound to source there.
func exchange(ns string, source netip.Addr, target netip.AddrPort, m *dns.Msg, network string, deadline time.Time) (*dns.Msg, error) {
	var conn net.Conn
	err := doNS(ns, func() error {
		d := net.Dialer{Deadline: deadline}
		if network == "udp4" {
			d.LocalAddr = &net.UDPAddr{IP: source.AsSlice()}
		} else {
			d.LocalAddr = &net.TCPAddr{IP: source.AsSlice()}
		}
		var err error
		conn, err = d.Dial(network, target.String())
		return err
	})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	co := &dns.Conn{Conn: conn}
	if err := co.SetDeadline(deadline); err != nil {
		return nil, err
	}
	if err := co.WriteMsg(m); err != nil {
		return nil, err
	}
	for {
		r, err := co.ReadMsg()
		if err != nil {
			return nil, err
		}
		if r.Id == m.Id && r.Response {
			return r, nil
		}
	}
}

// inflight lets one upstream exchange answer every identical question that
// arrives while it runs. A query that loops back through the fabric to the
// same forwarder joins the exchange it is part of instead of starting
// another, so a loop ends when that exchange times out.
type inflight struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	msg  *dns.Msg
	err  error
}

func (g *inflight) do(key string, fn func() (*dns.Msg, error)) (*dns.Msg, error) {
	g.mu.Lock()
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		<-c.done
		return c.msg, c.err
	}
	if g.calls == nil {
		g.calls = map[string]*call{}
	}
	c := &call{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()
	c.msg, c.err = fn()
	g.mu.Lock()
	delete(g.calls, key)
	g.mu.Unlock()
	close(c.done)
	return c.msg, c.err
}
