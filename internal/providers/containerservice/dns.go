package containerservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/privatedns"
	"github.com/aksbox/aksbox/internal/providers/resources"
)

// publicFQDN is the cluster's name in the cloud's public DNS. The serving
// certificate always names it, so turning the public FQDN on or off needs
// no new certificate.
func publicFQDN(c *Cluster, l *layout) string {
	if c.Properties.Fqdn != "" {
		return c.Properties.Fqdn
	}
	return l.hcpRecord + ".hcp." + c.Location + ".azmk8s.io"
}

// ensureDNS makes the private FQDN resolve in the node VNet: with
// privateDNSZone system the cluster's own zone in the node group, with a
// zone of the customer's its A record there; and the link of that zone to
// the node VNet. What an earlier privateDNSZone left (after an update to
// none) is removed.
func (p *Provider) ensureDNS(ctx context.Context, c *Cluster, l *layout, tags map[string]string) error {
	if err := p.removeStaleDNS(ctx, c, l); err != nil {
		return err
	}
	if l.zone == "" {
		return nil
	}
	ip, err := p.endpointIP(ctx, l)
	if err != nil {
		return err
	}
	if c.DNSZoneMode() == "system" {
		if _, err := p.arm.Put(ctx, l.zone, privatedns.ServiceAPIVersion, map[string]any{"location": "global", "tags": tags}); err != nil {
			return fmt.Errorf("creating the private DNS zone: %w", err)
		}
	}
	if _, err := p.arm.Put(ctx, l.zone+"/A/"+l.record, privatedns.ServiceAPIVersion, map[string]any{"properties": map[string]any{
		"ttl": 300, "aRecords": []any{map[string]string{"ipv4Address": ip.String()}}}}); err != nil {
		return fmt.Errorf("writing the API server's DNS record: %w", err)
	}
	return p.ensureLink(ctx, l)
}

// removeStaleDNS deletes the zone (system) or the record and link (a zone
// of the customer's) of a privateDNSZone the cluster no longer has.
func (p *Provider) removeStaleDNS(ctx context.Context, c *Cluster, l *layout) error {
	for _, s := range l.staleDNS {
		if s.Zone == "" || strings.EqualFold(s.Zone, l.zone) {
			continue
		}
		if s.System {
			if err := p.arm.Delete(ctx, s.Link, privatedns.ServiceAPIVersion); err != nil {
				return fmt.Errorf("removing the link of %s: %w", s.Zone, err)
			}
			if err := p.arm.Delete(ctx, s.Zone, privatedns.ServiceAPIVersion); err != nil {
				return fmt.Errorf("removing the former private DNS zone %s: %w", s.Zone, err)
			}
			continue
		}
		if err := p.arm.Delete(ctx, s.Zone+"/A/"+s.Record, privatedns.ServiceAPIVersion); err != nil {
			return fmt.Errorf("removing the API server's record from %s: %w", s.Zone, err)
		}
		if err := p.arm.Delete(ctx, s.Link, privatedns.ServiceAPIVersion); err != nil {
			return fmt.Errorf("removing the link of %s: %w", s.Zone, err)
		}
	}
	return nil
}

// ensureLink links the zone to the node VNet unless some link already does.
func (p *Provider) ensureLink(ctx context.Context, l *layout) error {
	_, out, err := p.arm.Do(ctx, "GET", l.zone+"/virtualNetworkLinks", privatedns.ServiceAPIVersion, nil)
	if err != nil {
		return fmt.Errorf("listing the private DNS zone's links: %w", err)
	}
	var links struct {
		Value []struct {
			Properties struct {
				VirtualNetwork struct {
					ID string `json:"id"`
				} `json:"virtualNetwork"`
			} `json:"properties"`
		} `json:"value"`
	}
	_ = json.Unmarshal(out, &links)
	for _, k := range links.Value {
		if strings.EqualFold(k.Properties.VirtualNetwork.ID, l.vnet) {
			return nil
		}
	}
	if _, err := p.arm.Put(ctx, l.link, privatedns.ServiceAPIVersion, map[string]any{"location": "global", "properties": map[string]any{
		"virtualNetwork": map[string]string{"id": l.vnet}, "registrationEnabled": false}}); err != nil {
		return fmt.Errorf("linking the private DNS zone to the cluster's virtual network: %w", err)
	}
	return nil
}

// ensurePublicRecord publishes (or withdraws) the public FQDN of a private
// cluster in the cloud's public DNS: it resolves to the private endpoint's
// address from every VNet that uses Azure-provided DNS.
func (p *Provider) ensurePublicRecord(ctx context.Context, c *Cluster, l *layout) error {
	if !c.Private() {
		return nil
	}
	record := l.hcpZone + "/A/" + l.hcpRecord
	if !c.PublicFQDN() {
		if err := p.arm.Delete(ctx, record, privatedns.ServiceAPIVersion); err != nil {
			return fmt.Errorf("withdrawing the public FQDN: %w", err)
		}
		return nil
	}
	ip, err := p.endpointIP(ctx, l)
	if err != nil {
		return err
	}
	group, _ := arm.ParseID(l.hcpZone)
	if code, _, err := p.arm.Do(ctx, http.MethodGet, group.Group().String(), resources.ServiceAPIVersion, nil); err != nil || code != http.StatusOK {
		if _, err := p.arm.Put(ctx, group.Group().String(), resources.ServiceAPIVersion, map[string]any{"location": c.Location}); err != nil {
			return fmt.Errorf("creating the public DNS group: %w", err)
		}
	}
	if _, err := p.arm.Put(ctx, l.hcpZone, privatedns.ServiceAPIVersion, map[string]any{"location": "global"}); err != nil {
		return fmt.Errorf("creating the public DNS zone: %w", err)
	}
	if _, err := p.arm.Put(ctx, record, privatedns.ServiceAPIVersion, map[string]any{"properties": map[string]any{
		"ttl": 300, "aRecords": []any{map[string]string{"ipv4Address": ip.String()}}}}); err != nil {
		return fmt.Errorf("publishing the public FQDN: %w", err)
	}
	return nil
}
