package sshgw

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// handshakeTimeout bounds key exchange and authentication of a connection.
const handshakeTimeout = 30 * time.Second

// Gateway serves SSH for VMs, one listener per public address.
type Gateway struct {
	signer ssh.Signer
	log    *slog.Logger

	mu      sync.Mutex
	servers map[netip.AddrPort]*server
	closed  bool
}

// server is the listener of one address and the connections it accepted.
type server struct {
	g      *Gateway
	addr   netip.AddrPort
	ln     net.Listener
	vm     atomic.Pointer[VM]
	config *ssh.ServerConfig
	wg     sync.WaitGroup // accept loop and connections

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// New returns a gateway serving nothing yet. Its ed25519 host key is read
// from hostKeyPath, or created there (mode 0600) on first use, so clients
// see the same host key across restarts.
func New(hostKeyPath string, log *slog.Logger) (*Gateway, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	signer, err := loadOrCreateHostKey(hostKeyPath)
	if err != nil {
		return nil, fmt.Errorf("creating ssh gateway: %w", err)
	}
	return &Gateway{signer: signer, log: log, servers: map[netip.AddrPort]*server{}}, nil
}

// PublicKey is the gateway's host key, for known_hosts entries.
func (g *Gateway) PublicKey() ssh.PublicKey { return g.signer.PublicKey() }

// Set serves addr, a host loopback address such as 127.224.0.4:22, for vm:
// it starts listening there, or, if it already does, lets the new user and
// keys in from the next login on (open sessions go on). A nil vm stops
// serving addr and ends its sessions. Set refuses non-loopback addresses.
func (g *Gateway) Set(addr netip.AddrPort, vm *VM) error {
	addr, err := checkAddr(addr)
	if err != nil {
		return err
	}
	if vm == nil {
		g.mu.Lock()
		s := g.servers[addr]
		delete(g.servers, addr)
		g.mu.Unlock()
		if s != nil {
			s.close()
			g.log.Info("ssh gateway stopped", "addr", addr)
		}
		return nil
	}
	if err := checkVM(vm); err != nil {
		return err
	}
	vm = &VM{Name: vm.Name, User: vm.User, Keys: slices.Clone(vm.Keys), Enter: vm.Enter, Root: vm.Root}

	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrClosed
	}
	if s := g.servers[addr]; s != nil {
		s.vm.Store(vm)
		return nil
	}
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(addr))
	if err != nil {
		return fmt.Errorf("listening for ssh on %s: %w", addr, err)
	}
	s := &server{g: g, addr: addr, ln: ln, conns: map[net.Conn]struct{}{}}
	s.vm.Store(vm)
	s.config = &ssh.ServerConfig{
		PublicKeyCallback: s.authorize,
		ServerVersion:     "SSH-2.0-aksbox",
	}
	s.config.AddHostKey(g.signer)
	g.servers[addr] = s
	s.wg.Add(1)
	go s.accept()
	g.log.Info("ssh gateway serving", "addr", addr, "vm", vm.Name)
	return nil
}

// Close stops every listener, ends every session and waits until their
// processes are gone.
func (g *Gateway) Close() error {
	g.mu.Lock()
	g.closed = true
	servers := g.servers
	g.servers = map[netip.AddrPort]*server{}
	g.mu.Unlock()
	for _, s := range servers {
		s.stop()
	}
	for _, s := range servers {
		s.wg.Wait()
	}
	return nil
}

// close stops the listener, drops the connections and waits for their
// sessions to end.
func (s *server) close() {
	s.stop()
	s.wg.Wait()
}

// stop closes the listener and the connections; their sessions then end
// their processes.
func (s *server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
}

func (s *server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			s.g.log.Warn("ssh gateway accept", "addr", s.addr, "err", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// authorize accepts the VM's user with one of the VM's keys. The reason for
// a refusal goes to the log only; the client learns no more than that the
// key was not accepted.
func (s *server) authorize(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	vm := s.vm.Load()
	if meta.User() == vm.User {
		k := key.Marshal()
		for _, want := range vm.Keys {
			if bytes.Equal(k, want.Marshal()) {
				return &ssh.Permissions{}, nil
			}
		}
	}
	s.g.log.Debug("ssh key refused", "addr", s.addr, "user", meta.User(),
		"remote", meta.RemoteAddr(), "key", ssh.FingerprintSHA256(key))
	return nil, errors.New("permission denied")
}

// serve runs one SSH connection until the client or the gateway ends it.
func (s *server) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	conn, chans, reqs, err := ssh.NewServerConn(c, s.config)
	if err != nil {
		var authErr *ssh.ServerAuthError
		if errors.As(err, &authErr) {
			s.g.log.Info("ssh login refused", "addr", s.addr, "remote", c.RemoteAddr())
		} else {
			s.g.log.Debug("ssh handshake failed", "addr", s.addr, "remote", c.RemoteAddr(), "err", err)
		}
		return
	}
	c.SetDeadline(time.Time{})
	defer conn.Close()
	vm := s.vm.Load() // the VM as it was at login: its sessions keep it
	s.g.log.Info("ssh login", "addr", s.addr, "user", conn.User(), "remote", conn.RemoteAddr(), "vm", vm.Name)
	go ssh.DiscardRequests(reqs) // no global requests: no port forwarding

	var sessions sync.WaitGroup
	defer sessions.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.Prohibited, "only session channels are supported")
			continue
		}
		sessions.Go(func() { s.g.serveSession(nc, conn, vm) })
	}
}
