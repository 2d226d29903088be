package cli

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// az prints resources flattened, with resourceGroup beside IDs of
// resources in groups, tags untouched, and the Python SDK's spelling for
// the commands built on it.
func TestAzShape(t *testing.T) {
	in := decode(t, `{"id":"/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/n","name":"n",
		"tags":{"KeyIP":"v","properties":"x"},
		"properties":{"provisioningState":"Succeeded","enableIPForwarding":false,"ipConfigurations":[
			{"id":"/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/n/ipConfigurations/c","name":"c",
			 "properties":{"privateIPAddress":"10.0.0.4","subnet":{"id":"/subscriptions/s/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}}}]}}`)
	aaz := decode(t, `{"id":"/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/n","name":"n","resourceGroup":"RG",
		"tags":{"KeyIP":"v","properties":"x"},"provisioningState":"Succeeded","enableIPForwarding":false,"ipConfigurations":[
			{"id":"/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/n/ipConfigurations/c","name":"c","resourceGroup":"RG",
			 "privateIPAddress":"10.0.0.4","subnet":{"id":"/subscriptions/s/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/v/subnets/s","resourceGroup":"other"}}]}`)
	if got := azShape(in, false); !reflect.DeepEqual(got, aaz) {
		t.Errorf("aaz shape:\n%v\nwant\n%v", got, aaz)
	}
	py := azShape(in, true).(map[string]any)
	ipc := py["ipConfigurations"].([]any)[0].(map[string]any)
	if py["enableIpForwarding"] != false || ipc["privateIpAddress"] != "10.0.0.4" || py["tags"].(map[string]any)["KeyIP"] != "v" {
		t.Errorf("python shape: %v", py)
	}
	// A group's own ID names no resource group; a present one is kept.
	g := azShape(decode(t, `{"id":"/subscriptions/s/resourceGroups/rg","resourceGroup":"x"}`), false).(map[string]any)
	if g["resourceGroup"] != "x" {
		t.Errorf("group: %v", g)
	}
	if g := azShape(decode(t, `{"id":"/subscriptions/s/resourceGroups/rg"}`), false).(map[string]any); g["resourceGroup"] != nil {
		t.Errorf("group ID got a resourceGroup: %v", g)
	}
}

func TestPythonCase(t *testing.T) {
	for in, want := range map[string]string{
		"privateIPAddress": "privateIpAddress", "provisionVMAgent": "provisionVmAgent", "enableIPForwarding": "enableIpForwarding",
		"publicIPAllocationMethod": "publicIpAllocationMethod", "vmId": "vmId", "macAddress": "macAddress", "ipConfigurations": "ipConfigurations",
		"resourceID": "resourceId", "IPAddress": "ipAddress", "name": "name", "dnsSettings": "dnsSettings",
	} {
		if got := pythonCase(in); got != want {
			t.Errorf("pythonCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// argparse's nargs='+' and three-state flags on top of pflag.
func TestAzArgs(t *testing.T) {
	run := func(args ...string) (multi, tags []string, b *bool, name string, dash []string, err error) {
		cmd := &cobra.Command{Use: "x", SilenceErrors: true, SilenceUsage: true,
			RunE: func(cmd *cobra.Command, args []string) error { dash = dashArgs(cmd, args); return nil }}
		multiFlag(cmd.Flags(), &multi, "prefixes", "", []string{"default"}, "")
		multiFlag(cmd.Flags(), &tags, "tags", "", nil, "")
		triBoolFlag(cmd.Flags(), &b, "allow", "")
		cmd.Flags().StringVarP(&name, "name", "n", "", "")
		azArgs(cmd, true)
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		err = cmd.Execute()
		return
	}
	m, tags, b, n, dash, err := run("--prefixes", "a", "b", "-n", "x", "--tags", "k=v", "z", "--allow", "false", "--", "extra", "words")
	if err != nil || !reflect.DeepEqual(m, []string{"a", "b"}) || !reflect.DeepEqual(tags, []string{"k=v", "z"}) || b == nil || *b || n != "x" ||
		!reflect.DeepEqual(dash, []string{"extra", "words"}) {
		t.Fatalf("got %v %v %v %q %v %v", m, tags, b, n, dash, err)
	}
	if m, _, b, _, _, err := run("--allow", "-n", "x"); err != nil || b == nil || !*b || !reflect.DeepEqual(m, []string{"default"}) {
		t.Fatalf("bare --allow: %v %v %v", m, b, err)
	}
	for _, args := range [][]string{{"-n", "x", "stray"}, {"--allow", "true", "false"}, {"--allow", "maybe"}, {"--prefixes", "a", "-n", "x", "b"}} {
		if _, _, _, _, _, err := run(args...); err == nil || !strings.Contains(err.Error(), "unrecognized arguments") {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestDefaultSubnetPrefix(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.0/16": "10.0.0.0/24", "10.1.2.0/26": "10.1.2.0/26", "10.0.0.0/24": "10.0.0.0/24"} {
		if got := defaultSubnetPrefix(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestSubnetRef(t *testing.T) {
	c := &Conn{Subscription: "sub"}
	id := "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
	for _, tc := range []struct {
		vnet, subnet, want string
		ok                 bool
	}{
		{"v", "s", id, true}, {"", id, id, true}, {"v", id, "", false}, {"", "s", "", false}, {"v", "", "", false},
	} {
		got, ok := c.subnetRef("rg", tc.vnet, tc.subnet)
		if got != tc.want || ok != tc.ok {
			t.Errorf("subnetRef(%q, %q) = %q %v", tc.vnet, tc.subnet, got, ok)
		}
	}
	if p, err := parseSubnetID(id); err != nil || p != (subnetIDParts{"rg", "v", "s"}) {
		t.Errorf("parseSubnetID: %v %v", p, err)
	}
}

func TestTables(t *testing.T) {
	v := azShape(decode(t, `[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v","name":"v","location":"westus2",
		"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16","10.1.0.0/16"]},"subnets":[{"name":"a"},{"name":"b"}],"enableDdosProtection":false}}]`), false)
	rows := vnetTable(v).([]any)
	want := row("Name", "v", "ResourceGroup", "rg", "Location", "westus2", "NumSubnets", 2, "Prefixes", "10.0.0.0/16, 10.1.0.0/16",
		"DnsServers", " ", "DDOSProtection", false, "VMProtection", false)
	if !reflect.DeepEqual(rows[0], want) {
		t.Errorf("vnet row %v", rows[0])
	}
	p := publicIPTable(map[string]any{"name": "ip", "ipAddress": "127.0.0.2", "zones": []any{"1", "2"}})
	if z, _ := p.(interface{ Get(string) (any, bool) }).Get("Zones"); z != "1 2" {
		t.Errorf("zones %v", z)
	}
}

func TestImagesAndUsers(t *testing.T) {
	for img, offer := range map[string]string{"Ubuntu2204": "0001-com-ubuntu-server-jammy", "ubuntults": "UbuntuServer", "Canonical:o:s:latest": "o"} {
		ref, err := imageReference(img)
		if err != nil || deref(ref.Offer) != offer {
			t.Errorf("%s: %v %v", img, ref, err)
		}
	}
	if _, err := imageReference("Win2022Datacenter"); err == nil || !strings.HasPrefix(err.Error(), `Invalid image "Win2022Datacenter"`) {
		t.Errorf("windows image: %v", err)
	}
	for u, ok := range map[string]bool{"azureuser": true, "Azure": false, "-x": false, "a@b": false, "": false, "bob_1": true} {
		if err := checkAdminUsername(u); (err == nil) != ok {
			t.Errorf("%q: %v", u, err)
		}
	}
}

func TestRunCommandParams(t *testing.T) {
	ps := runCommandParams([]string{"a", "x=1=2", "b"})
	var got []string
	for _, p := range ps {
		got = append(got, *p.Name+"="+*p.Value)
	}
	if want := []string{"arg1=a", "x=1=2", "arg2=b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("%v", got)
	}
}

func TestSubnetDelegations(t *testing.T) {
	got := subnetDelegations([]string{"Microsoft.Network/dnsResolvers", "Microsoft.Web.serverFarms"})
	if len(got) != 2 || *got[0].Name != "0" || *got[0].Properties.ServiceName != "Microsoft.Network/dnsResolvers" ||
		*got[1].Name != "1" || *got[1].Properties.ServiceName != "Microsoft.Web/serverFarms" {
		t.Fatalf("delegations: %+v %+v", got[0], got[1])
	}
	if got := subnetDelegations([]string{""}); got == nil || len(got) != 0 {
		t.Fatalf("an empty --delegations clears them: %v", got)
	}
}
