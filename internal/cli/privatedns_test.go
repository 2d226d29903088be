package cli

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
	"github.com/spf13/cobra"
)

// privateLinkCmds are the command groups of these files, which the lead
// hangs under 'network'.
func privateLinkCmds(a *App) []*cobra.Command {
	return []*cobra.Command{privateDNSCmd(a), privateEndpointCmd(a), privateLinkServiceCmd(a)}
}

// runPrivate runs a command line with the private DNS and private link
// groups under 'network' (added here unless the root has them already),
// and returns what Main would: stdout, stderr and the exit code. Only
// commands that fail before connecting can run: there is no server.
func runPrivate(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &App{Stdout: &out, Stderr: &errb}
	root := NewRoot(a)
	var network *cobra.Command
	for _, c := range root.Commands() {
		if c.Name() == "network" {
			network = c
		}
	}
	if network == nil {
		t.Fatal("no network group")
	}
	have := map[string]bool{}
	for _, c := range network.Commands() {
		have[c.Name()] = true
	}
	for _, c := range privateLinkCmds(a) {
		if !have[c.Name()] {
			network.AddCommand(c)
		}
	}
	root.SetArgs(append(args, "--state-dir", t.TempDir()))
	root.SetOut(&out)
	root.SetErr(&errb)
	code := 0
	if err := root.Execute(); err != nil {
		code = a.printError(err)
	}
	return out.String(), errb.String(), code
}

// Every command of the groups builds and prints its help: no flag is
// defined twice.
func TestPrivateLinkCommandTree(t *testing.T) {
	n := 0
	var walk func(path []string, c *cobra.Command)
	walk = func(path []string, c *cobra.Command) {
		n++
		p := append(append([]string{}, path...), c.Name())
		if _, errOut, code := runPrivate(t, append(append([]string{"network"}, p...), "--help")...); code != 0 {
			t.Errorf("%s --help: exit %d %s", strings.Join(p, " "), code, errOut)
		}
		for _, sub := range c.Commands() {
			walk(p, sub)
		}
	}
	for _, c := range privateLinkCmds(&App{}) {
		walk(nil, c)
	}
	if n < 50 {
		t.Errorf("only %d commands", n)
	}
}

// Bad command lines fail before anything is sent, as az's do.
func TestPrivateDNSUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"zone", "create", "-g", "rg"}, "the following arguments are required: --name/-n"},
		{[]string{"zone", "delete", "-g", "rg", "-n", "z.internal"}, "add --yes (-y)"},
		{[]string{"link", "vnet", "create", "-g", "rg", "-z", "z.internal", "-n", "l", "-v", "v"}, "the following arguments are required: --registration-enabled/-e"},
		{[]string{"link", "vnet", "create", "-g", "rg", "-z", "z.internal", "-n", "l", "-v", "v", "-e", "maybe"}, "unrecognized arguments: maybe"},
		{[]string{"record-set", "a", "add-record", "-g", "rg", "-z", "z.internal", "-n", "db"}, "the following arguments are required: --ipv4-address/-a"},
		{[]string{"record-set", "cname", "set-record", "-g", "rg", "-z", "z.internal", "-c", "x"}, "the following arguments are required: --record-set-name/-n"},
		{[]string{"record-set", "txt", "remove-record", "-g", "rg", "-n", "t", "-v", "x"}, "the following arguments are required: --zone-name/-z"},
		{[]string{"record-set", "a", "delete", "-g", "rg", "-z", "z.internal", "-n", "db"}, "add --yes (-y)"},
		{[]string{"record-set", "list", "-g", "rg"}, "the following arguments are required: --zone-name/-z"},
		{[]string{"record-set", "a", "show", "-g", "rg", "-z", "z", "-n", "x", "extra"}, "unrecognized arguments: extra"},
	} {
		_, errOut, code := runPrivate(t, append([]string{"network", "private-dns"}, tc.args...)...)
		if code != 2 || !strings.HasPrefix(errOut, "ERROR: ") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// -e/--registration-enabled takes az's true/false word, or none for true.
func TestRegistrationEnabledFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-e", "false"}, "false"}, {[]string{"-e", "True"}, "true"}, {[]string{"-e"}, "true"},
		{[]string{"--registration-enabled", "no"}, "false"}, {[]string{"--registration-enabled=yes"}, "true"},
	} {
		cmd := dnsLinkCreateCmd(&App{})
		if err := cmd.Flags().Parse(append([]string{"-g", "rg", "-z", "z", "-n", "l", "-v", "v"}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := cmd.Flags().Lookup("registration-enabled").Value.String(); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.args, got, tc.want)
		}
	}
}

func TestAddRemoveRecords(t *testing.T) {
	p := &armprivatedns.RecordSetProperties{}
	addRecord(p, armprivatedns.RecordTypeA, []string{"10.0.0.1"})
	addRecord(p, armprivatedns.RecordTypeA, []string{"10.0.0.2"})
	if recordCount(p, armprivatedns.RecordTypeA) != 2 || deref(p.ARecords[1].IPv4Address) != "10.0.0.2" {
		t.Fatalf("A records: %v", p.ARecords)
	}
	if err := removeRecord(p, armprivatedns.RecordTypeA, []string{"10.0.0.9"}); err == nil || err.Error() != "Record {'ipv4_address': '10.0.0.9'} not found." {
		t.Fatalf("removing a missing record: %v", err)
	}
	if err := removeRecord(p, armprivatedns.RecordTypeA, []string{"10.0.0.1"}); err != nil || recordCount(p, armprivatedns.RecordTypeA) != 1 {
		t.Fatalf("remove: %v %v", err, p.ARecords)
	}

	addRecord(p, armprivatedns.RecordTypeAAAA, []string{"fd00:0::1"})
	if err := removeRecord(p, armprivatedns.RecordTypeAAAA, []string{"fd00::1"}); err != nil || recordCount(p, armprivatedns.RecordTypeAAAA) != 0 {
		t.Fatalf("AAAA compared by value: %v", err)
	}

	addRecord(p, armprivatedns.RecordTypeCNAME, []string{"a.example"})
	addRecord(p, armprivatedns.RecordTypeCNAME, []string{"b.example"})
	if deref(p.CnameRecord.Cname) != "b.example" || recordCount(p, armprivatedns.RecordTypeCNAME) != 1 {
		t.Fatalf("CNAME set twice: %v", p.CnameRecord)
	}
	if err := removeRecord(p, armprivatedns.RecordTypeCNAME, []string{"whatever"}); err != nil || recordCount(p, armprivatedns.RecordTypeCNAME) != 0 {
		t.Fatalf("CNAME removed whatever its value, as az does: %v", err)
	}

	long := strings.Repeat("x", 300)
	addRecord(p, armprivatedns.RecordTypeTXT, []string{"hello", "world"})
	addRecord(p, armprivatedns.RecordTypeTXT, []string{long})
	if v := p.TxtRecords[0].Value; len(v) != 1 || *v[0] != "helloworld" {
		t.Fatalf("TXT values concatenated: %v", v)
	}
	if v := p.TxtRecords[1].Value; len(v) != 2 || len(*v[0]) != 255 || len(*v[1]) != 45 {
		t.Fatalf("long TXT cut at 255: %d strings", len(v))
	}
	if err := removeRecord(p, armprivatedns.RecordTypeTXT, []string{"hello", "world"}); err != nil {
		t.Fatalf("TXT removed by the words it was added with: %v", err)
	}
	if err := removeRecord(p, armprivatedns.RecordTypeTXT, []string{long[255:], long[:255]}); err != nil || recordCount(p, armprivatedns.RecordTypeTXT) != 0 {
		t.Fatalf("TXT removed by its strings in any order: %v", err)
	}
}

func TestTXTChunks(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []int
	}{
		{[]string{""}, []int{0}}, {[]string{"a", "b"}, []int{2}}, {[]string{strings.Repeat("é", 255)}, []int{255}},
		{[]string{strings.Repeat("a", 200), strings.Repeat("b", 311)}, []int{255, 255, 1}},
	} {
		var got []int
		for _, c := range txtChunks(tc.in) {
			got = append(got, len([]rune(c)))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%d strings: %v, want %v", len(tc.in), got, tc.want)
		}
	}
}

// Record sets print flattened, with resourceGroup and without the record
// lists they have none of.
func TestRecordSetOut(t *testing.T) {
	rs := armprivatedns.RecordSet{ID: to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z.internal/A/db"),
		Name: to.Ptr("db"), Type: to.Ptr("Microsoft.Network/privateDnsZones/A"),
		Properties: &armprivatedns.RecordSetProperties{TTL: to.Ptr[int64](3600), ARecords: []*armprivatedns.ARecord{},
			TxtRecords: []*armprivatedns.TxtRecord{}, IsAutoRegistered: to.Ptr(false), Fqdn: to.Ptr("db.z.internal.")}}
	v, err := recordSetOut(rs)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if _, ok := m["aRecords"]; ok || m["txtRecords"] != nil || m["resourceGroup"] != "rg" || m["isAutoRegistered"] != false || m["fqdn"] != "db.z.internal." {
		t.Fatalf("record set out: %v", m)
	}
	rs.Properties.ARecords = []*armprivatedns.ARecord{{IPv4Address: to.Ptr("10.0.0.1")}}
	rs.Properties.Metadata = map[string]*string{"b": to.Ptr("2"), "a": to.Ptr("1")}
	list, _ := recordSetOut([]*armprivatedns.RecordSet{&rs})
	if len(list.([]any)[0].(map[string]any)["aRecords"].([]any)) != 1 {
		t.Fatalf("list: %v", list)
	}
	want := row("Name", "db", "ResourceGroup", "rg", "Ttl", m["ttl"], "Type", "A", "AutoRegistered", false, "Metadata", `a="1" b="2"`)
	if got := recordSetTable(list).([]any)[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("record set row %v", got)
	}
}

func TestPrivateDNSTables(t *testing.T) {
	z := azShape(decode(t, `{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z.internal","name":"z.internal",
		"properties":{"numberOfRecordSets":2,"maxNumberOfRecordSets":25000,"numberOfVirtualNetworkLinks":1,"maxNumberOfVirtualNetworkLinks":1000,
		"numberOfVirtualNetworkLinksWithRegistration":1,"maxNumberOfVirtualNetworkLinksWithRegistration":100,"provisioningState":"Succeeded"}}`), false)
	want := row("ZoneName", "z.internal", "ResourceGroup", "rg", "RecordSets", 2.0, "MaxRecordSets", 25000.0, "VirtualNetworkLinks", 1.0,
		"MaxVirtualNetworkLinks", 1000.0, "VirtualNetworkLinksWithRegistration", 1.0, "MaxVirtualNetworkLinksWithRegistration", 100.0,
		"ProvisioningState", "Succeeded")
	if got := dnsZoneTable(z); !reflect.DeepEqual(got, want) {
		t.Errorf("zone row %v", got)
	}
	l := azShape(decode(t, `[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z.internal/virtualNetworkLinks/l","name":"l",
		"properties":{"registrationEnabled":true,"virtualNetwork":{"id":"/v"},"virtualNetworkLinkState":"Completed","provisioningState":"Succeeded"}}]`), false)
	wantLink := row("LinkName", "l", "ResourceGroup", "rg", "RegistrationEnabled", true, "VirtualNetwork", "/v", "LinkState", "Completed",
		"ProvisioningState", "Succeeded")
	if got := dnsLinkTable(l).([]any)[0]; !reflect.DeepEqual(got, wantLink) {
		t.Errorf("link row %v", got)
	}
}
