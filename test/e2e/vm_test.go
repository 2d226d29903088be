package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"golang.org/x/crypto/ssh"
)

func newAuthorizedKey(t testing.TB) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

// netLab is a resource group with virtual networks, NICs and VMs made
// through the Azure SDK for Go.
type netLab struct {
	t    testing.TB
	in   *instanceT
	ctx  context.Context
	rg   string
	key  string
	net  *armnetwork.ClientFactory
	comp *armcompute.ClientFactory
}

func newNetLab(t testing.TB, in *instanceT, rg string) *netLab {
	in.mustAksbox("provider", "register", "-n", "Microsoft.Network")
	in.mustAksbox("group", "create", "-n", rg, "-l", "westus2")
	nf, err := armnetwork.NewClientFactory(in.Sub, in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	cf, err := armcompute.NewClientFactory(in.Sub, in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return &netLab{t: t, in: in, ctx: context.Background(), rg: rg, key: newAuthorizedKey(t), net: nf, comp: cf}
}

func (l *netLab) vnet(name, prefix, subnet string) {
	l.t.Helper()
	p, err := l.net.NewVirtualNetworksClient().BeginCreateOrUpdate(l.ctx, l.rg, name, vnetBody(prefix, [2]string{"s", subnet}), nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		l.t.Fatalf("vnet %s: %v", name, err)
	}
}

func (l *netLab) subnetID(vnet string) string {
	return "/subscriptions/" + l.in.Sub + "/resourceGroups/" + l.rg + "/providers/Microsoft.Network/virtualNetworks/" + vnet + "/subnets/s"
}

// nic creates a NIC in vnet's subnet "s" (static IP if ip != "").
func (l *netLab) nic(name, vnet, ip string) (string, error) {
	cfg := &armnetwork.InterfaceIPConfiguration{Name: to.Ptr("ipconfig1"), Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{
		Subnet: &armnetwork.Subnet{ID: to.Ptr(l.subnetID(vnet))}}}
	if ip != "" {
		cfg.Properties.PrivateIPAllocationMethod = to.Ptr(armnetwork.IPAllocationMethodStatic)
		cfg.Properties.PrivateIPAddress = to.Ptr(ip)
	}
	p, err := l.net.NewInterfacesClient().BeginCreateOrUpdate(l.ctx, l.rg, name, armnetwork.Interface{Location: to.Ptr("westus2"),
		Properties: &armnetwork.InterfacePropertiesFormat{IPConfigurations: []*armnetwork.InterfaceIPConfiguration{cfg}}}, nil)
	if err != nil {
		return "", err
	}
	resp, err := p.PollUntilDone(l.ctx, &runtimePoll)
	if err != nil {
		return "", err
	}
	return deref(resp.Properties.IPConfigurations[0].Properties.PrivateIPAddress), nil
}

func (l *netLab) vm(name, nic, key string) error {
	v := armcompute.VirtualMachine{Location: to.Ptr("westus2"), Properties: &armcompute.VirtualMachineProperties{
		HardwareProfile: &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypesStandardB1S)},
		OSProfile: &armcompute.OSProfile{AdminUsername: to.Ptr("azureuser"), ComputerName: to.Ptr(name),
			LinuxConfiguration: &armcompute.LinuxConfiguration{DisablePasswordAuthentication: to.Ptr(true)}},
		NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: []*armcompute.NetworkInterfaceReference{{
			ID: to.Ptr("/subscriptions/" + l.in.Sub + "/resourceGroups/" + l.rg + "/providers/Microsoft.Network/networkInterfaces/" + nic)}}}}}
	if key != "" {
		v.Properties.OSProfile.LinuxConfiguration.SSH = &armcompute.SSHConfiguration{PublicKeys: []*armcompute.SSHPublicKey{{
			Path: to.Ptr("/home/azureuser/.ssh/authorized_keys"), KeyData: to.Ptr(key)}}}
	}
	p, err := l.comp.NewVirtualMachinesClient().BeginCreateOrUpdate(l.ctx, l.rg, name, v, nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	return err
}

// run runs a script on a VM with run-command and returns its message.
func (l *netLab) run(vm, script string) string {
	l.t.Helper()
	p, err := l.comp.NewVirtualMachinesClient().BeginRunCommand(l.ctx, l.rg, vm, armcompute.RunCommandInput{
		CommandID: to.Ptr("RunShellScript"), Script: []*string{to.Ptr(script)}}, nil)
	if err != nil {
		l.t.Fatalf("run-command on %s: %v", vm, err)
	}
	resp, err := p.PollUntilDone(l.ctx, &runtimePoll)
	if err != nil {
		l.t.Fatalf("run-command on %s: %v", vm, err)
	}
	return deref(resp.Value[0].Message)
}

// reaches tells whether a TCP SYN from vm gets to ip: an answer of
// "connection refused" (a RST from the target) means it arrived.
func (l *netLab) reaches(vm, ip string) bool {
	l.t.Helper()
	out := l.run(vm, "timeout 3 bash -c 'echo > /dev/tcp/"+ip+"/9' 2>&1; true")
	return strings.Contains(out, "Connection refused")
}

// VMs through the SDK: NICs get Azure's addresses, VMs are namespaces
// whose reachability follows the VNets and peering, power and run-command
// work, and bad input is refused like Azure.
func TestSDKVirtualMachines(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	l := newNetLab(t, in, "vms")
	l.vnet("va", "10.10.0.0/16", "10.10.1.0/24")
	l.vnet("vb", "10.20.0.0/16", "10.20.1.0/24")
	for _, n := range []struct{ nic, vnet, want string }{{"nic1", "va", "10.10.1.4"}, {"nic2", "va", "10.10.1.5"}, {"nic3", "vb", "10.20.1.4"}} {
		ip, err := l.nic(n.nic, n.vnet, "")
		if err != nil || ip != n.want {
			t.Fatalf("%s: %s %v, want %s", n.nic, ip, err, n.want)
		}
	}
	for _, c := range []struct{ ip, code string }{{"10.10.1.2", "PrivateIPAddressNotInSubnet"}, {"10.10.1.255", "PrivateIPAddressNotInSubnet"},
		{"10.10.1.4", "PrivateIPAddressInUse"}, {"10.99.0.4", "PrivateIPAddressNotInSubnet"}} {
		if _, err := l.nic("bad", "va", c.ip); respCode(err) != c.code {
			t.Errorf("static %s: %v, want %s", c.ip, err, c.code)
		}
	}
	if err := l.vm("nokey", "nic1", ""); respCode(err) != "InvalidParameter" {
		t.Fatalf("VM without a key: %v", err)
	}
	for _, v := range [][2]string{{"vm1", "nic1"}, {"vm2", "nic2"}, {"vm3", "nic3"}} {
		if err := l.vm(v[0], v[1], l.key); err != nil {
			t.Fatalf("%s: %v", v[0], err)
		}
	}
	if err := l.vm("vm4", "nic1", l.key); respCode(err) != "NicInUse" {
		t.Fatalf("second VM on one NIC: %v", err)
	}
	// An update (PATCH) changes what it names and keeps the rest; an empty
	// additionalCapabilities is not returned, as Compute drops it; the
	// NICs change only with a PUT.
	vc := l.comp.NewVirtualMachinesClient()
	up, err := vc.BeginUpdate(l.ctx, l.rg, "vm3", armcompute.VirtualMachineUpdate{Properties: &armcompute.VirtualMachineProperties{
		HardwareProfile:        &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypesStandardB2S)},
		AdditionalCapabilities: &armcompute.AdditionalCapabilities{}}}, nil)
	if err == nil {
		_, err = up.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatalf("updating vm3: %v", err)
	}
	got, err := vc.Get(l.ctx, l.rg, "vm3", nil)
	if err != nil || *got.Properties.HardwareProfile.VMSize != armcompute.VirtualMachineSizeTypesStandardB2S ||
		got.Properties.AdditionalCapabilities != nil || deref(got.Properties.OSProfile.AdminUsername) != "azureuser" {
		t.Fatalf("vm3 after the update: %v %+v", err, got.Properties)
	}
	if _, err := l.nic("nic4", "vb", ""); err != nil {
		t.Fatal(err)
	}
	_, err = vc.BeginUpdate(l.ctx, l.rg, "vm3", armcompute.VirtualMachineUpdate{Properties: &armcompute.VirtualMachineProperties{
		NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: []*armcompute.NetworkInterfaceReference{{
			ID: to.Ptr("/subscriptions/" + l.in.Sub + "/resourceGroups/" + l.rg + "/providers/Microsoft.Network/networkInterfaces/nic4")}}}}}, nil)
	if respCode(err) != "OperationNotAllowed" {
		t.Fatalf("an update changing the NICs: %v", err)
	}
	if out := l.run("vm1", "ip -4 -o addr show dev eth0; cat /etc/resolv.conf"); !strings.Contains(out, "10.10.1.4/24") || !strings.Contains(out, "168.63.129.16") {
		t.Fatalf("vm1 sees:\n%s", out)
	}
	if !l.reaches("vm1", "10.10.1.5") {
		t.Fatal("vm1 cannot reach vm2 in the same subnet")
	}
	if l.reaches("vm1", "10.20.1.4") {
		t.Fatal("vm1 reaches vm3 in an unpeered VNet")
	}
	// Peering: one direction is not enough; both directions connect.
	l.peer("va", "a-b", "vb")
	if l.reaches("vm1", "10.20.1.4") {
		t.Fatal("vm1 reaches vm3 with a one-sided peering")
	}
	l.peer("vb", "b-a", "va")
	if !l.reaches("vm1", "10.20.1.4") || !l.reaches("vm3", "10.10.1.4") {
		t.Fatal("no traffic between VNets peered both ways")
	}

	// Deleting what is in use is refused.
	dp, err := l.net.NewInterfacesClient().BeginDelete(l.ctx, l.rg, "nic1", nil)
	if err == nil {
		_, err = dp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if respCode(err) != "NicInUse" {
		t.Fatalf("deleting a NIC in use: %v", err)
	}
	if _, err := l.net.NewSubnetsClient().BeginDelete(l.ctx, l.rg, "va", "s", nil); respCode(err) != "InUseSubnetCannotBeDeleted" {
		t.Fatalf("deleting a subnet in use: %v", err)
	}

	// Power: a stopped VM is unreachable until it starts again.
	pp, err := vc.BeginPowerOff(l.ctx, l.rg, "vm2", nil)
	if err == nil {
		_, err = pp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		t.Fatal(err)
	}
	iv, err := vc.InstanceView(l.ctx, l.rg, "vm2", nil)
	if err != nil || deref(iv.Statuses[1].Code) != "PowerState/stopped" {
		t.Fatalf("instance view of a stopped VM: %v", err)
	}
	if l.reaches("vm1", "10.10.1.5") {
		t.Fatal("vm1 reaches vm2 while it is stopped")
	}
	sp, err := vc.BeginStart(l.ctx, l.rg, "vm2", nil)
	if err == nil {
		_, err = sp.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil || !l.reaches("vm1", "10.10.1.5") {
		t.Fatalf("vm2 after start: %v", err)
	}

	in.mustAksbox("group", "delete", "-n", "vms", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the group was deleted: %v", ns)
	}
}

// publicVM creates a VM with a public IP and returns that IP.
func (l *netLab) publicVM(name, vnet string) string {
	l.t.Helper()
	pp, err := l.net.NewPublicIPAddressesClient().BeginCreateOrUpdate(l.ctx, l.rg, name+"-ip", armnetwork.PublicIPAddress{Location: to.Ptr("westus2"),
		SKU: &armnetwork.PublicIPAddressSKU{Name: to.Ptr(armnetwork.PublicIPAddressSKUNameStandard)}}, nil)
	if err != nil {
		l.t.Fatal(err)
	}
	pip, err := pp.PollUntilDone(l.ctx, &runtimePoll)
	if err != nil {
		l.t.Fatal(err)
	}
	cfg := &armnetwork.InterfaceIPConfiguration{Name: to.Ptr("ipconfig1"), Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{
		Subnet: &armnetwork.Subnet{ID: to.Ptr(l.subnetID(vnet))}, PublicIPAddress: &armnetwork.PublicIPAddress{ID: pip.ID}}}
	np, err := l.net.NewInterfacesClient().BeginCreateOrUpdate(l.ctx, l.rg, name+"-nic", armnetwork.Interface{Location: to.Ptr("westus2"),
		Properties: &armnetwork.InterfacePropertiesFormat{IPConfigurations: []*armnetwork.InterfaceIPConfiguration{cfg}}}, nil)
	if err == nil {
		_, err = np.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		l.t.Fatal(err)
	}
	if err := l.vm(name, name+"-nic", l.key); err != nil {
		l.t.Fatal(err)
	}
	return deref(pip.Properties.IPAddress)
}

// peer creates a peering from one VNet of the lab to another.
func (l *netLab) peer(from, name, remote string) {
	l.t.Helper()
	p, err := l.net.NewVirtualNetworkPeeringsClient().BeginCreateOrUpdate(l.ctx, l.rg, from, name, armnetwork.VirtualNetworkPeering{
		Properties: &armnetwork.VirtualNetworkPeeringPropertiesFormat{AllowVirtualNetworkAccess: to.Ptr(true),
			RemoteVirtualNetwork: &armnetwork.SubResource{ID: to.Ptr("/subscriptions/" + l.in.Sub + "/resourceGroups/" + l.rg + "/providers/Microsoft.Network/virtualNetworks/" + remote)}}}, nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		l.t.Fatalf("peering %s: %v", name, err)
	}
}
