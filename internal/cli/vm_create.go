package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/spf13/cobra"
)

// linuxImages are az's image aliases (az 2.45's Linux ones and the newer
// Ubuntu2204 and Debian11): publisher, offer, sku. An aksbox VM runs this
// host's own userland whatever the image; the reference is kept as given.
var linuxImages = []struct{ alias, publisher, offer, sku string }{
	{"CentOS", "OpenLogic", "CentOS", "7.5"},
	{"Debian", "Debian", "debian-10", "10"},
	{"Debian11", "Debian", "debian-11", "11-backports-gen2"},
	{"Flatcar", "kinvolk", "flatcar-container-linux-free", "stable"},
	{"openSUSE-Leap", "SUSE", "opensuse-leap-15-3", "gen2"},
	{"RHEL", "RedHat", "RHEL", "7-LVM"},
	{"SLES", "SUSE", "sles-15-sp3", "gen2"},
	{"UbuntuLTS", "Canonical", "UbuntuServer", "18.04-LTS"},
	{"Ubuntu2204", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"},
}

var urnPattern = regexp.MustCompile(`^([^:]+):([^:]+):([^:]+):([^:]+)$`)

// imageReference resolves --image: an alias, a URN
// (publisher:offer:sku:version) or an image resource ID.
func imageReference(image string) (*armcompute.ImageReference, error) {
	if m := urnPattern.FindStringSubmatch(image); m != nil {
		return &armcompute.ImageReference{Publisher: &m[1], Offer: &m[2], SKU: &m[3], Version: &m[4]}, nil
	}
	if isResourceID(image) {
		return &armcompute.ImageReference{ID: to.Ptr(image)}, nil
	}
	var aliases []string
	for _, i := range linuxImages {
		if strings.EqualFold(i.alias, image) {
			return &armcompute.ImageReference{Publisher: to.Ptr(i.publisher), Offer: to.Ptr(i.offer), SKU: to.Ptr(i.sku), Version: to.Ptr("latest")}, nil
		}
		aliases = append(aliases, "'"+i.alias+"'")
	}
	return nil, fmt.Errorf("Invalid image \"%s\". Use a valid image URN, custom image name, custom image id, VHD blob URI, "+
		"or pick an image from [%s].\nSee vm create -h for more information on specifying an image.", image, strings.Join(aliases, ", "))
}

var badLinuxUser = regexp.MustCompile(`[\\/"\[\]:|<>+=;,?*@#()!A-Z]+|^[$-]`)

// checkAdminUsername applies az's local rules for a Linux admin user; the
// service refuses reserved names.
func checkAdminUsername(u string) error {
	if u == "" {
		return errors.New("admin user name can not be empty")
	}
	if badLinuxUser.MatchString(u) {
		return errors.New(`admin user name cannot contain upper case character A-Z, special characters \/"[]:|<>+=;,?*@#()! or start with $ or -`)
	}
	return nil
}

// keepOrder is az's table transformer of 'vm create', which keeps the
// summary's columns in their order.
func keepOrder(v any) any { return v }

// vmCreate is one 'vm create': the flags, then what it made or found.
type vmCreate struct {
	rg, name, image, size, location, adminUser, computerName string
	customData                                               string // as given: a file or the text itself
	vnet, subnet, vnetPrefix, subnetPrefix, privateIP, zone  string
	publicIP, publicIPSku, publicIPAlloc, authType, password string
	keyValues, nics, tags                                    []string
	generate, noWait                                         bool

	publicIPNone bool // --public-ip-address ""
	keys         []string
	imageRef     *armcompute.ImageReference
}

func vmCreateCmd(a *App) *cobra.Command {
	o := &vmCreate{}
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "create", short: "Create a Linux VM, with the VNet, public IP and NIC it needs",
		names: asIs, required: []string{"resource-group", "name"}, table: keepOrder,
		check: func() error { return o.check(a, cmd) },
		call:  func(ctx context.Context, c *clients) (any, error) { return o.run(ctx, a, c) }})
	f := cmd.Flags()
	vmNameFlags(cmd, &o.rg, &o.name)
	f.StringVar(&o.image, "image", "Ubuntu2204", "image alias (e.g. Ubuntu2204, UbuntuLTS, Debian11) or URN publisher:offer:sku:version")
	f.StringVar(&o.size, "size", "Standard_DS1_v2", "the VM size")
	f.StringVarP(&o.location, "location", "l", "", "location; default: the resource group's location")
	f.StringVar(&o.adminUser, "admin-username", "azureuser", "username for the VM")
	f.StringVar(&o.computerName, "computer-name", "", "the VM's host name; default: the VM name")
	f.StringVar(&o.customData, "custom-data", "", "custom init script file or text (cloud-init: a shell script, or #cloud-config with write_files, packages, runcmd), run once at first boot")
	f.StringVar(&o.authType, "authentication-type", "ssh", "ssh (aksbox VMs take SSH keys only)")
	f.StringVar(&o.password, "admin-password", "", "not supported: aksbox VMs take SSH keys only")
	multiFlag(f, &o.keyValues, "ssh-key-values", "", nil, "space-separated SSH public key files or keys (default: ~/.ssh/id_rsa.pub)")
	f.BoolVar(&o.generate, "generate-ssh-keys", false, "generate ~/.ssh/id_rsa and id_rsa.pub if missing")
	f.StringVar(&o.vnet, "vnet-name", "", "name of the virtual network when creating a new one or referencing an existing one")
	f.StringVar(&o.vnetPrefix, "vnet-address-prefix", "10.0.0.0/16", "address prefix of a new VNet")
	f.StringVar(&o.subnet, "subnet", "", "name (of a new or existing subnet) or ID of an existing subnet")
	f.StringVar(&o.subnetPrefix, "subnet-address-prefix", "10.0.0.0/24", "address prefix of a new subnet")
	f.StringVar(&o.privateIP, "private-ip-address", "", "static private IP address (e.g. 10.0.0.5)")
	f.StringVar(&o.publicIP, "public-ip-address", "", "name or ID of the public IP to create or use; \"\" for none")
	f.StringVar(&o.publicIPSku, "public-ip-sku", "Standard", "Basic or Standard")
	f.StringVar(&o.publicIPAlloc, "public-ip-address-allocation", "", "static or dynamic (default: static for Standard)")
	multiFlag(f, &o.nics, "nics", "", nil, "names or IDs of existing NICs to attach; the first is primary")
	f.StringVarP(&o.zone, "zone", "z", "", "availability zone")
	multiFlag(f, &o.tags, "tags", "", nil, "space-separated tags: key[=value] [key[=value] ...]")
	noWaitFlag(cmd, &o.noWait)
	azArgs(cmd, false)
	return cmd
}

// check validates the flags and resolves the SSH keys, as az's validators
// do before anything is created.
func (o *vmCreate) check(a *App, cmd *cobra.Command) error {
	var err error
	if o.publicIPSku, err = choice("public-ip-sku", o.publicIPSku, "Basic", "Standard"); err != nil {
		return err
	}
	if o.publicIPAlloc != "" {
		if o.publicIPAlloc, err = choice("public-ip-address-allocation", o.publicIPAlloc, "dynamic", "static"); err != nil {
			return err
		}
	}
	if _, err := choice("authentication-type", o.authType, "ssh", "password", "all"); err != nil {
		return err
	}
	if o.password != "" || !strings.EqualFold(o.authType, "ssh") {
		return errors.New("aksbox VMs accept SSH key authentication only; give --ssh-key-values or --generate-ssh-keys instead of a password")
	}
	if o.imageRef, err = imageReference(o.image); err != nil {
		return err
	}
	if o.customData != "" {
		// As az does: the file's content when the value names a file.
		if b, err := os.ReadFile(o.customData); err == nil {
			o.customData = string(b)
		}
		o.customData = base64.StdEncoding.EncodeToString([]byte(o.customData))
	}
	if err := checkAdminUsername(o.adminUser); err != nil {
		return err
	}
	o.publicIPNone = cmd.Flags().Changed("public-ip-address") && (o.publicIP == "" || o.publicIP == `""` || o.publicIP == "''")
	if len(o.nics) > 0 && (o.vnet != "" || o.subnet != "" || o.publicIP != "" || o.privateIP != "") {
		return errors.New("When specifying an existing NIC, do not specify NSG, public IP, ASGs, VNet or subnet.")
	}
	if strings.Contains(o.vnet, "/") || (o.subnet != "" && isResourceID(o.subnet) == (o.vnet != "")) {
		return errors.New("incorrect usage: --subnet ID | --subnet NAME --vnet-name NAME")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	keys, warnings, err := sshKeys(o.keyValues, o.generate, home)
	for _, w := range warnings {
		a.Warn("%s", w)
	}
	o.keys = keys
	return err
}

// run creates what is missing, in az's order (VNet or subnet, public IP,
// NIC), then the VM, and prints az's summary of it.
func (o *vmCreate) run(ctx context.Context, a *App, c *clients) (any, error) {
	tags, err := parseTags(o.tags, nil)
	if err != nil {
		return nil, err
	}
	loc, err := c.location(ctx, o.location, o.rg)
	if err != nil {
		return nil, err
	}
	var vm armcompute.VirtualMachinesClientCreateOrUpdateResponse
	err = a.withProgress(ctx, func(ctx context.Context) error {
		nics, err := o.network(ctx, c, loc, tags)
		if err != nil {
			return err
		}
		p, err := c.comp.NewVirtualMachinesClient().BeginCreateOrUpdate(ctx, o.rg, o.name, o.model(loc, tags, nics), nil)
		if err != nil || o.noWait {
			return err
		}
		vm, err = p.PollUntilDone(ctx, nil)
		return err
	})
	if err != nil || o.noWait {
		return nil, err
	}
	d, err := c.details(ctx, &vm.VirtualMachine)
	if err != nil {
		return nil, err
	}
	return vmSummary(deref(vm.ID), deref(vm.Location), vm.Zones, d), nil
}

// model is the VM resource itself.
func (o *vmCreate) model(loc string, tags map[string]string, nics []*armcompute.NetworkInterfaceReference) armcompute.VirtualMachine {
	var keys []*armcompute.SSHPublicKey
	for _, k := range o.keys {
		keys = append(keys, &armcompute.SSHPublicKey{Path: to.Ptr("/home/" + o.adminUser + "/.ssh/authorized_keys"), KeyData: to.Ptr(k)})
	}
	computer := o.computerName
	if computer == "" {
		computer = o.name
	}
	vm := armcompute.VirtualMachine{Location: to.Ptr(loc), Tags: strPtrMap(tags), Properties: &armcompute.VirtualMachineProperties{
		HardwareProfile: &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypes(o.size))},
		StorageProfile: &armcompute.StorageProfile{ImageReference: o.imageRef, OSDisk: &armcompute.OSDisk{
			CreateOption: to.Ptr(armcompute.DiskCreateOptionTypesFromImage), Caching: to.Ptr(armcompute.CachingTypesReadWrite),
			ManagedDisk: &armcompute.ManagedDiskParameters{StorageAccountType: to.Ptr(armcompute.StorageAccountTypesPremiumLRS)}}},
		OSProfile: &armcompute.OSProfile{ComputerName: to.Ptr(computer), AdminUsername: to.Ptr(o.adminUser),
			LinuxConfiguration: &armcompute.LinuxConfiguration{DisablePasswordAuthentication: to.Ptr(true),
				SSH: &armcompute.SSHConfiguration{PublicKeys: keys}}},
		NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: nics},
	}}
	if o.zone != "" {
		vm.Zones = []*string{to.Ptr(o.zone)}
	}
	if o.customData != "" {
		vm.Properties.OSProfile.CustomData = to.Ptr(o.customData)
	}
	return vm
}
