package containerservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/faults"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/providers/resources"
)

// readyTimeout bounds how long creation waits for the nodes to be Ready.
var readyTimeout = 4 * time.Minute

func decodeCluster(st *arm.Stored) (*Cluster, internal, error) {
	var c Cluster
	var in internal
	if err := arm.Decode(st, &c); err != nil {
		return nil, in, err
	}
	_ = json.Unmarshal(st.Internal, &in)
	if in.Power == "" {
		in.Power = Running
	}
	return &c, in, nil
}

// realize makes the cluster real, step by step; every step converges, so
// a realize that was interrupted (a stopped server) simply runs again.
func (p *Provider) realize(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	c, in, err := decodeCluster(st)
	if err != nil {
		return err
	}
	l := p.layout(id, c, in)
	if in.Power == Stopped {
		return p.stopCluster(ctx, l)
	}
	cl, err := p.ensureInfrastructure(ctx, c, l)
	if err != nil {
		return err
	}
	nodes, err := p.ensureNodes(ctx, c, l, cl)
	if err != nil {
		return err
	}
	faults.At(faults.AKSNodeRegistration)
	if err := p.checkNodeDNS(ctx, c, l, nodes); err != nil {
		return err
	}
	return p.awaitReady(ctx, c, l, cl, nodes)
}

// restart brings a settled cluster back after a start of the server: its
// VMs and endpoint are re-created by their own kinds; the control plane
// and node agents start again without waiting for them.
func (p *Provider) restart(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	c, in, err := decodeCluster(st)
	if err != nil || in.Power == Stopped {
		return err
	}
	l := p.layout(id, c, in)
	cl, err := p.startControlPlane(ctx, c, l)
	if err != nil {
		return err
	}
	_, err = p.startAgents(ctx, c, l, cl)
	return err
}

// ensureInfrastructure makes everything but the nodes: the node group and
// network, the API server's hidden network, VM and private link service,
// the control plane, and the private endpoint with its DNS.
func (p *Provider) ensureInfrastructure(ctx context.Context, c *Cluster, l *layout) (*controlplane.Cluster, error) {
	tags := map[string]string{"aks-managed-cluster-name": c.Name, "aks-managed-cluster-rg": l.id.ResourceGroup}
	if _, err := p.arm.Put(ctx, l.nodeGroup, resources.ServiceAPIVersion, map[string]any{"location": c.Location, "tags": tags,
		"managedBy": l.id.String()}); err != nil {
		return nil, fmt.Errorf("creating node resource group: %w", err)
	}
	faults.At(faults.AKSAfterNodeGroup)
	if err := p.ensureOutboundIPs(ctx, c, l, tags); err != nil {
		return nil, err
	}
	if l.ownVNet {
		body := vnetBody(c.Location, defaultVNetSpace, "aks-subnet", defaultSubnet, tags)
		if l.apiSubnet != "" {
			addAPIServerSubnet(body)
		}
		if _, err := p.arm.Put(ctx, l.vnet, network.ServiceAPIVersion, body); err != nil {
			return nil, fmt.Errorf("creating the cluster's virtual network: %w", err)
		}
	}
	if _, err := p.arm.Put(ctx, l.hcpGroup, resources.ServiceAPIVersion, map[string]any{"location": c.Location, "tags": tags}); err != nil {
		return nil, fmt.Errorf("creating the API server's group: %w", err)
	}
	if _, err := p.arm.Put(ctx, l.hcpVNet, network.ServiceAPIVersion, vnetBody(c.Location, apiserverSpace, apiserverSubnetNm, apiserverSpace, tags)); err != nil {
		return nil, fmt.Errorf("creating the API server's network: %w", err)
	}
	hcpSubnet := l.hcpVNet + "/subnets/" + apiserverSubnetNm
	if _, err := p.arm.Put(ctx, l.cpNIC, network.ServiceAPIVersion, nicBody(c.Location, hcpSubnet, tags)); err != nil {
		return nil, fmt.Errorf("creating the API server's network interface: %w", err)
	}
	if _, err := p.arm.Put(ctx, l.cpVM, compute.ServiceAPIVersion, vmBody(c, "kube-apiserver", l.cpNIC, tags)); err != nil {
		return nil, fmt.Errorf("creating the API server's host: %w", err)
	}
	if l.apiSubnet != "" {
		// The API server's address in the VNet exists before the API
		// server starts, so that its certificate names it.
		if err := p.ensureLinkService(ctx, c, l); err != nil {
			return nil, err
		}
		if err := p.ensureEndpoint(ctx, c, l, tags); err != nil {
			return nil, err
		}
	}
	cl, err := p.startControlPlane(ctx, c, l)
	if err == nil {
		faults.At(faults.AKSAfterControlPlane)
	}
	if err != nil || !c.Private() {
		return cl, err
	}
	if l.apiSubnet == "" {
		if err := p.ensureEndpoint(ctx, c, l, tags); err != nil {
			return nil, err
		}
	}
	if err := p.ensureDNS(ctx, c, l, tags); err != nil {
		return nil, err
	}
	faults.At(faults.AKSAfterEndpoint)
	return cl, p.ensurePublicRecord(ctx, c, l)
}

// apiServerAddress is the API server's own address, in its hidden network.
func (p *Provider) apiServerAddress(ctx context.Context, l *layout) (netip.Addr, error) {
	_, nic, err := p.arm.Do(ctx, "GET", l.cpNIC, network.ServiceAPIVersion, nil)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("reading the API server's network interface: %w", err)
	}
	return nicIP(nic)
}

// ensureLinkService makes the private link service to the API server's
// address, which the kube-apiserver endpoint connects to.
func (p *Provider) ensureLinkService(ctx context.Context, c *Cluster, l *layout) error {
	addr, err := p.apiServerAddress(ctx, l)
	if err != nil {
		return err
	}
	hcpSubnet := l.hcpVNet + "/subnets/" + apiserverSubnetNm
	if _, err := p.arm.Put(ctx, l.pls, network.ServiceAPIVersion, map[string]any{"location": c.Location, "properties": map[string]any{
		"destinationIPAddress": addr.String(),
		"ipConfigurations": []any{map[string]any{"name": "kube-apiserver-nat", "properties": map[string]any{
			"privateIPAllocationMethod": "Dynamic", "subnet": map[string]string{"id": hcpSubnet}, "primary": true}}},
	}}); err != nil {
		return fmt.Errorf("creating the API server's private link service: %w", err)
	}
	return nil
}

// startControlPlane makes the private link service to the API server's
// address and starts the control plane there.
func (p *Provider) startControlPlane(ctx context.Context, c *Cluster, l *layout) (*controlplane.Cluster, error) {
	addr, err := p.apiServerAddress(ctx, l)
	if err != nil {
		return nil, err
	}
	if err := p.ensureLinkService(ctx, c, l); err != nil {
		return nil, err
	}
	var vnetAddr netip.Addr
	if l.apiSubnet != "" {
		if vnetAddr, err = p.endpointIP(ctx, l); err != nil {
			return nil, err
		}
	}
	n := c.Properties.NetworkProfile
	spec := controlplane.Spec{ClusterID: l.id.String(), Dir: l.dir, Netns: p.fab.HostNamespace(l.cpVM), Address: addr,
		PrivateFQDN: c.Properties.PrivateFQDN, PublicFQDN: publicFQDN(c, l),
		ServiceCIDR: netip.MustParsePrefix(n.ServiceCidr).Masked(), DNSServiceIP: netip.MustParseAddr(n.DNSServiceIP),
		EtcdSocket: p.opts.EtcdSocket, EtcdPrefix: l.etcd, VNetAddress: vnetAddr}
	if n.PodCidr != "" {
		spec.PodCIDR = netip.MustParsePrefix(n.PodCidr).Masked()
	}
	var public netip.Addr
	if !c.Private() {
		if public, err = p.publicIP(ctx, c, l); err != nil {
			return nil, err
		}
		spec.PublicAddress = public
	}
	cl, err := p.opts.Supervisor.Launch(spec)
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	if public.IsValid() {
		if err := p.servePublic(l.id.String(), public, spec.Netns, netip.AddrPortFrom(addr, 443).String()); err != nil {
			return nil, err
		}
	}
	return cl, nil
}

// endpointIP is the kube-apiserver private endpoint's address.
func (p *Provider) endpointIP(ctx context.Context, l *layout) (netip.Addr, error) {
	_, out, err := p.arm.Do(ctx, "GET", l.pe, network.ServiceAPIVersion, nil)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("reading the kube-apiserver private endpoint: %w", err)
	}
	var pe struct {
		Properties struct {
			CustomDNSConfigs []struct {
				IPAddresses []string `json:"ipAddresses"`
			} `json:"customDnsConfigs"`
			NetworkInterfaces []struct {
				ID string `json:"id"`
			} `json:"networkInterfaces"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(out, &pe); err != nil {
		return netip.Addr{}, err
	}
	for _, d := range pe.Properties.CustomDNSConfigs {
		for _, a := range d.IPAddresses {
			if ip, err := netip.ParseAddr(a); err == nil {
				return ip, nil
			}
		}
	}
	if len(pe.Properties.NetworkInterfaces) > 0 {
		_, nic, err := p.arm.Do(ctx, "GET", pe.Properties.NetworkInterfaces[0].ID, network.ServiceAPIVersion, nil)
		if err == nil {
			return nicIP(nic)
		}
	}
	return netip.Addr{}, fmt.Errorf("the kube-apiserver private endpoint has no address")
}

func vnetBody(loc string, space netip.Prefix, subnet string, prefix netip.Prefix, tags map[string]string) map[string]any {
	return map[string]any{"location": loc, "tags": tags, "properties": map[string]any{
		"addressSpace": map[string]any{"addressPrefixes": []string{space.String()}},
		"subnets":      []any{map[string]any{"name": subnet, "properties": map[string]any{"addressPrefix": prefix.String()}}},
	}}
}

// pipBody is a Standard static public IP AKS makes for a cluster.
func pipBody(loc string, tags map[string]string) map[string]any {
	body := map[string]any{"location": loc, "sku": map[string]string{"name": "Standard"},
		"properties": map[string]any{"publicIPAllocationMethod": "Static"}}
	if tags != nil {
		body["tags"] = tags
	}
	return body
}

func nicBody(loc, subnet string, tags map[string]string) map[string]any {
	return map[string]any{"location": loc, "tags": tags, "properties": map[string]any{
		"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
			"privateIPAllocationMethod": "Dynamic", "subnet": map[string]string{"id": subnet}, "primary": true}}},
	}}
}

// vmBody is a node (or API server host) VM with the cluster's admin user.
func vmBody(c *Cluster, computer, nic string, tags map[string]string) map[string]any {
	user, keys := "azureuser", []any{}
	if lp := c.Properties.LinuxProfile; lp != nil {
		user = lp.AdminUsername
		for _, k := range lp.SSH.PublicKeys {
			keys = append(keys, map[string]string{"path": "/home/" + user + "/.ssh/authorized_keys", "keyData": k.KeyData})
		}
	}
	if len(keys) == 0 {
		keys = append(keys, map[string]string{"path": "/home/" + user + "/.ssh/authorized_keys", "keyData": compute.NoLoginKey()}) // --no-ssh-key: a key nobody holds
	}
	return map[string]any{"location": c.Location, "tags": tags, "properties": map[string]any{
		"hardwareProfile": map[string]string{"vmSize": "Standard_DS2_v2"},
		"osProfile": map[string]any{"computerName": computer, "adminUsername": user,
			"linuxConfiguration": map[string]any{"disablePasswordAuthentication": true, "ssh": map[string]any{"publicKeys": keys}}},
		"networkProfile": map[string]any{"networkInterfaces": []any{map[string]any{"id": nic, "properties": map[string]any{"primary": true}}}},
	}}
}
