package cli

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func vmCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "vm", Short: "Manage Linux virtual machines (network namespaces you can SSH into)"}
	g.AddCommand(vmCreateCmd(a), vmShowCmd(a), vmListCmd(a), vmDeleteCmd(a),
		vmPowerCmd(a, "start"), vmPowerCmd(a, "stop"), vmPowerCmd(a, "deallocate"), vmWaitCmd(a), vmRunCommandCmd(a))
	return g
}

// vmDetails is what 'vm show -d' adds to a VM, each a comma-separated
// list as az prints them.
type vmDetails struct {
	PowerState, PublicIPs, FQDNs, PrivateIPs, MACs string
}

// details gathers a VM's power state and addresses from its instance
// view, its NICs and their public IPs, as az's get_vm_details does.
func (c *clients) details(ctx context.Context, vm *armcompute.VirtualMachine) (vmDetails, error) {
	rg, name := idParts(deref(vm.ID))
	iv, err := c.comp.NewVirtualMachinesClient().InstanceView(ctx, rg, name, nil)
	if err != nil {
		return vmDetails{}, err
	}
	var power, public, fqdns, private, macs []string
	for _, s := range iv.Statuses {
		if strings.HasPrefix(deref(s.Code), "PowerState/") {
			power = append(power, deref(s.DisplayStatus))
		}
	}
	var nics []*armcompute.NetworkInterfaceReference
	if p := vm.Properties; p != nil && p.NetworkProfile != nil {
		nics = p.NetworkProfile.NetworkInterfaces
	}
	for _, ref := range nics {
		nrg, nname := idParts(deref(ref.ID))
		nic, err := c.net.NewInterfacesClient().Get(ctx, nrg, nname, nil)
		if err != nil {
			return vmDetails{}, err
		}
		if p := nic.Properties; p != nil {
			if p.MacAddress != nil && *p.MacAddress != "" {
				macs = append(macs, *p.MacAddress)
			}
			for _, ipc := range p.IPConfigurations {
				if ipc.Properties == nil {
					continue
				}
				if ip := deref(ipc.Properties.PrivateIPAddress); ip != "" {
					private = append(private, ip)
				}
				if ipc.Properties.PublicIPAddress == nil {
					continue
				}
				prg, pname := idParts(deref(ipc.Properties.PublicIPAddress.ID))
				pip, err := c.net.NewPublicIPAddressesClient().Get(ctx, prg, pname, nil)
				if err != nil {
					return vmDetails{}, err
				}
				if pp := pip.Properties; pp != nil {
					if ip := deref(pp.IPAddress); ip != "" {
						public = append(public, ip)
					}
					if pp.DNSSettings != nil {
						fqdns = append(fqdns, deref(pp.DNSSettings.Fqdn))
					}
				}
			}
		}
	}
	j := func(s []string) string { return strings.Join(s, ",") }
	return vmDetails{PowerState: j(power), PublicIPs: j(public), FQDNs: j(fqdns), PrivateIPs: j(private), MACs: j(macs)}, nil
}

// withDetails is 'vm show -d': the VM as az prints it plus the details.
func withDetails(vm *armcompute.VirtualMachine, d vmDetails) (map[string]any, error) {
	j, err := shaped(vm, true)
	if err != nil {
		return nil, err
	}
	m, _ := j.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	delete(m, "instanceView")
	m["powerState"], m["publicIps"], m["fqdns"], m["privateIps"], m["macAddresses"] = d.PowerState, d.PublicIPs, d.FQDNs, d.PrivateIPs, d.MACs
	return m, nil
}

// vmSummary is what 'vm create' prints, az's transform_vm_create_output.
func vmSummary(id, location string, zones []*string, d vmDetails) output.Ordered {
	rg, _ := idParts(id)
	zone := ""
	if len(zones) > 0 {
		zone = deref(zones[0])
	}
	return row("id", id, "resourceGroup", rg, "powerState", d.PowerState, "publicIpAddress", d.PublicIPs,
		"fqdns", d.FQDNs, "privateIpAddress", d.PrivateIPs, "macAddress", d.MACs, "location", location, "zones", zone)
}

// vmTable is az's transform_vm, the table of 'vm show' and 'vm list'.
func vmTable(v any) any {
	return mapRows(v, func(m map[string]any) output.Ordered {
		zones := ""
		if z, _ := m["zones"].([]any); len(z) > 0 {
			zones = joinOrBlank(z, ",")
		}
		return row("Name", m["name"], "ResourceGroup", m["resourceGroup"], "PowerState", m["powerState"],
			"PublicIps", m["publicIps"], "Fqdns", m["fqdns"], "Location", m["location"], "Zones", zones)
	})
}

// vmNameFlags adds -g/--resource-group and -n/--name (alias --vm-name).
func vmNameFlags(cmd *cobra.Command, rg, name *string) {
	cmd.Flags().StringVarP(rg, "resource-group", "g", "", "name of the resource group")
	cmd.Flags().StringVarP(name, "name", "n", "", "name of the virtual machine")
	cmd.Flags().StringVar(name, "vm-name", "", "name of the virtual machine")
	_ = cmd.Flags().MarkHidden("vm-name")
	markAlias(cmd, "name", "vm-name")
}

func vmShowCmd(a *App) *cobra.Command {
	var rg, name string
	var show bool
	cmd := a.simple(simpleCmd{use: "show", short: "Get the details of a virtual machine", names: pythonNames, table: vmTable,
		required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			resp, err := c.comp.NewVirtualMachinesClient().Get(ctx, rg, name, nil)
			if err != nil || !show {
				return resp.VirtualMachine, err
			}
			d, err := c.details(ctx, &resp.VirtualMachine)
			if err != nil {
				return nil, err
			}
			return withDetails(&resp.VirtualMachine, d)
		}})
	vmNameFlags(cmd, &rg, &name)
	cmd.Flags().BoolVarP(&show, "show-details", "d", false, "show public IP addresses, FQDNs and power state")
	return cmd
}

func vmListCmd(a *App) *cobra.Command {
	var rg string
	var show bool
	cmd := a.simple(simpleCmd{use: "list", short: "List virtual machines", names: pythonNames, table: vmTable,
		call: func(ctx context.Context, c *clients) (any, error) {
			vc := c.comp.NewVirtualMachinesClient()
			var vms []*armcompute.VirtualMachine
			var err error
			if rg != "" {
				vms, err = collect(ctx, vc.NewListPager(rg, nil),
					func(p armcompute.VirtualMachinesClientListResponse) []*armcompute.VirtualMachine { return p.Value })
			} else {
				vms, err = collect(ctx, vc.NewListAllPager(nil),
					func(p armcompute.VirtualMachinesClientListAllResponse) []*armcompute.VirtualMachine { return p.Value })
			}
			if err != nil || !show {
				return vms, err
			}
			out := []any{}
			for _, vm := range vms {
				d, err := c.details(ctx, vm)
				if err != nil {
					return nil, err
				}
				m, err := withDetails(vm, d)
				if err != nil {
					return nil, err
				}
				out = append(out, m)
			}
			return out, nil
		}})
	cmd.Flags().StringVarP(&rg, "resource-group", "g", "", "only the virtual machines of this resource group")
	cmd.Flags().BoolVarP(&show, "show-details", "d", false, "show public IP addresses, FQDNs and power states")
	return cmd
}

func vmDeleteCmd(a *App) *cobra.Command {
	var rg, name string
	var yes, noWait, force bool
	cmd := a.simple(simpleCmd{use: "delete", short: "Delete a virtual machine (its NIC, public IP and VNet stay)",
		required: []string{"resource-group", "name"},
		check:    func() error { return a.confirm(yes, "Are you sure you want to perform this operation?") },
		call: func(ctx context.Context, c *clients) (any, error) {
			w, err := begun(c.comp.NewVirtualMachinesClient().BeginDelete(ctx, rg, name, nil))
			return a.finish(ctx, noWait, w, err)
		}})
	vmNameFlags(cmd, &rg, &name)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not prompt for confirmation")
	cmd.Flags().BoolVar(&force, "force-deletion", false, "accepted for az compatibility; deletion is always immediate")
	noWaitFlag(cmd, &noWait)
	return cmd
}

// vmPowerCmd is 'vm start', 'vm stop' or 'vm deallocate'.
func vmPowerCmd(a *App, verb string) *cobra.Command {
	var rg, name string
	var noWait, skipShutdown bool
	short := map[string]string{"start": "Start a stopped virtual machine",
		"stop":       "Power off (stop) a running virtual machine; it keeps its addresses",
		"deallocate": "Deallocate a virtual machine: power it off"}[verb]
	cmd := a.simple(simpleCmd{use: verb, short: short, required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			vc := c.comp.NewVirtualMachinesClient()
			var w waiter
			var err error
			switch verb {
			case "start":
				w, err = begun(vc.BeginStart(ctx, rg, name, nil))
			case "stop":
				a.Warn("About to power off the specified VM...\nIt keeps its addresses and is unreachable until 'aksbox vm start'.")
				var opts *armcompute.VirtualMachinesClientBeginPowerOffOptions
				if skipShutdown {
					opts = &armcompute.VirtualMachinesClientBeginPowerOffOptions{SkipShutdown: &skipShutdown}
				}
				w, err = begun(vc.BeginPowerOff(ctx, rg, name, opts))
			default:
				w, err = begun(vc.BeginDeallocate(ctx, rg, name, nil))
			}
			return a.finish(ctx, noWait, w, err)
		}})
	vmNameFlags(cmd, &rg, &name)
	noWaitFlag(cmd, &noWait)
	if verb == "stop" {
		cmd.Flags().BoolVar(&skipShutdown, "skip-shutdown", false, "skip shutdown and power off immediately")
	}
	return cmd
}

func vmWaitCmd(a *App) *cobra.Command {
	var rg, name string
	var w waitFlags
	cmd := a.simple(simpleCmd{use: "wait", short: "Wait until a virtual machine meets a condition", required: []string{"resource-group", "name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			vc := c.comp.NewVirtualMachinesClient()
			return nil, w.wait(ctx, func(ctx context.Context) (string, bool, error) {
				resp, err := vc.Get(ctx, rg, name, nil)
				if isNotFound(err) {
					return "", false, nil
				}
				if err != nil || resp.Properties == nil {
					return "", err == nil, err
				}
				return deref(resp.Properties.ProvisioningState), true, nil
			})
		}})
	vmNameFlags(cmd, &rg, &name)
	w.add(cmd)
	return cmd
}
