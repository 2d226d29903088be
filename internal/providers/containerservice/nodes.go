package containerservice

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/nodeagent"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/providers/network"
)

// node is one agent-pool node: a VM in the node subnet.
type node struct {
	name, pool, vm string
	index          int // across pools: picks the node's pod range
}

// nodesOf lists the nodes the pools ask for.
func nodesOf(c *Cluster, l *layout) []node {
	var out []node
	for _, pool := range c.Properties.AgentPoolProfiles {
		for i := 0; i < *pool.Count; i++ {
			name := l.nodeName(pool.Name, i)
			out = append(out, node{name: name, pool: pool.Name, vm: l.nodeVM(name), index: len(out)})
		}
	}
	return out
}

// ensureNodes makes the node VMs the pools ask for, removes those they no
// longer do, and starts their agents.
func (p *Provider) ensureNodes(ctx context.Context, c *Cluster, l *layout, cl *controlplane.Cluster) ([]node, error) {
	want := nodesOf(c, l)
	wanted := map[string]bool{}
	for _, n := range want {
		wanted[strings.ToLower(n.vm)] = true
		tags := map[string]string{"aks-managed-cluster-name": c.Name, "aks-managed-poolName": n.pool}
		if _, err := p.arm.Put(ctx, l.nodeNIC(n.name), network.ServiceAPIVersion, nicBody(c.Location, l.subnet, tags)); err != nil {
			return nil, fmt.Errorf("creating node %s's network interface: %w", n.name, err)
		}
		if _, err := p.arm.Put(ctx, n.vm, compute.ServiceAPIVersion, vmBody(c, n.name, l.nodeNIC(n.name), tags)); err != nil {
			return nil, fmt.Errorf("creating node %s: %w", n.name, err)
		}
	}
	// Nodes of pools scaled down or deleted.
	existing, err := p.nodeVMs(ctx, l)
	if err != nil {
		return nil, err
	}
	for _, vm := range existing {
		if wanted[strings.ToLower(vm)] {
			continue
		}
		p.agents.stop(vm)
		id, _ := arm.ParseID(vm)
		if err := p.arm.Delete(ctx, vm, compute.ServiceAPIVersion); err != nil {
			return nil, fmt.Errorf("removing node %s: %w", id.Name(), err)
		}
		if err := p.arm.Delete(ctx, l.nodeNIC(id.Name()), network.ServiceAPIVersion); err != nil {
			return nil, fmt.Errorf("removing node %s's network interface: %w", id.Name(), err)
		}
		p.deleteNode(ctx, c, l, cl, id.Name())
	}
	return p.startAgents(ctx, c, l, cl)
}

// nodeVMs lists the node VMs in the node group.
func (p *Provider) nodeVMs(ctx context.Context, l *layout) ([]string, error) {
	_, out, err := p.arm.Do(ctx, "GET", l.nodeGroup+"/providers/Microsoft.Compute/virtualMachines", compute.ServiceAPIVersion, nil)
	if err != nil {
		return nil, fmt.Errorf("listing the node VMs: %w", err)
	}
	var list struct {
		Value []struct {
			ID   string            `json:"id"`
			Tags map[string]string `json:"tags"`
		} `json:"value"`
	}
	_ = json.Unmarshal(out, &list)
	var ids []string
	for _, v := range list.Value {
		if _, ok := v.Tags["aks-managed-poolName"]; ok {
			ids = append(ids, v.ID)
		}
	}
	return ids, nil
}

// startAgents runs the agent of every node (idempotent).
func (p *Provider) startAgents(ctx context.Context, c *Cluster, l *layout, cl *controlplane.Cluster) ([]node, error) {
	nodes := nodesOf(c, l)
	server, err := p.nodeServer(ctx, c, l)
	if err != nil {
		return nil, err
	}
	plugin := strings.ToLower(c.Properties.NetworkProfile.NetworkPlugin)
	subnet, err := p.subnetPrefix(ctx, l)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		_, nic, err := p.arm.Do(ctx, "GET", l.nodeNIC(n.name), network.ServiceAPIVersion, nil)
		if err != nil {
			return nil, fmt.Errorf("reading node %s's network interface: %w", n.name, err)
		}
		ip, err := nicIP(nic)
		if err != nil {
			return nil, err
		}
		cert, key, err := cl.NodeCredentials(n.name)
		if err != nil {
			return nil, err
		}
		cfg := nodeagent.Config{Server: server, CA: cl.CACert(), Cert: cert, Key: key, NodeName: n.name, NodeIP: ip,
			KubeletVersion: "v" + p.opts.Version.String(),
			ProviderID:     "azure://" + n.vm,
			Labels: map[string]string{"agentpool": n.pool, "kubernetes.azure.com/agentpool": n.pool,
				"kubernetes.azure.com/cluster": l.id.ResourceGroup, "node.kubernetes.io/instance-type": "Standard_DS2_v2",
				"kubernetes.azure.com/mode": strings.ToLower(poolMode(c, n.pool)), "kubernetes.azure.com/network-plugin": plugin},
			Log: p.log.With("node", n.name)}
		cfg.PodRange, cfg.PodCIDR = podRange(c, subnet, n.index)
		if c.Private() || l.apiSubnet != "" {
			cfg.Dial = p.dialIn(p.fab.HostNamespace(n.vm))
			cfg.Nameservers = nodeagent.ResolvConfServers(p.fab.ResolvConfPath(n.vm))
			if p.opts.Registries != nil {
				cfg.Registries = p.opts.Registries(kubeletPrincipal(c), false)
			}
		} else if err := hostReachable(server); err != nil {
			// a public cluster's nodes reach its public IP "over the
			// internet": from the host, which only ever dials loopback
			return nil, err
		} else if p.opts.Registries != nil {
			cfg.Registries = p.opts.Registries(kubeletPrincipal(c), true) // the same way to the registries
		}

		p.agents.ensure(l.id.String(), n.vm, cfg)
	}
	return nodes, nil
}

// hostReachable fails closed unless a server URL the host dials names a
// loopback address (a public IP of the pool): nothing else may be dialed
// from the host's namespace.
func hostReachable(server string) error {
	u, err := url.Parse(server)
	if err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err != nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to reach %s from the host's network namespace: only loopback public IPs are dialed from there", server)
	}
	return nil
}

func poolMode(c *Cluster, pool string) string {
	for _, pp := range c.Properties.AgentPoolProfiles {
		if strings.EqualFold(pp.Name, pool) {
			return pp.Mode
		}
	}
	return "User"
}

// podRange is where a node's pods take their addresses: a /24 of the pod
// CIDR per node with kubenet; with Azure CNI, where pods have addresses of
// the node subnet, a block of it counted from its top (the subnet's own
// addresses are handed out from its bottom).
func podRange(c *Cluster, subnet netip.Prefix, index int) (netip.Prefix, string) {
	n := c.Properties.NetworkProfile
	if n.PodCidr != "" && !strings.EqualFold(n.NetworkPlugin, "azure") {
		base := netip.MustParsePrefix(n.PodCidr).Masked().Addr().As4()
		base[2] += byte(index)
		r := netip.PrefixFrom(netip.AddrFrom4(base), 24)
		return r, r.String()
	}
	bits := 27
	if subnet.Bits() > 24 {
		bits = 29
	}
	blocks := 1 << (bits - subnet.Bits())
	k := max(blocks-1-index, 1)
	base := binary.BigEndian.Uint32(subnet.Masked().Addr().AsSlice()) + uint32(k)<<(32-bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte(binary.BigEndian.AppendUint32(nil, base))), bits), ""
}

// subnetPrefix is the node subnet's address range.
func (p *Provider) subnetPrefix(ctx context.Context, l *layout) (netip.Prefix, error) {
	v, err := p.vnet(ctx, l.vnet)
	if err != nil {
		return netip.Prefix{}, err
	}
	sid, _ := arm.ParseID(l.subnet)
	for _, s := range v.Properties.Subnets {
		if strings.EqualFold(s.Name, sid.Name()) {
			return netip.ParsePrefix(s.Prefix())
		}
	}
	return netip.Prefix{}, fmt.Errorf("the node subnet %s was not found", l.subnet)
}

// nodeServer is the URL node agents use: the private FQDN, or with
// privateDNSZone none the public FQDN, resolved through the node's DNS;
// a public cluster's public address.
func (p *Provider) nodeServer(ctx context.Context, c *Cluster, l *layout) (string, error) {
	if l.apiSubnet != "" { // VNet integration: the internal load balancer's address, no DNS
		ip, err := p.endpointIP(ctx, l)
		if err != nil {
			return "", err
		}
		return "https://" + ip.String() + ":443", nil
	}
	if host := apiServerName(c); host != "" {
		return "https://" + host + ":443", nil
	}
	ip, err := p.apiAddress(ctx, c, l)
	if err != nil {
		return "", err
	}
	return "https://" + ip.String() + ":443", nil
}

// apiServerName is the name nodes and kubeconfigs use for a private
// cluster's API server ("" for a public cluster).
func apiServerName(c *Cluster) string {
	switch {
	case !c.Private():
		return ""
	case c.DNSZoneMode() == "none":
		return c.Properties.Fqdn
	}
	return c.Properties.PrivateFQDN
}
