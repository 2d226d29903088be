package containerservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/aksbox/aksbox/internal/providers/network"
)

// A public cluster's API server has a public IP: an address of the
// instance's loopback pool where a listener on the host forwards each
// connection into the API server's namespace. From "the internet" (the
// host, and nodes, whose agents dial from the host for a public cluster)
// that is the only way in; nothing routes into the namespace.

// publicEndpoints are the running listeners, by lower-case cluster ID.
type publicEndpoints struct {
	mu sync.Mutex
	m  map[string]*publicEndpoint
}

type publicEndpoint struct {
	ln   net.Listener
	to   string
	done chan struct{}
}

// publicIP creates (or reads) the API server's public IP address.
func (p *Provider) publicIP(ctx context.Context, c *Cluster, l *layout) (netip.Addr, error) {
	out, err := p.arm.Put(ctx, l.publicIP, network.ServiceAPIVersion, pipBody(c.Location, nil))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("creating the API server's public IP: %w", err)
	}
	return pipAddress(out)
}

// pipAddress reads the address of a public IP body.
func pipAddress(body json.RawMessage) (netip.Addr, error) {
	var pip struct {
		Properties struct {
			IPAddress string `json:"ipAddress"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(body, &pip)
	addr, err := netip.ParseAddr(pip.Properties.IPAddress)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("the API server's public IP has no address")
	}
	return addr, nil
}

// servePublic listens on addr:443 and forwards to target inside ns.
func (p *Provider) servePublic(clusterID string, addr netip.Addr, ns, target string) error {
	key := strings.ToLower(clusterID)
	p.public.mu.Lock()
	defer p.public.mu.Unlock()
	if cur, ok := p.public.m[key]; ok {
		if cur.to == target {
			return nil
		}
		cur.ln.Close()
		<-cur.done
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(addr, 443).String())
	if err != nil {
		return fmt.Errorf("listening on the API server's public IP: %w", err)
	}
	ep := &publicEndpoint{ln: ln, to: target, done: make(chan struct{})}
	p.public.m[key] = ep
	dial := p.dialIn(ns)
	go func() {
		defer close(ep.done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					p.log.Warn("public API endpoint stopped", "cluster", clusterID, "err", err)
				}
				return
			}
			go forward(conn, dial, target)
		}
	}()
	return nil
}

// forward copies one connection to target and back.
func forward(in net.Conn, dial func(ctx context.Context, network, addr string) (net.Conn, error), target string) {
	defer in.Close()
	out, err := dial(context.Background(), "tcp", target)
	if err != nil {
		return
	}
	defer out.Close()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(out, in)
	go cp(in, out)
	<-done
	<-done
}

// stopPublic closes a cluster's public listener.
func (p *Provider) stopPublic(clusterID string) {
	key := strings.ToLower(clusterID)
	p.public.mu.Lock()
	ep, ok := p.public.m[key]
	delete(p.public.m, key)
	p.public.mu.Unlock()
	if ok {
		ep.ln.Close()
		<-ep.done
	}
}

func (p *Provider) stopAllPublic() {
	p.public.mu.Lock()
	var ids []string
	for id := range p.public.m {
		ids = append(ids, id)
	}
	p.public.mu.Unlock()
	for _, id := range ids {
		p.stopPublic(id)
	}
}
