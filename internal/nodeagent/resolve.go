package nodeagent

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
)

// resolver sends every query to the node's name servers through dial,
// whatever the host's resolv.conf lists: a node asks its virtual network's
// DNS (168.63.129.16, or the VNet's custom DNS servers), never the host's.
type resolver struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	servers func() []string // host:port, asked in order
}

func newResolver(dial func(ctx context.Context, network, addr string) (net.Conn, error), servers func() []string) *resolver {
	return &resolver{dial: dial, servers: servers}
}

// via is a pure-Go resolver asking server alone.
func (r *resolver) via(server string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return r.dial(ctx, network, server)
		},
	}
}

// lookup resolves host to its addresses, IPv4 first. An IP literal is
// returned as is. The name is looked up as a rooted name, so search domains
// of the host's resolv.conf never apply. The name servers are read on every
// lookup and asked in order, as a stub resolver does: the next one only when
// one fails to answer, never after an authoritative "no such name". Nothing
// is cached.
func lookup(ctx context.Context, r *resolver, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	name := host
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	servers := r.servers()
	if len(servers) == 0 {
		return nil, fmt.Errorf("resolving %s: the node has no name server", host)
	}
	var ips []netip.Addr
	var errs []error
	for _, s := range servers {
		got, err := r.via(s).LookupNetIP(ctx, "ip", name)
		if err == nil {
			ips = got
			break
		}
		var de *net.DNSError
		if errors.As(err, &de) {
			// The resolver names the server of the host's configuration;
			// the one asked is the node's.
			named := *de
			named.Server = s
			errs = append(errs, &named)
			if de.IsNotFound {
				break
			}
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %w", s, err))
	}
	if ips == nil {
		return nil, fmt.Errorf("resolving %s: %w", host, errors.Join(errs...))
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	slices.SortStableFunc(ips, func(a, b netip.Addr) int {
		switch {
		case a.Is4() == b.Is4():
			return 0
		case a.Is4():
			return -1
		}
		return 1
	})
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolving %s: no addresses", host)
	}
	return ips, nil
}

// ResolvConfServers reads the name servers of a resolv.conf file on every
// call, as host:port; a file that cannot be read lists none (and so fails
// the lookup: there is no fallback).
func ResolvConfServers(path string) func() []string {
	return func() []string {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		return parseNameservers(data)
	}
}

func parseNameservers(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "nameserver" {
			if ip, err := netip.ParseAddr(f[1]); err == nil {
				out = append(out, netip.AddrPortFrom(ip, 53).String())
			}
		}
	}
	return out
}

// Lookup resolves host as a node does: through its name servers, every
// packet sent by dial (from the node's namespace).
func Lookup(ctx context.Context, dial func(ctx context.Context, network, addr string) (net.Conn, error), servers func() []string, host string) ([]netip.Addr, error) {
	return lookup(ctx, newResolver(dial, servers), host)
}
