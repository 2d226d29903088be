package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksbox/aksbox/internal/testenv"
)

// putVNet creates or replaces a VNet of a lab.
func (l *netLab) putVNet(name string, v armnetwork.VirtualNetwork) {
	l.t.Helper()
	p, err := l.net.NewVirtualNetworksClient().BeginCreateOrUpdate(l.ctx, l.rg, name, v, nil)
	if err == nil {
		_, err = p.PollUntilDone(l.ctx, &runtimePoll)
	}
	if err != nil {
		l.t.Fatalf("virtual network %s: %v", name, err)
	}
}

// aksboxFails runs the CLI expecting an ARM error with this code whose
// message says what.
func (in *instanceT) aksboxFails(code, what string, args ...string) {
	in.t.Helper()
	out, stderr, exit := in.aksbox(args...)
	if exit == 0 || !strings.Contains(stderr, "("+code+")") || !strings.Contains(stderr, what) {
		in.t.Fatalf("aksbox %s: want (%s) ...%s..., got exit %d\n%s%s", strings.Join(args, " "), code, what, exit, out, stderr)
	}
}

func jsonOf(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return m
}

// A DNS Private Resolver in a hub: a spoke whose DNS server is the
// resolver's inbound endpoint resolves the hub's private zone through it;
// a forwarding rule for corp.example., its ruleset linked to the spoke,
// sends the spoke's Azure DNS queries to a real dnsmasq in a hub VM
// through the outbound endpoint. Azure's bad inputs are refused with
// nothing half-made, and the group's deletion leaves nothing behind.
func TestDNSPrivateResolver(t *testing.T) {
	needRoot(t)
	for _, tool := range []string{"dnsmasq", "getent"} {
		testenv.Tool(t, tool, "install kubectl, dnsmasq and libc-bin")
	}
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newNetLab(t, in, "dnsr")
	sub := func(vnet, name string) string {
		return "/subscriptions/" + in.Sub + "/resourceGroups/dnsr/providers/Microsoft.Network/virtualNetworks/" + vnet + "/subnets/" + name
	}
	hubID := "/subscriptions/" + in.Sub + "/resourceGroups/dnsr/providers/Microsoft.Network/virtualNetworks/hub"
	spokeID := "/subscriptions/" + in.Sub + "/resourceGroups/dnsr/providers/Microsoft.Network/virtualNetworks/spoke"

	// The hub: VMs in s, the resolver's endpoints in delegated subnets.
	l.vnet("hub", "10.60.0.0/16", "10.60.1.0/24")
	got := jsonOf(t, in.mustAksbox("network", "vnet", "subnet", "create", "-g", "dnsr", "--vnet-name", "hub", "-n", "inbound",
		"--address-prefixes", "10.60.2.0/28", "--delegations", "Microsoft.Network/dnsResolvers"))
	dl, _ := got["delegations"].([]any)
	if len(dl) != 1 {
		t.Fatalf("the inbound subnet's delegations: %v", got)
	}
	d := dl[0].(map[string]any)
	if d["name"] != "0" || d["serviceName"] != "Microsoft.Network/dnsResolvers" || d["id"] != sub("hub", "inbound")+"/delegations/0" ||
		d["type"] != "Microsoft.Network/virtualNetworks/subnets/delegations" || !strings.Contains(toJSON(t, d["actions"]), "subnets/join/action") {
		t.Fatalf("the delegation as az shows it: %v", d)
	}
	in.mustAksbox("network", "vnet", "subnet", "create", "-g", "dnsr", "--vnet-name", "hub", "-n", "outbound",
		"--address-prefixes", "10.60.3.0/28", "--delegations", "Microsoft.Network.dnsResolvers", "-o", "none")
	in.mustAksbox("network", "vnet", "subnet", "create", "-g", "dnsr", "--vnet-name", "hub", "-n", "plain",
		"--address-prefixes", "10.60.4.0/28", "-o", "none")
	in.aksboxFails("InvalidServiceNameOnDelegation", "Microsoft.Network/managedResolvers", "network", "vnet", "subnet", "update",
		"-g", "dnsr", "--vnet-name", "hub", "-n", "plain", "--delegations", "Microsoft.Network/managedResolvers")

	// The hub's private zone.
	in.mustAksbox("network", "private-dns", "zone", "create", "-g", "dnsr", "-n", "hub.internal", "-o", "none")
	in.mustAksbox("network", "private-dns", "link", "vnet", "create", "-g", "dnsr", "-z", "hub.internal", "-n", "hub-link",
		"-v", "hub", "-e", "false", "-o", "none")
	in.mustAksbox("network", "private-dns", "record-set", "a", "add-record", "-g", "dnsr", "-z", "hub.internal", "-n", "db",
		"-a", "10.60.1.50", "-o", "none")

	// The resolver; one per network.
	res := jsonOf(t, in.mustAksbox("dns-resolver", "create", "-g", "dnsr", "-n", "resolver", "--id", hubID))
	if res["dnsResolverState"] != "Connected" || res["provisioningState"] != "Succeeded" || res["location"] != "westus2" {
		t.Fatalf("the resolver: %v", res)
	}
	in.aksboxFails("Conflict", "already referenced by DNS resolver", "dns-resolver", "create", "-g", "dnsr", "-n", "second", "--id", hubID)
	if _, _, code := in.aksbox("dns-resolver", "show", "-g", "dnsr", "-n", "second"); code == 0 {
		t.Fatal("the refused second resolver exists")
	}

	// An inbound endpoint needs a delegated subnet; nothing is left of a refused one.
	ipc := func(subnet string) string {
		return "[{private-ip-address:'',private-ip-allocation-method:Dynamic,id:" + sub("hub", subnet) + "}]"
	}
	in.aksboxFails("BadRequest", "not delegated to Microsoft.Network/dnsResolvers", "dns-resolver", "inbound-endpoint", "create",
		"-g", "dnsr", "--dns-resolver-name", "resolver", "-n", "bad", "--ip-configurations", ipc("plain"))
	if _, _, code := in.aksbox("dns-resolver", "inbound-endpoint", "show", "-g", "dnsr", "--dns-resolver-name", "resolver", "-n", "bad"); code == 0 {
		t.Fatal("the refused inbound endpoint exists")
	}
	ie := jsonOf(t, in.mustAksbox("dns-resolver", "inbound-endpoint", "create", "-g", "dnsr", "--dns-resolver-name", "resolver",
		"-n", "in", "--ip-configurations", ipc("inbound")))
	cfgs, _ := ie["ipConfigurations"].([]any)
	if len(cfgs) != 1 || cfgs[0].(map[string]any)["privateIpAddress"] != "10.60.2.4" || ie["provisioningState"] != "Succeeded" {
		t.Fatalf("the inbound endpoint: %v", ie)
	}
	in.aksboxFails("InUseSubnetCannotBeDeleted", "inboundEndpoints/in", "network", "vnet", "subnet", "delete", "-g", "dnsr",
		"--vnet-name", "hub", "-n", "inbound")
	in.aksboxFails("SubnetMissingRequiredDelegation", "Microsoft.Network/dnsResolvers", "network", "vnet", "subnet", "update",
		"-g", "dnsr", "--vnet-name", "hub", "-n", "inbound", "--delegations", "")

	// A spoke whose DNS server is the inbound endpoint, peered with the hub.
	spoke := vnetBody("10.61.0.0/16", [2]string{"s", "10.61.1.0/24"})
	spoke.Properties.DhcpOptions = &armnetwork.DhcpOptions{DNSServers: []*string{to.Ptr("10.60.2.4")}}
	l.putVNet("spoke", spoke)
	l.peer("hub", "to-spoke", "spoke")
	l.peer("spoke", "to-hub", "hub")
	if _, err := l.nic("client-nic", "spoke", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.vm("client", "client-nic", l.key); err != nil {
		t.Fatal(err)
	}
	if out := l.run("client", "cat /etc/resolv.conf; getent hosts db.hub.internal"); !strings.Contains(out, "nameserver 10.60.2.4") ||
		!strings.Contains(out, "10.60.1.50") {
		t.Fatalf("the hub's zone from the spoke through the inbound endpoint:\n%s", out)
	}
	// A restarted server answers there again.
	in.stop()
	in.restart()
	if out := l.run("client", "getent hosts db.hub.internal"); !strings.Contains(out, "10.60.1.50") {
		t.Fatalf("the inbound endpoint after a restart:\n%s", out)
	}

	// A DNS server VM in the hub: the real dnsmasq.
	if _, err := l.nic("dns-nic", "hub", "10.60.1.9"); err != nil {
		t.Fatal(err)
	}
	if err := l.vm("dns", "dns-nic", l.key); err != nil {
		t.Fatal(err)
	}
	if out := l.run("dns", "/usr/sbin/dnsmasq --no-resolv --no-hosts --address=/corp.example/10.50.0.9 --listen-address=10.60.1.9 --bind-interfaces --pid-file=/run/dnsmasq.pid --log-facility=/dev/null && echo started"); !strings.Contains(out, "started") {
		t.Fatalf("starting dnsmasq in the DNS server VM: %s", out)
	}
	// The VM's dnsmasq as the host sees it.
	pid := processWith(t, "--listen-address=10.60.1.9")
	t.Cleanup(func() { _ = exec.Command("kill", pid).Run() })

	// Outbound endpoint, ruleset, a rule for corp.example. to the DNS VM,
	// a link to the spoke. Rule domains end with a dot.
	oe := jsonOf(t, in.mustAksbox("dns-resolver", "outbound-endpoint", "create", "-g", "dnsr", "--dns-resolver-name", "resolver",
		"-n", "out", "--id", sub("hub", "outbound")))
	rs := jsonOf(t, in.mustAksbox("dns-resolver", "forwarding-ruleset", "create", "-g", "dnsr", "-n", "rules",
		"--outbound-endpoints", "[{id:"+oe["id"].(string)+"}]"))
	if rs["provisioningState"] != "Succeeded" {
		t.Fatalf("the ruleset: %v", rs)
	}
	in.aksboxFails("InvalidParameter", "does not end with a dot", "dns-resolver", "forwarding-rule", "create", "-g", "dnsr",
		"--ruleset-name", "rules", "-n", "nodot", "--domain-name", "corp.example", "--target-dns-servers", "[{ip-address:10.60.1.9,port:53}]")
	if _, _, code := in.aksbox("dns-resolver", "forwarding-rule", "show", "-g", "dnsr", "--ruleset-name", "rules", "-n", "nodot"); code == 0 {
		t.Fatal("the refused rule exists")
	}
	rule := jsonOf(t, in.mustAksbox("dns-resolver", "forwarding-rule", "create", "-g", "dnsr", "--ruleset-name", "rules", "-n", "corp",
		"--domain-name", "corp.example.", "--forwarding-rule-state", "Enabled", "--target-dns-servers", "[{ip-address:10.60.1.9,port:53}]"))
	if rule["forwardingRuleState"] != "Enabled" || !strings.Contains(toJSON(t, rule["targetDnsServers"]), `"port":53`) {
		t.Fatalf("the rule: %v", rule)
	}
	in.mustAksbox("dns-resolver", "vnet-link", "create", "-g", "dnsr", "--ruleset-name", "rules", "-n", "spoke-link", "--id", spokeID, "-o", "none")
	in.aksboxFails("Conflict", "linked to DNS forwarding ruleset", "dns-resolver", "vnet-link", "create", "-g", "dnsr",
		"--ruleset-name", "rules", "-n", "again", "--id", spokeID)

	// The inbound endpoint answers as the hub's Azure DNS, which is not
	// linked to the ruleset: the rule's names are not the hub's.
	if out := l.run("client", "getent hosts app.corp.example || echo unresolved"); !strings.Contains(out, "unresolved") {
		t.Fatalf("a rule of the spoke's ruleset applied at the hub's inbound endpoint:\n%s", out)
	}
	// Network Watcher says why: the source's DNS server is the hub's
	// inbound endpoint, and the ruleset with the matching rule is linked
	// to the spoke, not to the hub.
	out := in.mustAksbox("network", "watcher", "test-connectivity", "-g", "dnsr", "--source-resource", "client",
		"--dest-address", "app.corp.example", "--dest-port", "80")
	for _, want := range []string{`"connectionStatus": "Unreachable"`, "is DNS Private Resolver inbound endpoint 'in'",
		"No DNS forwarding ruleset is linked to this VNet", "ruleset 'rules' has rule 'corp' for corp.example."} {
		if !strings.Contains(out, want) {
			t.Fatalf("test-connectivity: want %q in:\n%s", want, out)
		}
	}
	// Back to Azure-provided DNS in the spoke: the rule forwards.
	l.putVNet("spoke", vnetBody("10.61.0.0/16", [2]string{"s", "10.61.1.0/24"}))
	if out := l.run("client", "cat /etc/resolv.conf; getent hosts app.corp.example; getent hosts db.hub.internal || echo unresolved"); !strings.Contains(out, "nameserver 168.63.129.16") ||
		!strings.Contains(out, "10.50.0.9") || !strings.Contains(out, "unresolved") {
		t.Fatalf("the spoke's Azure DNS with the ruleset linked:\n%s", out)
	}

	// What Azure refuses to delete.
	in.aksboxFails("Conflict", "has endpoints", "dns-resolver", "delete", "-g", "dnsr", "-n", "resolver", "--yes")
	in.aksboxFails("Conflict", "uses it", "dns-resolver", "outbound-endpoint", "delete", "-g", "dnsr", "--dns-resolver-name", "resolver", "-n", "out", "--yes")

	in.mustAksbox("group", "delete", "-n", "dnsr", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
	if running(pid) {
		t.Fatalf("the DNS server VM's dnsmasq (pid %s) outlived the VM", pid)
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
