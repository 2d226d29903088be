package e2e

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The az-shaped private DNS commands: a zone, A records added one by one
// to a set that add-record creates, the other record types, links to
// virtual networks, the service's refusals printed as az prints them, and
// nothing left behind.
func TestPrivateDNSCLI(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	in.cliGroup("dnscli")
	g := []string{"-g", "dnscli"}
	a := func(args ...string) []string { return append(append([]string{}, args...), g...) }
	z := func(args ...string) []string {
		return a(append(append([]string{"network", "private-dns"}, args...), "-z", "contoso.internal")...)
	}
	in.mustAksbox(a("network", "vnet", "create", "-n", "v1", "--address-prefixes", "10.50.0.0/16", "--subnet-name", "s1", "-o", "none")...)
	in.mustAksbox(a("network", "vnet", "create", "-n", "v2", "--address-prefixes", "10.60.0.0/16", "--subnet-name", "s1", "-o", "none")...)

	// Zones: a trailing dot is dropped, as az does; create does not replace.
	zone := in.jsonOf(a("network", "private-dns", "zone", "create", "-n", "contoso.internal.")...)
	if zone["name"] != "contoso.internal" || zone["resourceGroup"] != "dnscli" || zone["location"] != "global" ||
		zone["provisioningState"] != "Succeeded" || zone["numberOfRecordSets"] != 1.0 || zone["maxNumberOfRecordSets"] != 25000.0 {
		t.Fatalf("zone create: %v", zone)
	}
	in.fails(1, "(PreconditionFailed)", a("network", "private-dns", "zone", "create", "-n", "contoso.internal")...)
	if names := in.tsv("network", "private-dns", "zone", "list", "--query", "[].name"); names != "contoso.internal" {
		t.Errorf("zone list of the subscription: %q", names)
	}

	// A records: add-record creates the set, then adds to it.
	db := in.jsonOf(z("record-set", "a", "add-record", "-n", "db", "-a", "10.50.1.10")...)
	if db["name"] != "db" || db["ttl"] != 3600.0 || db["fqdn"] != "db.contoso.internal." || db["resourceGroup"] != "dnscli" {
		t.Fatalf("first add-record: %v", db)
	}
	if _, ok := db["cnameRecord"]; ok {
		t.Errorf("az prints no empty record fields: %v", db)
	}
	in.mustAksbox(z("record-set", "a", "add-record", "-n", "db", "-a", "10.50.1.11")...)
	if ips := in.tsv(z("record-set", "a", "show", "-n", "db", "--query", "aRecords[].ipv4Address")...); ips != "10.50.1.10\n10.50.1.11" {
		t.Fatalf("show after two add-records: %q", ips)
	}
	h, row := tableRow(t, in.mustAksbox(z("record-set", "list", "-o", "table")...), "db")
	if strings.Join(h, " ") != "Name ResourceGroup Ttl Type AutoRegistered Metadata" || strings.Join(row, " ") != "db dnscli 3600 A False" {
		t.Errorf("record-set list -o table:\n%v\n%v", h, row)
	}
	in.fails(1, "Record {'ipv4_address': '10.9.9.9'} not found.", z("record-set", "a", "remove-record", "-n", "db", "-a", "10.9.9.9")...)
	if ips := in.tsv(z("record-set", "a", "remove-record", "-n", "db", "-a", "10.50.1.10", "--query", "aRecords[].ipv4Address")...); ips != "10.50.1.11" {
		t.Fatalf("remove-record: %q", ips)
	}
	// The last record gone, the set goes too.
	if out := in.mustAksbox(z("record-set", "a", "remove-record", "-n", "db", "-a", "10.50.1.11")...); out != "" {
		t.Errorf("removing the last record printed %q", out)
	}
	in.fails(3, "(ResourceNotFound)", z("record-set", "a", "show", "-n", "db")...)

	// Concurrent add-records keep every record (az's read-modify-write
	// would lose some; aksbox's is conditional on the ETag and retried).
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, codes[i] = in.aksbox(z("record-set", "a", "add-record", "-n", "many", "-a", fmt.Sprintf("10.50.2.%d", i+1), "-o", "none")...)
		}()
	}
	wg.Wait()
	ips := strings.Fields(in.tsv(z("record-set", "a", "show", "-n", "many", "--query", "aRecords[].ipv4Address")...))
	if sort.Strings(ips); fmt.Sprint(codes) != "[0 0 0 0]" || strings.Join(ips, " ") != "10.50.2.1 10.50.2.2 10.50.2.3 10.50.2.4" {
		t.Errorf("concurrent add-records: exits %v, records %v", codes, ips)
	}
	in.mustAksbox(z("record-set", "a", "delete", "-n", "many", "--yes")...)

	// The other types, and an empty set with its TTL and metadata.
	if c := in.tsv(z("record-set", "cname", "set-record", "-n", "www", "-c", "app.contoso.internal", "--query", "cnameRecord.cname")...); c != "app.contoso.internal" {
		t.Errorf("cname set-record: %q", c)
	}
	if v := in.tsv(z("record-set", "txt", "add-record", "-n", "note", "-v", "hello", "world", "--query", "txtRecords[0].value[0]")...); v != "helloworld" {
		t.Errorf("txt add-record: %q", v)
	}
	if v := in.tsv(z("record-set", "aaaa", "add-record", "-n", "v6", "-a", "fd00::1", "--query", "aaaaRecords[0].ipv6Address")...); v != "fd00::1" {
		t.Errorf("aaaa add-record: %q", v)
	}
	if v := in.tsv(z("record-set", "a", "create", "-n", "later", "--ttl", "60", "--metadata", "team=net", "--query", "[ttl, metadata.team]")...); v != "60\nnet" {
		t.Errorf("a create: %q", v)
	}
	in.fails(1, "(PreconditionFailed)", z("record-set", "a", "create", "-n", "later")...)
	names := strings.Fields(in.tsv(z("record-set", "list", "--query", "[].name")...))
	if sort.Strings(names); strings.Join(names, " ") != "@ later note v6 www" {
		t.Errorf("record-set list: %v", names)
	}
	in.fails(2, "add --yes", z("record-set", "a", "delete", "-n", "later")...)
	in.mustAksbox(z("record-set", "a", "delete", "-n", "later", "--yes")...)
	in.fails(3, "(ResourceNotFound)", a("network", "private-dns", "record-set", "a", "add-record", "-z", "nozone.internal", "-n", "x", "-a", "10.0.0.1")...)

	// Links: one per VNet and zone; the service's refusal printed az-style.
	link := in.jsonOf(z("link", "vnet", "create", "-n", "l1", "-v", "v1", "-e", "true")...)
	vnet, _ := link["virtualNetwork"].(map[string]any)
	if link["registrationEnabled"] != true || link["virtualNetworkLinkState"] != "Completed" || link["provisioningState"] != "Succeeded" ||
		!strings.HasSuffix(vnet["id"].(string), "/resourceGroups/dnscli/providers/Microsoft.Network/virtualNetworks/v1") {
		t.Fatalf("link vnet create: %v", link)
	}
	if v := in.tsv(z("link", "vnet", "show", "-n", "l1", "--query", "[registrationEnabled, virtualNetworkLinkState]")...); v != "true\nCompleted" {
		t.Errorf("link vnet show: %q", v)
	}
	v1ID := in.tsv(a("network", "vnet", "show", "-n", "v1", "--query", "id")...)
	out, errOut, code := in.aksbox(z("link", "vnet", "create", "-n", "l2", "-v", v1ID, "-e", "false")...)
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "ERROR: (Conflict) ") || !strings.Contains(errOut, "\nCode: Conflict\nMessage: ") ||
		!strings.Contains(errOut, "virtualNetworkLinks/l1") {
		t.Errorf("a second link of the same VNet: exit %d\n%s%s", code, out, errOut)
	}
	in.mustAksbox(z("link", "vnet", "create", "-n", "l2", "-v", "v2", "-e", "false", "-o", "none")...)
	h, row = tableRow(t, in.mustAksbox(z("link", "vnet", "list", "-o", "table")...), "l2")
	if strings.Join(h, " ") != "LinkName ResourceGroup RegistrationEnabled VirtualNetwork LinkState ProvisioningState" ||
		row[2] != "False" || !strings.HasSuffix(row[3], "/virtualNetworks/v2") || row[4] != "Completed" {
		t.Errorf("link vnet list -o table:\n%v\n%v", h, row)
	}
	if _, row := tableRow(t, in.mustAksbox(a("network", "private-dns", "zone", "show", "-n", "contoso.internal", "-o", "table")...), "contoso.internal"); strings.Join(row, " ") !=
		"contoso.internal dnscli 4 25000 2 1000 1 100 Succeeded" {
		t.Errorf("zone show -o table: %v", row)
	}
	in.fails(1, "(CannotDeleteResource)", a("network", "private-dns", "zone", "delete", "-n", "contoso.internal", "--yes")...)
	in.mustAksbox(z("link", "vnet", "delete", "-n", "l2", "--yes")...)
	in.fails(3, "(ResourceNotFound)", z("link", "vnet", "show", "-n", "l2")...)
	in.fails(2, "the following arguments are required: --registration-enabled/-e", z("link", "vnet", "create", "-n", "l3", "-v", "v2")...)

	// The group takes the zone, its link and its VNets with it.
	in.mustAksbox("group", "delete", "-n", "dnscli", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the group was deleted: %v", ns)
	}
}

// The private link commands: a service forwarding to an address in its
// VNet (aksbox has no load balancers, and says so), an endpoint to it in
// another VNet whose address 'show' gives, and nothing left behind.
func TestPrivateLinkCLI(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s")
	in.cliGroup("plcli")
	g := []string{"-g", "plcli"}
	a := func(args ...string) []string { return append(append([]string{}, args...), g...) }
	in.mustAksbox(a("network", "vnet", "create", "-n", "provider", "--address-prefixes", "10.80.0.0/16", "--subnet-name", "s", "--subnet-prefixes", "10.80.1.0/24", "-o", "none")...)
	in.mustAksbox(a("network", "vnet", "create", "-n", "customer", "--address-prefixes", "10.70.0.0/16", "--subnet-name", "s", "--subnet-prefixes", "10.70.1.0/24", "-o", "none")...)
	pls := a("network", "private-link-service", "create", "-n", "svc", "--vnet-name", "provider", "--subnet", "s")

	in.fails(2, "argument --lb-name: aksbox has no load balancers", append(pls, "--lb-name", "lb")...)
	in.fails(2, "give --destination-ip-address IP", append(pls, "--lb-frontend-ip-configs", "fe", "--lb-name", "lb")...)
	in.fails(2, "the following arguments are required: --destination-ip-address", pls...)
	in.fails(1, "(InvalidParameter)", append(pls, "--destination-ip-address", "10.99.0.1")...)
	svc := in.jsonOf(append(pls, "--destination-ip-address", "10.80.1.20")...)
	ipcs, _ := svc["ipConfigurations"].([]any)
	if svc["destinationIPAddress"] != "10.80.1.20" || svc["provisioningState"] != "Succeeded" || svc["resourceGroup"] != "plcli" || len(ipcs) != 1 ||
		ipcs[0].(map[string]any)["name"] != "svc_ipconfig_0" || ipcs[0].(map[string]any)["privateIPAddress"] != "10.80.1.4" {
		t.Fatalf("private-link-service create: %v", svc)
	}
	svcID := svc["id"].(string)

	in.fails(1, "incorrect usage: ( --subnet ID | --subnet NAME --vnet-name NAME)",
		a("network", "private-endpoint", "create", "-n", "ep", "--subnet", "s", "--private-connection-resource-id", svcID, "--connection-name", "c")...)
	in.fails(1, "(InvalidResourceReference)", a("network", "private-endpoint", "create", "-n", "bad", "--vnet-name", "customer", "--subnet", "s",
		"--private-connection-resource-id", strings.TrimSuffix(svcID, "svc")+"nothere", "--connection-name", "c")...)
	ep := in.jsonOf(a("network", "private-endpoint", "create", "-n", "ep", "--vnet-name", "customer", "--subnet", "s",
		"--private-connection-resource-id", svcID, "--connection-name", "conn")...)
	conns, _ := ep["privateLinkServiceConnections"].([]any)
	if ep["provisioningState"] != "Succeeded" || len(conns) != 1 || conns[0].(map[string]any)["name"] != "conn" ||
		conns[0].(map[string]any)["privateLinkServiceConnectionState"].(map[string]any)["status"] != "Approved" {
		t.Fatalf("private-endpoint create: %v", ep)
	}
	addr := in.tsv(a("network", "private-endpoint", "show", "-n", "ep", "--query", "customDnsConfigs[0].ipAddresses[0]")...)
	if addr != "10.70.1.4" {
		t.Fatalf("endpoint address %q, want the customer subnet's first, 10.70.1.4", addr)
	}
	nicID := in.tsv(a("network", "private-endpoint", "show", "-n", "ep", "--query", "networkInterfaces[0].id")...)
	if ip := in.tsv(a("network", "nic", "show", "-n", nicID[strings.LastIndex(nicID, "/")+1:], "--query", "ipConfigurations[0].privateIpAddress")...); ip != addr {
		t.Errorf("the endpoint's NIC has %q, the endpoint says %q", ip, addr)
	}
	if ids := in.tsv(a("network", "private-link-service", "show", "-n", "svc", "--query", "privateEndpointConnections[].privateEndpoint.id")...); !strings.HasSuffix(ids, "/privateEndpoints/ep") {
		t.Errorf("the service's endpoint connections: %q", ids)
	}
	if names := in.tsv("network", "private-endpoint", "list", "--query", "[].name"); names != "ep" {
		t.Errorf("private-endpoint list of the subscription: %q", names)
	}
	if names := in.tsv(a("network", "private-link-service", "list", "--query", "[].name")...); names != "svc" {
		t.Errorf("private-link-service list: %q", names)
	}
	in.fails(1, "(CannotDeletePrivateLinkServiceWithPrivateEndpointConnections)", a("network", "private-link-service", "delete", "-n", "svc")...)
	in.mustAksbox(a("network", "private-endpoint", "delete", "-n", "ep")...)
	in.fails(3, "(ResourceNotFound)", a("network", "private-endpoint", "show", "-n", "ep")...)
	in.mustAksbox(a("network", "private-link-service", "delete", "-n", "svc")...)

	// Made again, and taken with the group.
	in.mustAksbox(append(pls, "--destination-ip-address", "10.80.1.20", "-o", "none")...)
	in.mustAksbox(a("network", "private-endpoint", "create", "-n", "ep", "--vnet-name", "customer", "--subnet", "s",
		"--private-connection-resource-id", svcID, "--connection-name", "conn", "-o", "none")...)
	in.mustAksbox("group", "delete", "-n", "plcli", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the group was deleted: %v", ns)
	}
}
