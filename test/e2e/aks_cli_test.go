package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The aks command group as a user types it: the seed's two 'az aks
// create' forms with aksbox in place of az, and show, list, tables,
// get-credentials merged into a kubeconfig, node pools, run command,
// update, wait and delete, printing and failing the way az does.
func TestAKSCLI(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	t.Setenv("HOME", t.TempDir()) // the CLI's ~ for --generate-ssh-keys
	in.mustAksbox("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")
	in.cliGroup("akscli")
	a := func(args ...string) []string { return append(append([]string{}, args...), "-g", "akscli") }

	if v := in.mustAksbox("aks", "get-versions", "-l", "westus2", "-o", "table"); !strings.HasPrefix(v, "KubernetesVersion ") ||
		!strings.Contains(v, "\n1.33.13 ") {
		t.Errorf("get-versions table:\n%s", v)
	}
	in.fails(3, "(ResourceNotFound)", a("aks", "show", "-n", "c1")...)
	in.fails(1, "Please use standard load balancer for private cluster",
		a("aks", "create", "-n", "c1", "--load-balancer-sku", "basic", "--enable-private-cluster", "--generate-ssh-keys")...)

	// The seed's default networking form, with one node.
	out, errOut, code := in.aksbox(a("aks", "create", "-n", "c1", "--load-balancer-sku", "standard", "--enable-private-cluster",
		"--node-count", "1", "--generate-ssh-keys")...)
	if code != 0 || !strings.Contains(errOut, "have been generated under ~/.ssh") {
		t.Fatalf("aks create: exit %d\n%s%s\n%s", code, out, errOut, in.log)
	}
	mc := decodeJSON(t, out)
	fqdn, _ := mc["privateFqdn"].(string)
	prefix := "c1-akscli-" + in.Sub[:6]
	api, _ := mc["apiServerAccessProfile"].(map[string]any)
	pools, _ := mc["agentPoolProfiles"].([]any)
	if mc["name"] != "c1" || mc["resourceGroup"] != "akscli" || mc["provisioningState"] != "Succeeded" || mc["dnsPrefix"] != prefix ||
		!strings.HasPrefix(fqdn, prefix+"-") || !strings.HasSuffix(fqdn, ".privatelink.westus2.azmk8s.io") ||
		mc["nodeResourceGroup"] != "MC_akscli_c1_westus2" || api["enablePrivateCluster"] != true || len(pools) != 1 ||
		pools[0].(map[string]any)["name"] != "nodepool1" || mc["servicePrincipalProfile"].(map[string]any)["clientId"] != "msi" {
		t.Fatalf("aks create printed %s", out)
	}
	in.fails(1, "The cluster 'c1' under resource group 'akscli' already exists.",
		a("aks", "create", "-n", "c1", "--enable-private-cluster", "--generate-ssh-keys")...)

	header, row := tableRow(t, in.mustAksbox(a("aks", "show", "-n", "c1", "-o", "table")...), "c1")
	if want := []string{"Name", "Location", "ResourceGroup", "KubernetesVersion", "CurrentKubernetesVersion", "ProvisioningState", "Fqdn"}; !reflect.DeepEqual(header, want) ||
		row[1] != "westus2" || row[2] != "akscli" || row[5] != "Succeeded" || row[6] != mc["fqdn"] { // az shows fqdn || privateFqdn
		t.Errorf("aks show table: %v %v", header, row)
	}
	if names := in.tsv("aks", "list", "--query", "[].name"); names != "c1" {
		t.Errorf("aks list: %q", names)
	}
	header, row = tableRow(t, in.mustAksbox(a("aks", "nodepool", "list", "--cluster-name", "c1", "-o", "table")...), "nodepool1")
	if header[0] != "Name" || header[len(header)-1] != "Mode" || row[len(row)-1] != "System" {
		t.Errorf("nodepool list table: %v %v", header, row)
	}

	// Credentials merge into a kubeconfig (made 0600), the admin's beside the user's.
	kc := filepath.Join(t.TempDir(), "kube", "config")
	_, errOut, code = in.aksbox(a("aks", "get-credentials", "-n", "c1", "-f", kc)...)
	if code != 0 || errOut != `WARNING: Merged "c1" as current context in `+kc+"\n" {
		t.Fatalf("get-credentials: exit %d %q", code, errOut)
	}
	_, errOut, code = in.aksbox(a("aks", "get-credentials", "-n", "c1", "-f", kc, "--admin")...)
	if code != 0 || errOut != `WARNING: Merged "c1-admin" as current context in `+kc+"\n" {
		t.Fatalf("get-credentials --admin: exit %d %q", code, errOut)
	}
	data, err := os.ReadFile(kc)
	st, _ := os.Stat(kc)
	if err != nil || st.Mode().Perm() != 0o600 || !strings.Contains(string(data), "server: https://"+fqdn+":443\n") ||
		!strings.Contains(string(data), "- name: clusterUser_akscli_c1\n") || !strings.Contains(string(data), "- name: clusterAdmin_akscli_c1\n") ||
		!strings.Contains(string(data), "  name: c1-admin\n") || !strings.Contains(string(data), "current-context: c1-admin\n") {
		t.Fatalf("kubeconfig %v:\n%s", err, data)
	}
	_, errOut, code = in.aksbox(a("aks", "get-credentials", "-n", "c1", "-f", kc, "--overwrite-existing")...)
	if code != 0 || !strings.Contains(errOut, `Merged "c1" as current context`) {
		t.Fatalf("get-credentials --overwrite-existing: exit %d %q", code, errOut)
	}
	if printed := in.mustAksbox(a("aks", "get-credentials", "-n", "c1", "-f", "-")...); !strings.Contains(printed, "clusterUser_akscli_c1") {
		t.Errorf("get-credentials -f -:\n%s", printed)
	}

	// Run command: az's summary line and the logs; the command's own exit
	// code is reported, not returned, as az does.
	out = in.mustAksbox(a("aks", "command", "invoke", "-n", "c1", "--command", "kubectl get nodes")...)
	summary := regexp.MustCompile(`^command started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00, finished at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00 with exitcode=(\d+)\n`)
	if m := summary.FindStringSubmatch(out); m == nil || m[3] != "0" || !strings.Contains(out, " Ready ") {
		t.Errorf("command invoke:\n%s", out)
	}
	out = in.mustAksbox(a("aks", "command", "invoke", "-n", "c1", "--command", "kubectl get nosuchkind")...)
	if m := summary.FindStringSubmatch(out); m == nil || m[3] == "0" {
		t.Errorf("a failing command:\n%s", out)
	}
	if r := in.jsonOf(a("aks", "command", "invoke", "-n", "c1", "--command", "echo hi", "-o", "json")...); r["provisioningState"] != "Succeeded" || r["logs"] != "hi\n" {
		t.Errorf("command invoke -o json: %v", r)
	}

	// The REST call az makes: 202 with a Location under commandResults
	// holding AKS's 32-hex command ID, which answers 202 until done.
	mcPath := "/subscriptions/" + in.Sub + "/resourceGroups/akscli/providers/Microsoft.ContainerService/managedClusters/c1"
	code, _, hdr := in.call("POST", mcPath+"/runCommand?api-version=2022-11-01", `{"command":"echo raw"}`)
	loc := hdr.Get("Location")
	if code != 202 || !regexp.MustCompile(`/commandResults/[0-9a-f]{32}\?api-version=`).MatchString(loc) {
		t.Fatalf("runCommand: %d, Location %q", code, loc)
	}
	waitFor(t, func() bool {
		c, m, _ := in.call("GET", strings.TrimPrefix(loc, in.Endpoint), "")
		return c == 200 && at(m, "properties.logs") == "raw\n" && at(m, "properties.provisioningState") == "Succeeded"
	})
	if e, _ := getJSON(t, in, mcPath+"?api-version=2025-07-01")["eTag"].(string); !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(e) {
		t.Errorf("the cluster's eTag %q", e)
	}

	// Update: tags, and the rules for private clusters.
	if tags := in.jsonOf(a("aks", "update", "-n", "c1", "--tags", "env=dev")...)["tags"]; !reflect.DeepEqual(tags, map[string]any{"env": "dev"}) {
		t.Errorf("update --tags: %v", tags)
	}
	in.fails(1, "--api-server-authorized-ip-ranges is not supported for private cluster",
		a("aks", "update", "-n", "c1", "--api-server-authorized-ip-ranges", "20.0.0.0/8")...)
	in.mustAksbox(a("aks", "wait", "-n", "c1", "--updated", "--interval", "1")...)
	in.mustAksbox(a("aks", "wait", "-n", "c1", "--custom", "powerState.code=='Running'", "--interval", "1")...)

	// Node pools: add, scale, delete, with az's checks.
	pool := in.jsonOf(a("aks", "nodepool", "add", "--cluster-name", "c1", "-n", "user1", "--node-count", "1")...)
	if pool["name"] != "user1" || pool["mode"] != "User" || pool["count"] != 1.0 || pool["resourceGroup"] != "akscli" {
		t.Errorf("nodepool add: %v", pool)
	}
	in.fails(1, "Node pool user1 already exists", a("aks", "nodepool", "add", "--cluster-name", "c1", "-n", "user1")...)
	if n := in.tsv(a("aks", "nodepool", "scale", "--cluster-name", "c1", "-n", "user1", "--node-count", "2", "--query", "count")...); n != "2" {
		t.Errorf("nodepool scale: %q", n)
	}
	in.fails(1, "The new node count is the same as the current node count.",
		a("aks", "nodepool", "scale", "--cluster-name", "c1", "--nodepool-name", "user1", "--node-count", "2")...)
	// A standard load balancer's outbound IP: a public IP AKS manages in
	// the node resource group.
	outIP := in.tsv(a("aks", "show", "-n", "c1", "--query", "networkProfile.loadBalancerProfile.effectiveOutboundIPs[0].id")...)
	if !strings.Contains(outIP, "/resourceGroups/MC_akscli_c1_westus2/providers/Microsoft.Network/publicIPAddresses/") {
		t.Errorf("effective outbound IP: %q", outIP)
	} else if code, ip, _ := in.call("GET", outIP+"?api-version=2024-07-01", ""); code != 200 || ip["tags"].(map[string]any)["aks-managed-type"] != "aks-slb-managed-outbound-ip" {
		t.Errorf("the outbound public IP: %d %v", code, ip)
	}

	// Maintenance configurations are kept as sent; AKS's three names only.
	windows := mcPath + "/maintenanceConfigurations/"
	const windowsAPI = "?api-version=2025-10-01"
	if code, m, _ := in.call("GET", windows+"default"+windowsAPI, ""); code != 404 {
		t.Errorf("a maintenance configuration never made: %d %v", code, m)
	}
	window := `{"properties":{"timeInWeek":[{"day":"Saturday","hourSlots":[1,2]}],"notAllowedTime":[]}}`
	if code, m, _ := in.call("PUT", windows+"default"+windowsAPI, window); code != 201 {
		t.Errorf("PUT maintenance configuration: %d %v", code, m)
	}
	if code, m, _ := in.call("GET", windows+"default"+windowsAPI, ""); code != 200 || m["type"] != "Microsoft.ContainerService/managedClusters/maintenanceConfigurations" ||
		!reflect.DeepEqual(m["properties"].(map[string]any)["timeInWeek"], []any{map[string]any{"day": "Saturday", "hourSlots": []any{1.0, 2.0}}}) {
		t.Errorf("GET maintenance configuration: %d %v", code, m)
	}
	if code, m, _ := in.call("PUT", windows+"weekends"+windowsAPI, window); code != 400 || errCode(m) != "InvalidParameter" {
		t.Errorf("a maintenance configuration AKS does not have: %d %v", code, m)
	}
	if code, m, _ := in.call("PUT", windows+"aksManagedAutoUpgradeSchedule"+windowsAPI, window); code != 400 || !strings.Contains(errMessage(m), "takes maintenanceWindow") {
		t.Errorf("timeInWeek on an upgrade schedule: %d %v", code, m)
	}

	// Upgrade profiles: the one version in use, no upgrade offered.
	up := in.jsonOf(a("aks", "get-upgrades", "-n", "c1")...)
	cp, _ := up["controlPlaneProfile"].(map[string]any)
	if up["name"] != "default" || cp["kubernetesVersion"] != "1.33.13" || cp["osType"] != "Linux" || len(up["agentPoolProfiles"].([]any)) != 2 {
		t.Errorf("aks get-upgrades: %v", up)
	}
	pu := in.jsonOf(a("aks", "nodepool", "get-upgrades", "--cluster-name", "c1", "--nodepool-name", "user1")...)
	if pu["kubernetesVersion"] != "1.33.13" || pu["latestNodeImageVersion"] == nil || !strings.HasSuffix(pu["id"].(string), "/agentPools/user1/upgradeProfiles/default") {
		t.Errorf("aks nodepool get-upgrades: %v", pu)
	}
	if tbl := in.mustAksbox(a("aks", "nodepool", "get-upgrades", "--cluster-name", "c1", "-n", "user1", "-o", "table")...); !strings.Contains(tbl, "None available") {
		t.Errorf("nodepool get-upgrades table:\n%s", tbl)
	}
	in.fails(3, "(ResourceNotFound)", a("aks", "nodepool", "get-upgrades", "--cluster-name", "c1", "-n", "nopool")...)
	in.mustAksbox(a("aks", "nodepool", "delete", "--cluster-name", "c1", "-n", "user1")...)
	in.fails(1, "Node pool user1 doesnt exist", a("aks", "nodepool", "delete", "--cluster-name", "c1", "-n", "user1")...)
	if names := in.tsv(a("aks", "nodepool", "list", "--cluster-name", "c1", "--query", "[].name")...); names != "nodepool1" {
		t.Errorf("pools after delete: %q", names)
	}

	// Stop (az's warning for a private cluster) and start.
	_, errOut, code = in.aksbox(a("aks", "stop", "-n", "c1")...)
	if code != 0 || !strings.HasPrefix(errOut, "WARNING: Your private cluster apiserver IP might get changed") {
		t.Fatalf("aks stop: exit %d %q", code, errOut)
	}
	if s := in.tsv(a("aks", "show", "-n", "c1", "--query", "powerState.code")...); s != "Stopped" {
		t.Errorf("after stop: %q", s)
	}
	in.mustAksbox(a("aks", "start", "-n", "c1")...)
	in.mustAksbox(a("aks", "wait", "-n", "c1", "--custom", "powerState.code=='Running'", "--interval", "1", "--timeout", "120")...)

	// Delete: refused without a terminal or --yes, then gone.
	in.fails(2, "--yes", a("aks", "delete", "-n", "c1")...)
	in.mustAksbox(a("aks", "delete", "-n", "c1", "--yes")...)
	in.fails(3, "(ResourceNotFound)", a("aks", "show", "-n", "c1")...)
	if names := in.tsv("aks", "list", "--query", "[].name"); names != "" {
		t.Errorf("aks list after delete: %q", names)
	}
}

// The seed's advanced networking form, word for word: a cluster in a
// subnet of the user's VNet, created with --no-wait and waited for.
func TestAKSCLIAdvancedNetworking(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	t.Setenv("HOME", t.TempDir())
	in.mustAksbox("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")
	in.cliGroup("aksnet")
	subnet := in.tsv("network", "vnet", "create", "-g", "aksnet", "-n", "vnet", "--address-prefixes", "10.1.0.0/16",
		"--subnet-name", "nodes", "--subnet-prefixes", "10.1.1.0/24", "--query", "newVNet.subnets[0].id")

	out, errOut, code := in.aksbox("aks", "create", "--resource-group", "aksnet", "--name", "c2", "--load-balancer-sku", "standard",
		"--enable-private-cluster", "--network-plugin", "azure", "--vnet-subnet-id", subnet, "--docker-bridge-address", "172.17.0.1/16",
		"--dns-service-ip", "10.2.0.10", "--service-cidr", "10.2.0.0/24", "--node-count", "1", "--generate-ssh-keys", "--no-wait")
	if code != 0 || out != "" || !strings.Contains(errOut, "WARNING: Argument '--docker-bridge-address' has been deprecated") {
		t.Fatalf("aks create --no-wait: exit %d\n%s%s", code, out, errOut)
	}
	in.mustAksbox("aks", "wait", "-g", "aksnet", "-n", "c2", "--created", "--interval", "1", "--timeout", "600")
	mc := in.jsonOf("aks", "show", "-g", "aksnet", "-n", "c2")
	np, _ := mc["networkProfile"].(map[string]any)
	pool, _ := mc["agentPoolProfiles"].([]any)[0].(map[string]any)
	if mc["provisioningState"] != "Succeeded" || np["networkPlugin"] != "azure" || np["dnsServiceIp"] != "10.2.0.10" ||
		np["serviceCidr"] != "10.2.0.0/24" || !strings.EqualFold(np["loadBalancerSku"].(string), "standard") || !strings.EqualFold(pool["vnetSubnetId"].(string), subnet) {
		t.Fatalf("aks show: %v", mc)
	}
	in.mustAksbox("aks", "delete", "-g", "aksnet", "-n", "c2", "--yes")
}
