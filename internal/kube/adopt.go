package kube

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aksbox/aksbox/internal/kube/config"
)

// A warm control plane starts before its cluster exists: in a namespace of
// its own, serving on its address there, where its own components reach
// it. A cluster that adopts it renames its folder (a link keeps the old
// paths working), writes the serving certificate naming the cluster, and
// hands over the listening socket bound in the cluster's namespace through
// the adoption socket. The process waits until the API server presents the
// new certificate (it reloads the file by itself), then accepts on the
// handed socket too and answers config.AdoptedReply.

// adoptTimeout bounds how long an adoption waits for the API server to
// serve the new certificate (it may still be starting).
const adoptTimeout = 2 * time.Minute

// joinListener accepts from several listeners, and from connections
// handed to it in memory.
type joinListener struct {
	first net.Listener
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu  sync.Mutex
	lns []net.Listener
}

func newJoinListener(first net.Listener) *joinListener {
	j := &joinListener{first: first, conns: make(chan net.Conn), done: make(chan struct{})}
	j.add(first)
	return j
}

// add accepts from ln too, until the join is closed.
func (j *joinListener) add(ln net.Listener) {
	j.mu.Lock()
	j.lns = append(j.lns, ln)
	j.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				return // closed: with the join, or broken
			}
			select {
			case j.conns <- c:
			case <-j.done:
				c.Close()
				return
			}
		}
	}()
}

// dialMemory is a connection to the API server that no socket carries.
func (j *joinListener) dialMemory(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case j.conns <- server:
		return client, nil
	case <-j.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (j *joinListener) Accept() (net.Conn, error) {
	select {
	case c := <-j.conns:
		return c, nil
	case <-j.done:
		return nil, net.ErrClosed
	}
}

func (j *joinListener) Close() error {
	j.once.Do(func() {
		close(j.done)
		j.mu.Lock()
		for _, ln := range j.lns {
			ln.Close()
		}
		j.mu.Unlock()
	})
	return nil
}

func (j *joinListener) Addr() net.Addr { return j.first.Addr() }

// serveAdoption answers the adoption socket: it waits for the cluster's
// listening socket, reads the configuration the cluster wrote, waits for
// the new serving certificate, then joins the socket and hands the
// configuration to adopted. It returns when that is done, the socket
// closes or ctx ends.
func serveAdoption(ctx context.Context, sock *net.UnixConn, j *joinListener, configPath string, warm config.Config, adopted chan<- config.Config, log *slog.Logger) {
	defer sock.Close()
	go func() {
		<-ctx.Done()
		sock.Close()
	}()
	buf, oob := make([]byte, 64), make([]byte, syscall.CmsgSpace(4))
	n, oobn, _, _, err := sock.ReadMsgUnix(buf, oob)
	if err != nil || n == 0 {
		return // the pool let go of this process before adopting it
	}
	ln, err := receivedListener(oob[:oobn])
	var cfg config.Config
	if err == nil {
		if cfg, err = adoptedConfig(configPath, warm); err == nil {
			err = awaitCertificate(ctx, j, cfg.ServingCert)
		}
		if err != nil {
			ln.Close()
		}
	}
	if err != nil {
		log.Error("adoption failed", "err", err)
		_, _ = sock.Write([]byte(err.Error()))
		return
	}
	j.add(ln)
	log.Info("adopted", "address", ln.Addr().String())
	_, _ = sock.Write([]byte(config.AdoptedReply))
	adopted <- cfg
}

// adoptedConfig reads the configuration the adopting cluster wrote at
// path and checks that the running API server can serve it: everything
// the API server was started with stays as it was.
func adoptedConfig(path string, warm config.Config) (config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("the adopting cluster's configuration: %w", err)
	}
	a, b := cfg.WithDefaults(), warm.WithDefaults()
	if a.BindAddress != b.BindAddress || a.Port != b.Port || a.AdvertiseAddress != b.AdvertiseAddress ||
		a.EtcdPrefix != b.EtcdPrefix || a.ServiceCIDR != b.ServiceCIDR || a.DNSServiceIP != b.DNSServiceIP {
		return cfg, fmt.Errorf("the adopting cluster's configuration (%s:%d, etcd prefix %s, services %s, dns %s) is not what this API server serves (%s:%d, %s, %s, %s)",
			a.BindAddress, a.Port, a.EtcdPrefix, a.ServiceCIDR, a.DNSServiceIP, b.BindAddress, b.Port, b.EtcdPrefix, b.ServiceCIDR, b.DNSServiceIP)
	}
	return cfg, nil
}

// receivedListener is the listening socket a control message carries.
func receivedListener(oob []byte) (net.Listener, error) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("adoption message carries no socket (%v)", err)
	}
	fds, err := syscall.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("adoption message carries no socket (%v)", err)
	}
	f := os.NewFile(uintptr(fds[0]), "adopted listener")
	defer f.Close() // FileListener holds a copy
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("adopted socket: %w", err)
	}
	return ln, nil
}

// awaitCertificate waits until the API server presents the certificate in
// the file certPath, over connections in memory.
func awaitCertificate(ctx context.Context, j *joinListener, certPath string) error {
	ctx, cancel := context.WithTimeout(ctx, adoptTimeout)
	defer cancel()
	var last error
	for {
		want, err := certificateDER(certPath)
		if err != nil {
			return err
		}
		got, err := servedCertificate(ctx, j)
		if err == nil && bytes.Equal(got, want) {
			return nil
		}
		if err == nil {
			err = errors.New("the API server still presents its earlier certificate")
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the API server to serve %s: %w (last: %v)", certPath, ctx.Err(), last)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// certificateDER is the first certificate of a PEM file.
func certificateDER(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading serving certificate: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s holds no certificate", path)
	}
	return b.Bytes, nil
}

// servedCertificate is the leaf certificate the API server presents.
func servedCertificate(ctx context.Context, j *joinListener) ([]byte, error) {
	c, err := j.dialMemory(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	// Only the certificate's bytes are compared; nothing is sent.
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // compared byte for byte below
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, errors.New("the API server presented no certificate")
	}
	return certs[0].Raw, nil
}

// warmListener binds the warm control plane's own address and serves the
// adoption socket fd in the background.
func warmListener(ctx context.Context, configPath string, cfg config.Config, fd int, adopted chan<- config.Config, log *slog.Logger) (net.Listener, error) {
	f := os.NewFile(uintptr(fd), "adoption socket")
	c, err := net.FileConn(f)
	f.Close() // FileConn holds a copy
	if err != nil {
		return nil, fmt.Errorf("adoption socket: %w", err)
	}
	sock, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("adoption socket fd %d is not a unix socket", fd)
	}
	cfg = cfg.WithDefaults()
	own, err := net.Listen("tcp", net.JoinHostPort(cfg.BindAddress.String(), strconv.Itoa(cfg.Port)))
	if err != nil {
		sock.Close()
		return nil, fmt.Errorf("listening on the warm address: %w", err)
	}
	j := newJoinListener(own)
	go serveAdoption(ctx, sock, j, configPath, cfg, adopted, log)
	return j, nil
}
