package fabric

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// dnsStartTimeout bounds the wait for a DNS server to start serving, and
// dnsStopTimeout the wait for its in-flight queries on shutdown.
const (
	dnsStartTimeout = 5 * time.Second
	dnsStopTimeout  = 5 * time.Second
)

// dnsServer answers at 168.63.129.16:53 over UDP and TCP inside one router
// namespace. Its sockets belong to the namespace; its goroutines run
// anywhere.
type dnsServer struct {
	ino     uint64 // the router namespace the sockets belong to
	servers []*dns.Server
	wg      sync.WaitGroup
}

// startDNS starts the DNS server of a virtual network unless it runs in
// the namespace of that name (which may have been replaced behind our back).
// The caller holds f.mu.
func (f *Fabric) startDNS(vnetID, ns string) error {
	ino, err := nsInode(ns)
	if err != nil {
		return fmt.Errorf("starting dns server: %w", err)
	}
	if s, ok := f.dns[ns]; ok && s.ino == ino {
		return nil
	}
	if err := f.stopDNS(ns); err != nil {
		return err
	}
	s, err := f.serveDNS(vnetID, ns, ino, AzureDNS)
	if err != nil {
		return err
	}
	f.dns[ns] = s
	return nil
}

// serveDNS answers for a virtual network at addr:53, over UDP and TCP,
// with sockets of the router namespace ns (whose inode is ino).
func (f *Fabric) serveDNS(vnetID, ns string, ino uint64, ip netip.Addr) (*dnsServer, error) {
	addr := netip.AddrPortFrom(ip, 53).String()
	var pc net.PacketConn
	var ln net.Listener
	err := doNS(ns, func() error {
		var err error
		if pc, err = net.ListenPacket("udp4", addr); err != nil {
			return fmt.Errorf("listening on udp %s: %w", addr, err)
		}
		if ln, err = net.Listen("tcp4", addr); err != nil {
			pc.Close()
			return fmt.Errorf("listening on tcp %s: %w", addr, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("starting dns server: %w", err)
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { f.answer(vnetID, w, r) })
	s := &dnsServer{ino: ino, servers: []*dns.Server{
		{PacketConn: pc, Handler: handler},
		{Listener: ln, Handler: handler},
	}}
	if err := s.start(); err != nil {
		return nil, fmt.Errorf("starting dns server: %w", errors.Join(err, s.stop()))
	}
	f.log.Debug("dns server started", "vnet", vnetID, "ns", ns, "addr", addr)
	return s, nil
}

// stopDNS stops the DNS server of a router namespace if one runs.
// The caller holds f.mu.
func (f *Fabric) stopDNS(ns string) error {
	s, ok := f.dns[ns]
	if !ok {
		return nil
	}
	delete(f.dns, ns)
	if err := s.stop(); err != nil {
		return fmt.Errorf("stopping dns server: %w", err)
	}
	return nil
}

func (s *dnsServer) start() error {
	errc := make(chan error, len(s.servers))
	for _, srv := range s.servers {
		srv.NotifyStartedFunc = func() { errc <- nil }
		s.wg.Go(func() {
			if err := srv.ActivateAndServe(); err != nil {
				errc <- err
			}
		})
	}
	timeout := time.NewTimer(dnsStartTimeout)
	defer timeout.Stop()
	for range s.servers {
		select {
		case err := <-errc:
			if err != nil {
				return err
			}
		case <-timeout.C:
			return errors.New("timed out waiting for the dns server to start")
		}
	}
	return nil
}

// stop shuts the servers down and waits for their goroutines; sockets of a
// server that never started are closed directly.
func (s *dnsServer) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), dnsStopTimeout)
	defer cancel()
	var errs []error
	for _, srv := range s.servers {
		if err := srv.ShutdownContext(ctx); err != nil {
			if srv.PacketConn != nil {
				srv.PacketConn.Close()
			}
			if srv.Listener != nil {
				srv.Listener.Close()
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				continue // never started: closing its socket was enough
			}
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// answer asks the resolver, or has the servers a Forwarder names answer;
// what the resolver does not own is REFUSED, never forwarded elsewhere,
// since a virtual network is an island.
func (f *Fabric) answer(vnetID string, w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	switch {
	case req.Opcode != dns.OpcodeQuery:
		m.SetRcode(req, dns.RcodeNotImplemented)
	case len(req.Question) != 1:
		m.SetRcode(req, dns.RcodeFormatError)
	default:
		m = f.resolve(vnetID, req)
	}
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		m.SetEdns0(uint16(size), false)
	}
	if _, udp := w.LocalAddr().(*net.UDPAddr); udp {
		m.Truncate(size)
	}
	if err := w.WriteMsg(m); err != nil {
		f.log.Debug("writing dns answer", "vnet", vnetID, "err", err)
	}
}

// resolve answers one question: forwarded when the Forwarder says so, else
// from the resolver.
func (f *Fabric) resolve(vnetID string, req *dns.Msg) *dns.Msg {
	r := f.currentResolver()
	if fw, ok := r.(Forwarder); ok {
		if to := fw.Forward(vnetID, req.Question[0]); to != nil {
			return f.forward(to, req)
		}
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = false
	m.Rcode = dns.RcodeRefused
	if r != nil {
		answers, authoritative, rcode := r.Resolve(vnetID, req.Question[0])
		if authoritative {
			m.Authoritative, m.Answer, m.Rcode = true, answers, rcode
		}
	}
	return m
}
