package containerservice

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/nodeagent"
)

// cseDNSTimeout is how long a new node's provisioning script keeps trying
// to resolve the API server's name before it gives up (AKS's CSE exits 52).
var cseDNSTimeout = 30 * time.Second

// checkNodeDNS is the check AKS's node provisioning script (the vmssCSE
// extension) makes before it starts the kubelet: the API server's name
// must resolve through the node's DNS servers. A node that cannot resolve
// it fails the operation with K8SAPIServerDNSLookupFailVMExtensionError.
func (p *Provider) checkNodeDNS(ctx context.Context, c *Cluster, l *layout, nodes []node) error {
	host := apiServerName(c)
	if host == "" || len(nodes) == 0 || l.apiSubnet != "" { // VNet-integrated nodes use no DNS
		return nil
	}
	n := nodes[0]
	servers := nodeagent.ResolvConfServers(p.fab.ResolvConfPath(n.vm))
	dial := p.dialIn(p.fab.HostNamespace(n.vm))
	deadline := time.Now().Add(cseDNSTimeout)
	var last error
	wait := 20 * time.Millisecond // a record just written answers within moments
	for {
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := nodeagent.Lookup(tctx, dial, servers, host)
		cancel()
		if err == nil {
			return nil
		}
		last = err
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
			wait = min(2*wait, time.Second)
		}
	}
	used := strings.Join(servers(), ", ")
	if used == "" {
		used = "none"
	}
	e := arm.Errorf(http.StatusBadRequest, "K8SAPIServerDNSLookupFailVMExtensionError",
		"VM has reported a failure when processing extension 'vmssCSE' (publisher 'Microsoft.Azure.Extensions' and type 'CustomScript'). "+
			"Error message: \"Enable failed: failed to execute command: command terminated with exit status=52\". "+
			"Agents are unable to resolve Kubernetes API server name. It's likely custom DNS server is not correctly configured, "+
			"please see https://aka.ms/aks/private-cluster#hub-and-spoke-with-custom-dns for more information. "+
			"Node %s asked its DNS servers (%s) for %s: %v. Make the name resolvable from the node's virtual network "+
			"(a DNS server that forwards to 168.63.129.16 in a VNet linked to the zone, or a link of the zone to the VNet), then reconcile the cluster with 'aksbox aks update -g %s -n %s'.",
		n.name, used, host, last, l.id.ResourceGroup, c.Name)
	return e
}
