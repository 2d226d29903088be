package network

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// AzureDNS is the address of Azure-provided DNS inside every virtual network.
const AzureDNS = "168.63.129.16"

// checkDNSServers validates custom DNS servers (of a VNet's dhcpOptions or
// a NIC's dnsSettings): IPv4 addresses, each once.
func checkDNSServers(path, owner string, servers []string) []*arm.Error {
	var errs []*arm.Error
	seen := map[netip.Addr]bool{}
	for i, s := range servers {
		ip, err := netip.ParseAddr(strings.TrimSpace(s))
		switch {
		case err != nil || !ip.Is4():
			errs = append(errs, arm.InvalidParameter(fmt.Sprintf("%s[%d]", path, i),
				"DNS server '%s' of %s is not a valid IPv4 address; give IPv4 addresses such as 10.0.0.4 (or none to use Azure-provided DNS, %s).", s, owner, AzureDNS))
		case seen[ip]:
			errs = append(errs, arm.InvalidParameter(fmt.Sprintf("%s[%d]", path, i),
				"DNS server %s is listed twice in %s of %s; list each server once.", s, path, owner))
		}
		seen[ip] = true
	}
	return errs
}

// DNSServersOf is the resolver list of a NIC as Azure applies it: the NIC's
// own DNS servers, else its virtual network's, else Azure-provided DNS
// (an empty list).
func DNSServersOf(ctx context.Context, rec *arm.Records, n *NIC) ([]string, error) {
	if d := n.Properties.DNSSettings; d != nil && len(d.DNSServers) > 0 {
		return d.DNSServers, nil
	}
	if len(n.Properties.IPConfigurations) == 0 || n.Properties.IPConfigurations[0].Properties.Subnet == nil {
		return nil, nil
	}
	sid, err := arm.ParseID(n.Properties.IPConfigurations[0].Properties.Subnet.ID)
	if err != nil {
		return nil, err
	}
	st, err := rec.Get(ctx, sid.Parent().String())
	if err != nil {
		return nil, fmt.Errorf("reading the virtual network of NIC %s: %w", n.Name, err)
	}
	v, err := decodeVNet(st.Body)
	if err != nil {
		return nil, err
	}
	if v.Properties.DhcpOptions == nil {
		return nil, nil
	}
	return v.Properties.DhcpOptions.DNSServers, nil
}

// ResolvConf is the resolv.conf a VM gets from DHCP for these DNS servers
// (none: Azure-provided DNS).
func ResolvConf(servers []string) []byte {
	var b strings.Builder
	if len(servers) == 0 {
		servers = []string{AzureDNS}
	}
	for _, s := range servers {
		b.WriteString("nameserver " + strings.TrimSpace(s) + "\n")
	}
	b.WriteString("options ndots:1\n")
	return []byte(b.String())
}

// OnDNSServers registers what is told, on every realization of a virtual
// network, its current DNS servers: VMs renew their DHCP lease at once.
func (p *Provider) OnDNSServers(fn func(ctx context.Context, vnetID string)) {
	p.dnsWatchers = append(p.dnsWatchers, fn)
}

func (p *Provider) tellDNSServers(ctx context.Context, vnetID string) {
	for _, fn := range p.dnsWatchers {
		fn(ctx, vnetID)
	}
}

// appliedDNS fills in a NIC's appliedDnsServers for a view.
func (p *Provider) appliedDNS(ctx context.Context, n *NIC) {
	if n.Properties.DNSSettings == nil {
		n.Properties.DNSSettings = &NICDNS{DNSServers: []string{}}
	}
	applied, err := DNSServersOf(ctx, p.rec, n)
	if err != nil || applied == nil {
		applied = []string{}
	}
	n.Properties.DNSSettings.AppliedDNSServers = applied
}
