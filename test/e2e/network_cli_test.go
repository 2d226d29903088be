package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// decodeJSON decodes a JSON object the CLI printed.
func decodeJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return m
}

// jsonOf runs the CLI and decodes its JSON answer.
func (in *instanceT) jsonOf(args ...string) map[string]any {
	in.t.Helper()
	return decodeJSON(in.t, in.mustAksbox(args...))
}

// tsv runs the CLI with -o tsv and returns the trimmed answer.
func (in *instanceT) tsv(args ...string) string {
	in.t.Helper()
	return strings.TrimSpace(in.mustAksbox(append(args, "-o", "tsv")...))
}

// fails runs the CLI expecting exit code want and stderr containing text.
func (in *instanceT) fails(want int, text string, args ...string) {
	in.t.Helper()
	out, errOut, code := in.aksbox(args...)
	if code != want || !strings.HasPrefix(errOut, "ERROR: ") || !strings.Contains(errOut, text) {
		in.t.Errorf("aksbox %s: exit %d (want %d), want %q in\n%s%s", strings.Join(args, " "), code, want, text, out, errOut)
	}
}

// cliGroup registers Microsoft.Network and creates group rg, which is
// deleted when the test ends, so that a failed test leaves no namespaces.
func (in *instanceT) cliGroup(rg string) {
	in.t.Helper()
	in.mustAksbox("provider", "register", "-n", "Microsoft.Network")
	in.mustAksbox("group", "create", "-n", rg, "-l", "westus2")
	in.t.Cleanup(func() { in.aksbox("group", "delete", "-n", rg, "--yes") })
}

// tableRow finds the row of an -o table answer whose first column is
// first, as fields; the header's fields come first.
func tableRow(t *testing.T, table, first string) (header, fields []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[1], "---") {
		t.Fatalf("not a table:\n%s", table)
	}
	for _, l := range lines[2:] {
		if f := strings.Fields(l); len(f) > 0 && f[0] == first {
			return strings.Fields(lines[0]), f
		}
	}
	t.Fatalf("no row %q in\n%s", first, table)
	return nil, nil
}

// The az-shaped network commands: VNets with subnets, subnets, peering
// both ways, public IPs and NICs, printed like az (flattened, with
// resourceGroup), failing like az, and leaving nothing behind.
func TestNetworkCLI(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	in.cliGroup("netcli")
	g := []string{"-g", "netcli"}
	a := func(args ...string) []string { return append(append([]string{}, args...), g...) }

	v1 := in.jsonOf(a("network", "vnet", "create", "-n", "v1", "--address-prefixes", "10.1.0.0/16", "10.11.0.0/16",
		"--subnet-name", "s1", "--subnet-prefixes", "10.1.1.0/24", "--tags", "env=test", "team")...)["newVNet"].(map[string]any)
	subnets := v1["subnets"].([]any)
	s1 := subnets[0].(map[string]any)
	if v1["name"] != "v1" || v1["resourceGroup"] != "netcli" || v1["provisioningState"] != "Succeeded" || v1["location"] != "westus2" ||
		len(subnets) != 1 || s1["addressPrefix"] != "10.1.1.0/24" || s1["resourceGroup"] != "netcli" ||
		len(v1["addressSpace"].(map[string]any)["addressPrefixes"].([]any)) != 2 || v1["tags"].(map[string]any)["team"] != "" {
		t.Fatalf("vnet create: %v", v1)
	}
	// --subnet-name alone: a /24 at the start of the VNet; location from the group.
	if p := in.tsv(a("network", "vnet", "create", "-n", "v2", "--address-prefixes", "10.2.0.0/16", "--subnet-name", "s",
		"--query", "newVNet.subnets[0].addressPrefix")...); p != "10.2.0.0/24" {
		t.Fatalf("default subnet prefix %q", p)
	}
	if h, row := tableRow(t, in.mustAksbox(a("network", "vnet", "show", "-n", "v1", "-o", "table")...), "False"); !strings.Contains(strings.Join(h, " "), "Name ProvisioningState ResourceGroup") ||
		!strings.Contains(strings.Join(row, " "), "v1 Succeeded netcli") {
		t.Errorf("vnet show -o table: %v %v", h, row)
	}
	h, row := tableRow(t, in.mustAksbox(a("network", "vnet", "list", "-o", "table")...), "v1")
	if strings.Join(h, " ") != "Name ResourceGroup Location NumSubnets Prefixes DnsServers DDOSProtection VMProtection" ||
		strings.Join(row, " ") != "v1 netcli westus2 1 10.1.0.0/16, 10.11.0.0/16 False False" {
		t.Errorf("vnet list -o table:\n%v\n%v", h, row)
	}

	// Subnets.
	s2 := in.jsonOf(a("network", "vnet", "subnet", "create", "--vnet-name", "v1", "-n", "s2", "--address-prefixes", "10.11.2.0/24")...)
	if s2["name"] != "s2" || s2["addressPrefix"] != "10.11.2.0/24" || s2["provisioningState"] != "Succeeded" {
		t.Fatalf("subnet create: %v", s2)
	}
	if names := in.tsv(a("network", "vnet", "subnet", "list", "--vnet-name", "v1", "--query", "[].name")...); names != "s1\ns2" {
		t.Fatalf("subnet list: %q", names)
	}
	if p := in.tsv(a("network", "vnet", "subnet", "show", "--vnet-name", "v1", "-n", "s2", "--query", "addressPrefix")...); p != "10.11.2.0/24" {
		t.Fatalf("subnet show: %q", p)
	}
	in.fails(1, "(NetcfgSubnetRangesOverlap)", a("network", "vnet", "subnet", "create", "--vnet-name", "v1", "-n", "s3", "--address-prefixes", "10.1.1.0/25")...)
	in.fails(1, "(NetcfgSubnetRangeOutsideVnet)", a("network", "vnet", "subnet", "create", "--vnet-name", "v1", "-n", "s3", "--address-prefixes", "10.99.0.0/24")...)
	in.mustAksbox(a("network", "vnet", "subnet", "update", "--vnet-name", "v1", "-n", "s2", "--address-prefixes", "10.11.3.0/24")...)
	in.mustAksbox(a("network", "vnet", "subnet", "delete", "--vnet-name", "v1", "-n", "s2")...)
	in.fails(3, "(ResourceNotFound)", a("network", "vnet", "subnet", "show", "--vnet-name", "v1", "-n", "s2")...)

	// Peering: Initiated one way, Connected both ways, by name and by ID.
	pe := in.jsonOf(a("network", "vnet", "peering", "create", "--vnet-name", "v1", "-n", "v1-v2", "--remote-vnet", "v2", "--allow-vnet-access")...)
	if pe["peeringState"] != "Initiated" || pe["allowVirtualNetworkAccess"] != true || pe["allowForwardedTraffic"] != false {
		t.Fatalf("peering one way: %v", pe)
	}
	v1ID := in.tsv(a("network", "vnet", "show", "-n", "v1", "--query", "id")...)
	in.mustAksbox(a("network", "vnet", "peering", "create", "--vnet-name", "v2", "-n", "v2-v1", "--remote-vnet", v1ID, "--allow-vnet-access", "true")...)
	for _, p := range [][2]string{{"v1", "v1-v2"}, {"v2", "v2-v1"}} {
		if st := in.tsv(a("network", "vnet", "peering", "show", "--vnet-name", p[0], "-n", p[1], "--query", "peeringState")...); st != "Connected" {
			t.Errorf("%s peeringState %q", p[1], st)
		}
	}
	if _, row := tableRow(t, in.mustAksbox(a("network", "vnet", "peering", "list", "--vnet-name", "v1", "-o", "table")...), "False"); !strings.Contains(strings.Join(row, " "), "v1-v2 Connected") {
		t.Errorf("peering list -o table: %v", row)
	}
	in.mustAksbox(a("network", "vnet", "create", "-n", "v3", "--address-prefixes", "10.1.0.0/16")...)
	in.fails(1, "(VnetAddressSpacesOverlap)", a("network", "vnet", "peering", "create", "--vnet-name", "v3", "-n", "x", "--remote-vnet", "v1", "--allow-vnet-access")...)
	in.fails(1, "(InvalidResourceReference)", a("network", "vnet", "peering", "create", "--vnet-name", "v3", "-n", "x", "--remote-vnet", "nope")...)

	// Public IPs and NICs.
	pip := in.jsonOf(a("network", "public-ip", "create", "-n", "ip1", "--sku", "standard")...)["publicIp"].(map[string]any)
	addr, _ := pip["ipAddress"].(string)
	if !strings.HasPrefix(addr, "127.") || pip["publicIPAllocationMethod"] != "Static" || pip["sku"].(map[string]any)["name"] != "Standard" {
		t.Fatalf("public-ip create: %v", pip)
	}
	if h, row := tableRow(t, in.mustAksbox(a("network", "public-ip", "show", "-n", "ip1", "-o", "table")...), "ip1"); strings.Join(h, " ") !=
		"Name ResourceGroup Location Zones Address AddressVersion AllocationMethod IdleTimeoutInMinutes ProvisioningState" ||
		strings.Join(row, " ") != "ip1 netcli westus2 "+addr+" IPv4 Static 4 Succeeded" {
		t.Errorf("public-ip show -o table:\n%v\n%v", h, row)
	}
	nic := in.jsonOf(a("network", "nic", "create", "-n", "nic1", "--vnet-name", "v1", "--subnet", "s1", "--public-ip-address", "ip1")...)["NewNIC"].(map[string]any)
	ipc := nic["ipConfigurations"].([]any)[0].(map[string]any)
	if ipc["privateIpAddress"] != "10.1.1.4" || ipc["privateIpAllocationMethod"] != "Dynamic" || ipc["name"] != "ipconfig1" ||
		!strings.HasSuffix(ipc["publicIpAddress"].(map[string]any)["id"].(string), "/publicIPAddresses/ip1") {
		t.Fatalf("nic create: %v", nic)
	}
	s1ID := in.tsv(a("network", "vnet", "subnet", "show", "--vnet-name", "v1", "-n", "s1", "--query", "id")...)
	if ip := in.tsv(a("network", "nic", "create", "-n", "nic2", "--subnet", s1ID, "--private-ip-address", "10.1.1.50",
		"--query", "NewNIC.ipConfigurations[0].[privateIpAddress,privateIpAllocationMethod]")...); ip != "10.1.1.50\nStatic" {
		t.Fatalf("nic create --subnet ID --private-ip-address: %q", ip)
	}
	if names := in.tsv(a("network", "nic", "list", "--query", "[].name")...); names != "nic1\nnic2" {
		t.Errorf("nic list: %q", names)
	}
	if ip := in.tsv(a("network", "nic", "show", "-n", "nic1", "--query", "ipConfigurations[0].privateIpAddress")...); ip != "10.1.1.4" {
		t.Errorf("nic show: %q", ip)
	}
	in.fails(1, "incorrect usage: ( --subnet ID | --subnet NAME --vnet-name NAME)", a("network", "nic", "create", "-n", "nic3", "--subnet", "s1")...)
	in.fails(1, "(PrivateIPAddressInUse)", a("network", "nic", "create", "-n", "nic3", "--vnet-name", "v1", "--subnet", "s1", "--private-ip-address", "10.1.1.4")...)
	in.fails(1, "(InUseSubnetCannotBeDeleted)", a("network", "vnet", "subnet", "delete", "--vnet-name", "v1", "-n", "s1")...)
	in.fails(1, "(PublicIPAddressCannotBeDeleted)", a("network", "public-ip", "delete", "-n", "ip1")...)
	in.mustAksbox(a("network", "nic", "delete", "-n", "nic1")...)
	in.mustAksbox(a("network", "public-ip", "delete", "-n", "ip1")...)
	in.fails(3, "(ResourceNotFound)", a("network", "public-ip", "show", "-n", "ip1")...)

	// Updates, and a peering deleted on one side.
	if dns := in.tsv(a("network", "vnet", "update", "-n", "v2", "--dns-servers", "10.2.0.10", "--query", "dhcpOptions.dnsServers[0]")...); dns != "10.2.0.10" {
		t.Errorf("vnet update --dns-servers: %q", dns)
	}
	in.mustAksbox(a("network", "vnet", "peering", "delete", "--vnet-name", "v1", "-n", "v1-v2")...)
	if st := in.tsv(a("network", "vnet", "peering", "show", "--vnet-name", "v2", "-n", "v2-v1", "--query", "peeringState")...); st != "Disconnected" {
		t.Errorf("peeringState after the other side went: %q", st)
	}

	// Bad input, as az reports it.
	in.fails(2, "the following arguments are required: --resource-group/-g, --name/-n", "network", "vnet", "create")
	in.fails(2, "unrecognized arguments: extra", a("network", "vnet", "show", "-n", "v1", "extra")...)
	in.fails(2, "argument --sku: invalid choice: 'gold'", a("network", "public-ip", "create", "-n", "x", "--sku", "gold")...)
	in.fails(1, "(InvalidCIDRNotation)", a("network", "vnet", "create", "-n", "bad", "--address-prefixes", "10.0.0.1/16")...)
	in.fails(3, "(ResourceNotFound)", a("network", "vnet", "show", "-n", "nope")...)
	in.fails(3, "(ResourceGroupNotFound)", "network", "vnet", "create", "-g", "nogroup", "-n", "x")

	in.mustAksbox("group", "delete", "-n", "netcli", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the group was deleted: %v", ns)
	}
}
