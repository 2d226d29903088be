package nodeagent

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// newResolver returns a pure-Go resolver that sends every query to dnsAddr
// through dial, whatever name servers the host's resolv.conf lists: a node
// asks its virtual network's DNS (168.63.129.16), never the host's.
func newResolver(dial func(ctx context.Context, network, addr string) (net.Conn, error), dnsAddr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dial(ctx, network, dnsAddr)
		},
	}
}

// lookup resolves host to its addresses, IPv4 first. An IP literal is
// returned as is. The name is looked up as a rooted name, so search domains
// of the host's resolv.conf never apply. Nothing is cached.
func lookup(ctx context.Context, r *net.Resolver, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	name := host
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	ips, err := r.LookupNetIP(ctx, "ip", name)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
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
