package compute

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/sandbox"
	"golang.org/x/crypto/ssh"
)

// SSHPort is where the gateway serves SSH on a VM's public IP.
var SSHPort uint16 = 22

// attachment is a NIC of a VM as the fabric and the gateway need it.
type attachment struct {
	nic    fabric.NIC
	public netip.Addr
	dns    []string // the DNS servers DHCP gives this NIC ("": Azure-provided)
}

func (p *Provider) attachments(ctx context.Context, v *VM) ([]attachment, error) {
	var out []attachment
	for _, ref := range v.Properties.NetworkProfile.NetworkInterfaces {
		st, err := p.rec.Get(ctx, ref.ID)
		if err != nil {
			return nil, fmt.Errorf("reading NIC %s: %w", ref.ID, err)
		}
		var n network.NIC
		if err := arm.Decode(st, &n); err != nil || len(n.Properties.IPConfigurations) == 0 {
			return nil, fmt.Errorf("NIC %s has no IP configuration", ref.ID)
		}
		c := n.Properties.IPConfigurations[0]
		sid, err := arm.ParseID(c.Properties.Subnet.ID)
		if err != nil {
			return nil, err
		}
		ip, err := netip.ParseAddr(c.Properties.PrivateIPAddress)
		if err != nil {
			return nil, err
		}
		a := attachment{nic: fabric.NIC{ID: n.ID, VNet: sid.Parent().String(), Subnet: sid.Name(), IP: ip, Host: v.ID}}
		if a.dns, err = network.DNSServersOf(ctx, p.rec, &n); err != nil {
			return nil, err
		}
		// The NIC keeps its MAC across stop/start, so neighbours' caches stay right.
		if mac, err := net.ParseMAC(strings.ReplaceAll(n.Properties.MacAddress, "-", ":")); err == nil {
			a.nic.MAC = mac
		}
		if c.Properties.PublicIPAddress != nil {
			if pst, err := p.rec.Get(ctx, c.Properties.PublicIPAddress.ID); err == nil {
				var pip network.PublicIP
				_ = arm.Decode(pst, &pip)
				a.public, _ = netip.ParseAddr(pip.Properties.IPAddress)
			}
		}
		out = append(out, a)
	}
	return out, nil
}

func (p *Provider) sshTarget(v *VM) *SSHTarget {
	t := &SSHTarget{User: v.Properties.OSProfile.AdminUsername, Netns: p.fab.HostNamespace(v.ID), VMName: v.Name, VMID: v.ID}
	for _, k := range v.publicKeys() {
		if pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k)); err == nil {
			t.Keys = append(t.Keys, pk)
		}
	}
	return t
}

// publicKeys are the authorized keys of the VM's admin user, as sent.
func (v *VM) publicKeys() []string {
	var keys []string
	if os := v.Properties.OSProfile; os != nil && os.LinuxConfiguration != nil && os.LinuxConfiguration.SSH != nil {
		for _, k := range os.LinuxConfiguration.SSH.PublicKeys {
			keys = append(keys, strings.TrimSpace(k.KeyData))
		}
	}
	return keys
}

func power(st *arm.Stored) string {
	if in := internalOf(st); in.Power != "" {
		return in.Power
	}
	return Running
}

func internalOf(st *arm.Stored) vmInternal {
	var in vmInternal
	_ = json.Unmarshal(st.Internal, &in)
	return in
}

// spec is what booting the VM's sandbox takes: its computer name, admin
// user and keys, and the custom data (kept aside: Compute never returns it).
func (p *Provider) spec(v *VM, st *arm.Stored) sandbox.Spec {
	s := sandbox.Spec{ID: v.ID, Netns: p.fab.HostNamespace(v.ID), Hostname: v.Name}
	if os := v.Properties.OSProfile; os != nil {
		if os.ComputerName != "" {
			s.Hostname = os.ComputerName
		}
		s.User = os.AdminUsername
	}
	s.Keys = v.publicKeys()
	s.CustomData, _ = base64.StdEncoding.DecodeString(internalOf(st).CustomData)
	return s
}

// realizeVM makes the VM's namespace, plugs its NICs into their subnets,
// boots its sandbox and serves SSH on its public IPs; a stopped VM keeps
// its namespace unplugged and its sandbox halted.
func (p *Provider) realizeVM(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var v VM
	if err := arm.Decode(st, &v); err != nil {
		return err
	}
	atts, err := p.attachments(ctx, &v)
	if err != nil {
		return err
	}
	if _, err := p.fab.EnsureHost(v.ID, vmResolvConf(atts)); err != nil {
		return err
	}
	if power(st) != Running {
		if err := p.unplug(atts); err != nil {
			return err
		}
		return p.mach.Halt(v.ID)
	}
	target := p.sshTarget(&v)
	for _, a := range atts {
		if err := p.fab.EnsureNIC(a.nic); err != nil {
			return err
		}
	}
	if err := p.mach.Boot(ctx, p.spec(&v, st)); err != nil {
		return err
	}
	for _, a := range atts {
		if a.public.IsValid() && p.gw != nil {
			if err := p.gw.Set(netip.AddrPortFrom(a.public, SSHPort), target); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Provider) unplug(atts []attachment) error {
	for _, a := range atts {
		if a.public.IsValid() && p.gw != nil {
			if err := p.gw.Set(netip.AddrPortFrom(a.public, SSHPort), nil); err != nil {
				return err
			}
		}
		if err := p.fab.RemoveNIC(a.nic.ID); err != nil {
			return err
		}
	}
	return nil
}

func (p *Provider) unrealizeVM(ctx context.Context, id arm.ResourceID, st *arm.Stored) error {
	var v VM
	if err := arm.Decode(st, &v); err != nil {
		return err
	}
	atts, err := p.attachments(ctx, &v)
	if err != nil {
		p.log.Warn("VM's NICs unreadable while deleting it", "vm", v.ID, "err", err)
	}
	if err := p.unplug(atts); err != nil {
		return err
	}
	if err := p.mach.Remove(v.ID); err != nil {
		return err
	}
	return p.fab.RemoveHost(v.ID)
}

// viewVM returns the VM as stored (the admin password is never kept).
func (p *Provider) viewVM(ctx context.Context, st *arm.Stored) json.RawMessage { return st.Body }

// vmResolvConf is what DHCP gives the VM: the DNS servers of its primary
// NIC (the NIC's own, else its VNet's), else Azure-provided DNS.
func vmResolvConf(atts []attachment) []byte {
	if len(atts) == 0 {
		return network.ResolvConf(nil)
	}
	return network.ResolvConf(atts[0].dns)
}

// RenewDNS gives every VM whose primary NIC is in the virtual network the
// network's current DNS servers. Azure hands them out with the next DHCP
// lease renewal (or a reboot); aksbox renews every lease at once.
func (p *Provider) RenewDNS(ctx context.Context, vnetID string) {
	all, err := p.vms.All(ctx, p.rec)
	if err != nil {
		p.log.Warn("listing VMs to renew their DNS servers", "vnet", vnetID, "err", err)
		return
	}
	for _, st := range all {
		var v VM
		if arm.Decode(st, &v) != nil {
			continue
		}
		atts, err := p.attachments(ctx, &v)
		if err != nil || len(atts) == 0 || !strings.EqualFold(atts[0].nic.VNet, vnetID) {
			continue
		}
		if err := p.fab.SetResolvConf(v.ID, vmResolvConf(atts)); err != nil {
			p.log.Warn("renewing a VM's DNS servers", "vm", v.ID, "err", err)
		}
	}
}
