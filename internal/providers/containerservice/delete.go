package containerservice

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/providers/privatedns"
	"github.com/aksbox/aksbox/internal/providers/resources"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// stopCluster stops the control plane and the node agents and deletes the
// API server's private link service; the node VMs are deallocated, as AKS
// does on stop.
func (p *Provider) stopCluster(ctx context.Context, l *layout) error {
	p.agents.stopUnder(l.nodeGroup + "/")
	p.stopPublic(l.id.String())
	if err := p.opts.Supervisor.Stop(l.id.String()); err != nil {
		return fmt.Errorf("stopping the control plane: %w", err)
	}
	if err := p.deleteLinkService(ctx, l); err != nil {
		return err
	}
	vms, err := p.nodeVMs(ctx, l)
	if err != nil {
		return err
	}
	for _, vm := range vms {
		if _, _, err := p.arm.Do(ctx, "POST", vm+"/deallocate", compute.ServiceAPIVersion, nil); err != nil {
			return fmt.Errorf("deallocating node %s: %w", vm, err)
		}
		if _, err := p.arm.Await(ctx, vm, compute.ServiceAPIVersion); err != nil {
			return err
		}
	}
	return nil
}

// unrealize deletes everything the cluster is made of: agents, control
// plane, the node resource group (nodes, endpoint, zone, default VNet),
// the hidden API server group, the record and link in a zone of the
// customer's, the cluster's Kubernetes state and its folder.
func (p *Provider) unrealize(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	c, in, err := decodeCluster(st)
	if err != nil {
		return err
	}
	l := p.layout(id, c, in)
	p.agents.stopUnder(l.nodeGroup + "/")
	p.stopPublic(l.id.String())
	if err := p.opts.Supervisor.Stop(l.id.String()); err != nil {
		return fmt.Errorf("stopping the control plane: %w", err)
	}
	if c.Private() {
		if err := p.arm.Delete(ctx, l.hcpZone+"/A/"+l.hcpRecord, privatedns.ServiceAPIVersion); err != nil {
			return fmt.Errorf("withdrawing the public FQDN: %w", err)
		}
	}
	if l.zone != "" && !sameGroup(l.zone, l.nodeGroup) {
		// A zone in a group being deleted goes with it, record and link.
		if err := p.arm.Delete(ctx, l.zone+"/A/"+l.record, privatedns.ServiceAPIVersion); err != nil && !groupGoing(err) {
			return fmt.Errorf("removing the API server's DNS record: %w", err)
		}
		if err := p.arm.Delete(ctx, l.link, privatedns.ServiceAPIVersion); err != nil && !groupGoing(err) {
			return fmt.Errorf("removing the private DNS zone's link: %w", err)
		}
	}
	if err := p.arm.Delete(ctx, l.nodeGroup, resources.ServiceAPIVersion); err != nil {
		return fmt.Errorf("deleting the node resource group: %w", err)
	}
	if err := p.arm.Delete(ctx, l.hcpGroup, resources.ServiceAPIVersion); err != nil {
		return fmt.Errorf("deleting the API server's network: %w", err)
	}
	if err := p.deleteKubeState(ctx, controlplane.EtcdPrefix(l.dir, l.etcd)); err != nil {
		return fmt.Errorf("deleting the cluster's Kubernetes state: %w", err)
	}
	if err := os.RemoveAll(l.dir); err != nil {
		return fmt.Errorf("removing the cluster's folder: %w", err)
	}
	return nil
}

// groupGoing tells whether err says the resource's group is being deleted.
func groupGoing(err error) bool {
	var ae *arm.Error
	return errors.As(err, &ae) && ae.Code == "ResourceGroupBeingDeleted"
}

func sameGroup(id, group string) bool {
	a, err := arm.ParseID(id)
	if err != nil {
		return false
	}
	return strings.EqualFold(a.Group().String(), group)
}

// deleteKubeState deletes the Kubernetes objects a control plane stored
// under its etcd prefix.
func (p *Provider) deleteKubeState(ctx context.Context, prefix string) error {
	_, err := p.rec.Store().Client().Delete(ctx, prefix+"/", clientv3.WithPrefix())
	return err
}
