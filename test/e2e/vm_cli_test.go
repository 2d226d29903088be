package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
)

// The az-shaped VM commands: vm create makes what is missing like az and
// prints az's summary; show -d, list, run-command, power, wait, delete;
// 'aksbox ssh vm' runs ssh with the VM's address; az's errors.
func TestVMCLI(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	in.cliGroup("vmcli")
	a := func(args ...string) []string { return append(append([]string{}, args...), "-g", "vmcli") }
	home := t.TempDir()
	t.Setenv("HOME", home) // the CLI's ~ for --generate-ssh-keys

	// Without a key and without --generate-ssh-keys: az's error, nothing made.
	in.fails(1, "An RSA key file or key value must be supplied to SSH Key Value. You can use --generate-ssh-keys to let CLI generate one for you",
		a("vm", "create", "-n", "vm1")...)
	out, errOut, code := in.aksbox(a("vm", "create", "-n", "vm1", "--generate-ssh-keys")...)
	if code != 0 || !strings.Contains(errOut, "have been generated under ~/.ssh") {
		t.Fatalf("vm create: exit %d\n%s%s", code, out, errOut)
	}
	sum := decodeJSON(t, out)
	var keys []string
	for k := range sum {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"fqdns", "id", "location", "macAddress", "powerState", "privateIpAddress", "publicIpAddress", "resourceGroup", "zones"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("vm create printed %v", keys)
	}
	pub, _ := sum["publicIpAddress"].(string)
	if sum["powerState"] != "VM running" || sum["privateIpAddress"] != "10.0.0.4" || !strings.HasPrefix(pub, "127.") ||
		sum["resourceGroup"] != "vmcli" || sum["location"] != "westus2" || sum["fqdns"] != "" || sum["zones"] != "" ||
		!strings.HasSuffix(sum["id"].(string), "/resourceGroups/vmcli/providers/Microsoft.Compute/virtualMachines/vm1") {
		t.Fatalf("vm create summary: %v", sum)
	}
	st, err := os.Stat(filepath.Join(home, ".ssh", "id_rsa"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("generated private key: %v %v", st, err)
	}
	// What az makes for it: <vm>VNET 10.0.0.0/16 with <vm>Subnet 10.0.0.0/24, <vm>PublicIP (Standard, Static), <vm>VMNic.
	if v := in.tsv(a("network", "vnet", "show", "-n", "vm1VNET", "--query", "[addressSpace.addressPrefixes[0], subnets[0].name, subnets[0].addressPrefix]")...); v != "10.0.0.0/16\nvm1Subnet\n10.0.0.0/24" {
		t.Errorf("vm1VNET: %q", v)
	}
	if p := in.tsv(a("network", "public-ip", "show", "-n", "vm1PublicIP", "--query", "[sku.name, publicIPAllocationMethod, ipAddress]")...); p != "Standard\nStatic\n"+pub {
		t.Errorf("vm1PublicIP: %q", p)
	}
	in.mustAksbox(a("network", "nic", "show", "-n", "vm1VMNic")...)

	// A second VM reuses the group's VNet (and the key file); one without a public IP.
	if ip := in.tsv(a("vm", "create", "-n", "vm2", "--public-ip-address", "", "--query", "[privateIpAddress, publicIpAddress]")...); ip != "10.0.0.5" {
		t.Fatalf("vm2: %q", ip)
	}
	if n := in.tsv(a("network", "vnet", "list", "--query", "length(@)")...); n != "1" {
		t.Errorf("%s VNets after vm2", n)
	}
	// An existing subnet by name, with a static address.
	if ip := in.tsv(a("vm", "create", "-n", "vm3", "--vnet-name", "vm1VNET", "--subnet", "vm1Subnet", "--private-ip-address", "10.0.0.20",
		"--ssh-key-values", filepath.Join(home, ".ssh", "id_rsa.pub"), "--admin-username", "ops", "--query", "privateIpAddress")...); ip != "10.0.0.20" {
		t.Fatalf("vm3: %q", ip)
	}

	// Inside the VM.
	run := in.jsonOf(a("vm", "run-command", "invoke", "-n", "vm1", "--command-id", "RunShellScript", "--scripts", "ip -4 -o addr show eth0")...)
	v := run["value"].([]any)[0].(map[string]any)
	if msg, _ := v["message"].(string); !strings.Contains(msg, "10.0.0.4/24") || v["code"] != "ProvisioningState/succeeded" ||
		v["displayStatus"] != "Provisioning succeeded" || v["level"] != "Info" || len(v) != 5 {
		t.Fatalf("run-command: %v", run)
	}
	if msg := in.tsv(a("vm", "run-command", "invoke", "-n", "vm2", "--command-id", "RunShellScript", "--scripts", "echo $arg1-$x", "--parameters", "one", "x=two",
		"--query", "value[0].message")...); !strings.Contains(msg, "one-two") {
		t.Errorf("run-command --parameters: %q", msg)
	}

	// show -d, list, power.
	d := in.jsonOf(a("vm", "show", "-n", "vm1", "-d")...)
	if d["powerState"] != "VM running" || d["publicIps"] != pub || d["privateIps"] != "10.0.0.4" || d["fqdns"] != "" ||
		!strings.HasPrefix(d["macAddresses"].(string), "00-0D-3A-") || d["hardwareProfile"].(map[string]any)["vmSize"] != "Standard_DS1_v2" {
		t.Fatalf("vm show -d: %v", d)
	}
	if u := in.tsv(a("vm", "show", "-n", "vm3", "--query", "osProfile.adminUsername")...); u != "ops" {
		t.Errorf("vm3 admin: %q", u)
	}
	h, row := tableRow(t, in.mustAksbox(a("vm", "list", "-d", "-o", "table")...), "vm1")
	if strings.Join(h, " ") != "Name ResourceGroup PowerState PublicIps Fqdns Location Zones" || strings.Join(row, " ") != "vm1 vmcli VM running "+pub+" westus2" {
		t.Errorf("vm list -d -o table:\n%v\n%v", h, row)
	}
	if names := in.tsv("vm", "list", "--query", "[].name"); names != "vm1\nvm2\nvm3" {
		t.Errorf("vm list: %q", names)
	}
	_, errOut, code = in.aksbox(a("vm", "stop", "-n", "vm1")...)
	if code != 0 || !strings.HasPrefix(errOut, "WARNING: About to power off the specified VM...") {
		t.Fatalf("vm stop: %d %s", code, errOut)
	}
	if ps := in.tsv(a("vm", "show", "-d", "-n", "vm1", "--query", "powerState")...); ps != "VM stopped" {
		t.Fatalf("powerState after stop: %q", ps)
	}
	in.fails(1, "(OperationNotAllowed)", a("vm", "run-command", "invoke", "-n", "vm1", "--command-id", "RunShellScript", "--scripts", "true")...)
	in.mustAksbox(a("vm", "start", "-n", "vm1")...)
	if ps := in.tsv(a("vm", "show", "-d", "-n", "vm1", "--query", "powerState")...); ps != "VM running" {
		t.Fatalf("powerState after start: %q", ps)
	}
	in.mustAksbox(a("vm", "deallocate", "-n", "vm3")...)
	if ps := in.tsv(a("vm", "show", "-d", "-n", "vm3", "--query", "powerState")...); ps != "VM deallocated" {
		t.Fatalf("powerState after deallocate: %q", ps)
	}
	in.mustAksbox(a("vm", "wait", "-n", "vm1", "--created", "--interval", "1")...)

	// aksbox ssh vm runs ssh as USER@PUBLIC_IP with the words after --.
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "ssh"), []byte("#!/bin/sh\necho \"ssh $*\"\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fake+":"+os.Getenv("PATH"))
	out, _, code = in.aksbox("ssh", "vm", "-g", "vmcli", "-n", "vm1", "--", "-t", "hostname")
	kh := "-o UserKnownHostsFile=" + in.dir.KnownHostsFile()
	if got := strings.TrimSpace(out); code != 7 || !strings.HasPrefix(got, "ssh "+kh+" -i ") || !strings.HasSuffix(got, "/.ssh/id_rsa azureuser@"+pub+" -t hostname") {
		t.Errorf("ssh vm: exit %d %q", code, out)
	}
	out, _, _ = in.aksbox("ssh", "vm", "--ip", "127.0.0.9", "--local-user", "bob", "-i", "/k", "--port", "2200")
	if strings.TrimSpace(out) != "ssh "+kh+" -i /k -p 2200 bob@127.0.0.9" {
		t.Errorf("ssh vm --ip: %q", out)
	}
	in.fails(1, "does not have a public IP address", a("ssh", "vm", "-n", "vm2")...)

	// Bad input.
	in.fails(1, `Invalid image "Win2022Datacenter"`, a("vm", "create", "-n", "x", "--image", "Win2022Datacenter", "--generate-ssh-keys")...)
	in.fails(1, "incorrect usage: --subnet ID | --subnet NAME --vnet-name NAME", a("vm", "create", "-n", "x", "--subnet", "vm1Subnet")...)
	in.fails(1, "(InvalidParameter)", a("vm", "create", "-n", "x", "--admin-username", "root")...)
	in.fails(2, "the following arguments are required: --resource-group/-g, --name/-n", "vm", "create")
	in.fails(3, "(ResourceNotFound)", a("vm", "show", "-n", "nope")...)
	in.fails(2, "add --yes", a("vm", "delete", "-n", "vm2")...)

	in.mustAksbox(a("vm", "delete", "-n", "vm2", "--yes")...)
	in.fails(3, "(ResourceNotFound)", a("vm", "show", "-n", "vm2")...)
	in.mustAksbox("group", "delete", "-n", "vmcli", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the group was deleted: %v", ns)
	}
}

// 'aksbox ssh vm' with the real OpenSSH client and the key --generate-ssh-keys
// made lands in a shell inside the VM.
func TestVMCLISSH(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "ssh", "install openssh-client")
	in := start(t, "--provider-registration-delay", "0s")
	in.cliGroup("sshcli")
	home := t.TempDir()
	t.Setenv("HOME", home)
	in.mustAksbox("vm", "create", "-g", "sshcli", "-n", "jump", "--generate-ssh-keys", "--vnet-name", "v", "--subnet", "s",
		"--vnet-address-prefix", "10.60.0.0/16", "--subnet-address-prefix", "10.60.1.0/24")
	// OpenSSH finds ~ in the password database, not $HOME: name the key.
	out, errOut, code := in.aksbox("ssh", "vm", "-g", "sshcli", "-n", "jump", "-i", filepath.Join(home, ".ssh", "id_rsa"), "--",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
		"ip -4 -o addr show dev eth0")
	if code != 0 || !strings.Contains(out, "10.60.1.4/24") {
		t.Fatalf("aksbox ssh vm: exit %d\n%s%s", code, out, errOut)
	}
	in.mustAksbox("group", "delete", "-n", "sshcli", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the group was deleted: %v", ns)
	}
}
