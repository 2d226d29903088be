package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// A Premium registry with public access disabled, reached from a VM in a
// VNet through a private endpoint (group "registry"): the login server
// resolves there only once privatelink.azurecr.io holds the endpoint's
// address and is linked to the VNet, and a real client (curl in the VM)
// then pulls the manifest pushed from the host; the host stays refused.
func TestContainerRegistryPrivateEndpoint(t *testing.T) {
	in := start(t, "--provider-registration-delay", "0s")
	l := newNetLab(t, in, "acrpe")
	t.Cleanup(func() { in.aksbox("group", "delete", "-n", "acrpe", "--yes") })
	in.mustAksbox("provider", "register", "-n", "Microsoft.ContainerRegistry")
	in.mustAksbox("acr", "create", "-g", "acrpe", "-n", "harbor01", "--sku", "Premium", "--admin-enabled", "true", "-o", "none")
	in.mustAksbox("acr", "create", "-g", "acrpe", "-n", "basic01", "--sku", "Basic", "-o", "none")
	regID := in.tsv("acr", "show", "-n", "harbor01", "--query", "id")
	pass := in.tsv("acr", "credential", "show", "-n", "harbor01", "--query", "passwords[0].value")

	// Push from the host while the public endpoint is open, then close it.
	tr := in.registryTransport()
	ref, _ := name.ParseReference("harbor01.azurecr.io/hello/app:v1")
	img, _ := random.Image(4096, 2)
	admin := remote.WithAuth(&authn.Basic{Username: "harbor01", Password: pass})
	if err := remote.Write(ref, img, remote.WithTransport(tr), admin); err != nil {
		t.Fatalf("push: %v", err)
	}
	digest, _ := img.Digest()
	in.mustAksbox("acr", "update", "-n", "harbor01", "--public-network-enabled", "false", "-o", "none")

	l.vnet("app", "10.20.0.0/16", "10.20.1.0/24")
	if _, err := l.nic("jump-nic", "app", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.vm("jump", "jump-nic", l.key); err != nil {
		t.Fatal(err)
	}
	create := func(name, target string, extra ...string) []string {
		return append([]string{"network", "private-endpoint", "create", "-g", "acrpe", "-n", name, "--vnet-name", "app", "--subnet", "s",
			"--private-connection-resource-id", target, "--connection-name", name}, extra...)
	}
	// Only Premium has private endpoints; only the group "registry".
	in.fails(1, "(PremiumSkuRequired)", create("bad", strings.Replace(regID, "harbor01", "basic01", 1), "--group-id", "registry")...)
	in.fails(1, "Private link resource (group ID) 'management' is not supported by registry 'harbor01'", create("bad", regID, "--group-id", "management")...)

	pe := in.jsonOf(create("harbor-pe", regID, "--group-id", "registry")...)
	dns, _ := pe["customDnsConfigs"].([]any)
	if len(dns) != 2 {
		t.Fatalf("customDnsConfigs: %v", pe)
	}
	// An address per member, as Azure gives: the login server's and the
	// regional data endpoint's, each an IP configuration of the NIC.
	ip := dns[0].(map[string]any)["ipAddresses"].([]any)[0].(string)
	dataIP := dns[1].(map[string]any)["ipAddresses"].([]any)[0].(string)
	if dns[0].(map[string]any)["fqdn"] != "harbor01.azurecr.io" || dns[1].(map[string]any)["fqdn"] != "harbor01.westus2.data.azurecr.io" ||
		!strings.HasPrefix(ip, "10.20.1.") || !strings.HasPrefix(dataIP, "10.20.1.") || ip == dataIP {
		t.Fatalf("customDnsConfigs: %v", dns)
	}
	nicID := pe["networkInterfaces"].([]any)[0].(map[string]any)["id"].(string)
	if got := in.tsv("network", "nic", "show", "-g", "acrpe", "-n", nicID[strings.LastIndex(nicID, "/")+1:], "--query", "ipConfigurations[].[privateLinkConnectionProperties.requiredMemberName, privateIpAddress]"); got != "registry\t"+ip+"\nregistry_data_westus2\t"+dataIP {
		t.Fatalf("the endpoint NIC's IP configurations: %q", got)
	}
	if got := in.tsv("acr", "private-endpoint-connection", "list", "-r", "harbor01", "--query", "[].privateLinkServiceConnectionState.status"); got != "Approved" {
		t.Errorf("private-endpoint-connection list: %q", got)
	}
	if got := in.tsv("acr", "show", "-n", "harbor01", "--query", "length(privateEndpointConnections)"); got != "1" {
		t.Errorf("privateEndpointConnections of the registry: %s", got)
	}

	// Without the zone, the login server does not resolve in the VNet.
	if out := l.run("jump", "getent hosts harbor01.azurecr.io || echo unresolved"); !strings.Contains(out, "unresolved") {
		t.Fatalf("resolved without the privatelink zone: %q", out)
	}
	in.mustAksbox("network", "private-dns", "zone", "create", "-g", "acrpe", "-n", "privatelink.azurecr.io", "-o", "none")
	in.mustAksbox("network", "private-dns", "link", "vnet", "create", "-g", "acrpe", "-z", "privatelink.azurecr.io", "-n", "app", "-v", "app", "-e", "false", "-o", "none")
	// The endpoint's zone group writes both of ACR's records.
	zg := func(args ...string) []string {
		return append([]string{"network", "private-endpoint", "dns-zone-group", args[0], "-g", "acrpe", "--endpoint-name", "harbor-pe"}, args[1:]...)
	}
	in.fails(1, "(InvalidResourceReference)", zg("create", "-n", "default", "--private-dns-zone", "privatelink.nowhere.io", "--zone-name", "acr")...)
	group := in.jsonOf(zg("create", "-n", "default", "--private-dns-zone", "privatelink.azurecr.io", "--zone-name", "acr")...)
	sets, _ := group["privateDnsZoneConfigs"].([]any)
	if len(sets) != 1 || len(sets[0].(map[string]any)["recordSets"].([]any)) != 2 {
		t.Fatalf("zone group: %v", group)
	}
	in.fails(1, "(OnlyOnePrivateDnsZoneGroupPerPrivateEndpointAllowed)", zg("create", "-n", "second", "--private-dns-zone", "privatelink.azurecr.io", "--zone-name", "acr")...)
	if got := in.tsv("network", "private-dns", "record-set", "a", "list", "-g", "acrpe", "-z", "privatelink.azurecr.io", "--query", "[].[name, aRecords[0].ipv4Address]"); got != "harbor01\t"+ip+"\nharbor01.westus2.data\t"+dataIP {
		t.Fatalf("records the zone group wrote: %q", got)
	}
	if got := in.tsv(zg("list", "--query", "[].name")...); got != "default" {
		t.Errorf("dns-zone-group list: %q", got)
	}
	if out := l.run("jump", "getent hosts harbor01.azurecr.io"); !strings.Contains(out, ip) {
		t.Fatalf("the login server in the VNet: %q, want %s", out, ip)
	}
	ca, err := os.ReadFile(in.dir.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	script := "cat > /tmp/ca.crt <<'EOF'\n" + string(ca) + "EOF\n" +
		"curl -sS --cacert /tmp/ca.crt -o /dev/null -w '%{http_code}\\n' https://harbor01.azurecr.io/v2/\n" +
		"curl -sS --cacert /tmp/ca.crt -o /dev/null -w 'data %{http_code}\\n' --resolve harbor01.azurecr.io:443:" + dataIP + " https://harbor01.azurecr.io/v2/\n" +
		"curl -sS --cacert /tmp/ca.crt -u harbor01:" + pass + " -D - -H 'Accept: application/vnd.oci.image.manifest.v1+json' https://harbor01.azurecr.io/v2/hello/app/manifests/v1\n"
	out := l.run("jump", script)
	if !strings.Contains(out, "401") || !strings.Contains(out, "data 401") || !strings.Contains(strings.ToLower(out), "docker-content-digest: "+digest.String()) {
		t.Fatalf("pull through the private endpoint:\n%s", out)
	}
	// After a restart the registry answers through the endpoint again.
	in.stop()
	in.restart()
	if out := l.run("jump", script); !strings.Contains(strings.ToLower(out), "docker-content-digest: "+digest.String()) {
		t.Fatalf("pull through the private endpoint after a restart:\n%s", out)
	}
	tr = in.registryTransport()
	// The host is still refused.
	if _, err := remote.Get(ref, remote.WithTransport(tr), admin); err == nil || !strings.Contains(err.Error(), "not allowed access") {
		t.Errorf("the host through the disabled public endpoint: %v", err)
	}

	// Deleting the zone group takes its records; made again, they are back.
	records := func() string {
		return in.tsv("network", "private-dns", "record-set", "a", "list", "-g", "acrpe", "-z", "privatelink.azurecr.io", "--query", "length(@)")
	}
	in.mustAksbox(zg("delete", "-n", "default")...)
	if got := records(); got != "0" {
		t.Errorf("records left after the zone group was deleted: %s", got)
	}
	in.mustAksbox(append(zg("create", "-n", "default", "--private-dns-zone", "privatelink.azurecr.io", "--zone-name", "acr"), "-o", "none")...)
	if got := records(); got != "2" {
		t.Errorf("records of the zone group made again: %s", got)
	}
	// Deleting the endpoint cuts the path and takes its records along;
	// deleting the group removes everything.
	in.mustAksbox("network", "private-endpoint", "delete", "-g", "acrpe", "-n", "harbor-pe")
	if got := in.tsv("network", "private-dns", "record-set", "a", "list", "-g", "acrpe", "-z", "privatelink.azurecr.io", "--query", "length(@)"); got != "0" {
		t.Errorf("records left after the endpoint was deleted: %s", got)
	}
	if out := l.run("jump", "timeout 5 curl -sS --cacert /tmp/ca.crt https://harbor01.azurecr.io/v2/ 2>&1; echo rc=$?"); strings.Contains(out, "UNAUTHORIZED") {
		t.Errorf("the registry answered after the endpoint was deleted: %s", out)
	}
	in.mustAksbox("group", "delete", "-n", "acrpe", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the group was deleted: %v", ns)
	}
}
