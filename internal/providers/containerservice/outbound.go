package containerservice

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
)

// LoadBalancerProfile is networkProfile.loadBalancerProfile: the outbound
// IPs of a cluster with a standard load balancer. AKS makes managed public
// IPs in the node resource group (managedOutboundIPs.count of them, one by
// default) unless the client names its own (outboundIPs.publicIPs), and
// reports them as effectiveOutboundIPs. aksbox makes those public IPs as
// ordinary resources; no traffic leaves through them (nodes have no way
// out). Other properties sent (ports, idle timeout) are kept as sent.
type LoadBalancerProfile struct {
	ManagedOutboundIPs   *ManagedOutboundIPs `json:"managedOutboundIPs,omitempty"`
	OutboundIPs          *OutboundIPs        `json:"outboundIPs,omitempty"`
	EffectiveOutboundIPs []SubResource       `json:"effectiveOutboundIPs,omitempty"`
	BackendPoolType      string              `json:"backendPoolType,omitempty"`
}

// ManagedOutboundIPs is how many public IPs AKS makes for outbound traffic.
type ManagedOutboundIPs struct {
	Count int `json:"count"`
}

// OutboundIPs are public IPs of the client's own for outbound traffic.
type OutboundIPs struct {
	PublicIPs []SubResource `json:"publicIPs"`
}

// SubResource is a reference by ID.
type SubResource struct {
	ID string `json:"id"`
}

// outboundTag marks the public IPs AKS manages for outbound traffic.
const outboundTag = "aks-slb-managed-outbound-ip"

// outboundDefaults fills a standard load balancer's profile as AKS reports
// it (an update that leaves the profile out keeps the current one); other
// outbound types have none.
func outboundDefaults(id arm.ResourceID, c, old *Cluster) []*arm.Error {
	n := c.Properties.NetworkProfile
	if n.LoadBalancerSku != "standard" || !strings.EqualFold(n.OutboundType, "loadBalancer") {
		n.LoadBalancerProfile = nil
		return nil
	}
	lb := n.LoadBalancerProfile
	if lb == nil {
		lb = &LoadBalancerProfile{}
		if old != nil && old.Properties.NetworkProfile != nil && old.Properties.NetworkProfile.LoadBalancerProfile != nil {
			was := *old.Properties.NetworkProfile.LoadBalancerProfile
			lb = &was
		}
		n.LoadBalancerProfile = lb
	}
	if lb.BackendPoolType == "" {
		lb.BackendPoolType = "nodeIPConfiguration"
	}
	lb.EffectiveOutboundIPs = nil
	if lb.OutboundIPs != nil && len(lb.OutboundIPs.PublicIPs) > 0 {
		lb.ManagedOutboundIPs = nil
		for i, ip := range lb.OutboundIPs.PublicIPs {
			pid, err := arm.ParseID(ip.ID)
			if err != nil || !strings.EqualFold(pid.Type(), "Microsoft.Network/publicIPAddresses") {
				return []*arm.Error{arm.InvalidParameter(fmt.Sprintf("properties.networkProfile.loadBalancerProfile.outboundIPs.publicIPs[%d].id", i),
					"The outbound public IP '%s' is not a public IP address ID; give /subscriptions/.../providers/Microsoft.Network/publicIPAddresses/<name>.", ip.ID)}
			}
			lb.EffectiveOutboundIPs = append(lb.EffectiveOutboundIPs, SubResource{ID: ip.ID})
		}
		return nil
	}
	if lb.ManagedOutboundIPs == nil {
		lb.ManagedOutboundIPs = &ManagedOutboundIPs{Count: 1}
	}
	if k := lb.ManagedOutboundIPs.Count; k < 1 || k > 100 {
		return []*arm.Error{arm.InvalidParameter("properties.networkProfile.loadBalancerProfile.managedOutboundIPs.count",
			"The value %d of managedOutboundIPs.count is invalid: give 1 to 100.", k)}
	}
	for i := 0; i < lb.ManagedOutboundIPs.Count; i++ {
		lb.EffectiveOutboundIPs = append(lb.EffectiveOutboundIPs, SubResource{ID: managedOutboundIP(id, c, i)})
	}
	return nil
}

// managedOutboundIP is the ID of the i-th managed outbound IP: a GUID name
// in the node resource group, the same for the cluster's whole life.
func managedOutboundIP(id arm.ResourceID, c *Cluster, i int) string {
	name := uuidFrom(strings.ToLower(id.String()) + "/outbound/" + strconv.Itoa(i))
	return "/subscriptions/" + id.Subscription + "/resourceGroups/" + c.Properties.NodeResourceGroup +
		"/providers/Microsoft.Network/publicIPAddresses/" + name
}

// ensureOutboundIPs makes the managed outbound IPs the profile names in the
// node resource group and removes the managed ones it no longer names.
func (p *Provider) ensureOutboundIPs(ctx context.Context, c *Cluster, l *layout, tags map[string]string) error {
	want := map[string]bool{}
	if lb := c.Properties.NetworkProfile.LoadBalancerProfile; lb != nil && lb.ManagedOutboundIPs != nil {
		ipTags := map[string]string{"aks-managed-type": outboundTag}
		for k, v := range tags {
			ipTags[k] = v
		}
		for _, ip := range lb.EffectiveOutboundIPs {
			want[strings.ToLower(ip.ID)] = true
			if _, err := p.arm.Put(ctx, ip.ID, network.ServiceAPIVersion, pipBody(c.Location, ipTags)); err != nil {
				return fmt.Errorf("creating the outbound public IP: %w", err)
			}
		}
	}
	_, page, err := p.arm.Do(ctx, "GET", l.nodeGroup+"/providers/Microsoft.Network/publicIPAddresses", network.ServiceAPIVersion, nil)
	if err != nil {
		return fmt.Errorf("listing the node resource group's public IPs: %w", err)
	}
	var list struct {
		Value []struct {
			ID   string            `json:"id"`
			Tags map[string]string `json:"tags"`
		} `json:"value"`
	}
	_ = json.Unmarshal(page, &list)
	for _, ip := range list.Value {
		if ip.Tags["aks-managed-type"] == outboundTag && !want[strings.ToLower(ip.ID)] {
			if err := p.arm.Delete(ctx, ip.ID, network.ServiceAPIVersion); err != nil {
				return fmt.Errorf("removing an outbound public IP: %w", err)
			}
		}
	}
	return nil
}
