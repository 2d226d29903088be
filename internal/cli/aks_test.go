package cli

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
)

const testSub = "8ecadf0c-1234-4321-abcd-0123456789ab"

func TestDefaultDNSPrefix(t *testing.T) {
	for _, c := range []struct{ name, rg, want string }{
		{"c1", "rg", "c1-rg-8ecadf"},
		{"cliakstest000001", "clitest000001", "cliakstest-clitest000001-8ecadf"},
		{"my_cluster.prod", "my-resource-group-with-a-long-name", "myclusterp-my-resource-grou-8ecadf"},
		{"1cluster", "rg", "a1cluster-rg-8ecadf"},            // must start with a letter
		{"-cluster-name", "rg", "a-cluster--rg-8ecadf"},      // so must a dash
		{"12345678901", "rg.x(y)", "a123456789-rgxy-8ecadf"}, // 'a' + name, cut to 10
	} {
		if got := defaultDNSPrefix(c.name, c.rg, testSub); got != c.want {
			t.Errorf("defaultDNSPrefix(%q, %q) = %q, want %q", c.name, c.rg, got, c.want)
		}
	}
}

// createBody parses 'aks create' flags like the CLI, runs its checks and
// returns the JSON body it would send.
func createBody(t *testing.T, args ...string) (map[string]any, string, error) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	var errb bytes.Buffer
	a := &App{Stdout: &bytes.Buffer{}, Stderr: &errb}
	cmd, o := aksCreateCommand(a)
	if err := cmd.ParseFlags(args); err != nil {
		return nil, "", err
	}
	if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
		return nil, "", err
	}
	if err := o.check(a, cmd); err != nil {
		return nil, errb.String(), err
	}
	tags, err := parseTags(o.tags, nil)
	if err != nil {
		return nil, "", err
	}
	data, err := json.Marshal(o.model("westus2", testSub, tags))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m, errb.String(), nil
}

func jsonMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
	return m
}

const subnetID = "/subscriptions/" + testSub + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"

// The request bodies of the seed's two 'az aks create' forms and a few
// more flag sets: what az 2.45 sends, in AKS's REST shape.
func TestAKSCreateBody(t *testing.T) {
	key := `{"adminUsername":"azureuser","ssh":{"publicKeys":[{"keyData":"` + testKey + `"}]}}`
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"seed basic", []string{"-n", "c1", "-g", "rg", "--load-balancer-sku", "standard", "--enable-private-cluster", "--ssh-key-value", testKey},
			`{"location":"westus2","identity":{"type":"SystemAssigned"},"properties":{
			"kubernetesVersion":"","dnsPrefix":"c1-rg-8ecadf","enableRBAC":true,
			"agentPoolProfiles":[{"name":"nodepool1","count":3,"vmSize":"Standard_DS2_v2","osType":"Linux","mode":"System","type":"VirtualMachineScaleSets"}],
			"linuxProfile":` + key + `,"servicePrincipalProfile":{"clientId":"msi"},
			"networkProfile":{"loadBalancerSku":"standard"},
			"apiServerAccessProfile":{"authorizedIPRanges":[],"enablePrivateCluster":true}}}`},
		{"seed advanced networking", []string{"--resource-group", "rg", "--name", "c2", "--load-balancer-sku", "standard", "--enable-private-cluster",
			"--network-plugin", "azure", "--vnet-subnet-id", subnetID, "--docker-bridge-address", "172.17.0.1/16",
			"--dns-service-ip", "10.2.0.10", "--service-cidr", "10.2.0.0/24", "--ssh-key-value", testKey},
			`{"location":"westus2","identity":{"type":"SystemAssigned"},"properties":{
			"kubernetesVersion":"","dnsPrefix":"c2-rg-8ecadf","enableRBAC":true,
			"agentPoolProfiles":[{"name":"nodepool1","count":3,"vmSize":"Standard_DS2_v2","osType":"Linux","mode":"System","type":"VirtualMachineScaleSets","vnetSubnetID":"` + subnetID + `"}],
			"linuxProfile":` + key + `,"servicePrincipalProfile":{"clientId":"msi"},
			"networkProfile":{"loadBalancerSku":"standard","networkPlugin":"azure","dnsServiceIP":"10.2.0.10","serviceCidr":"10.2.0.0/24"},
			"apiServerAccessProfile":{"authorizedIPRanges":[],"enablePrivateCluster":true}}}`},
		{"everything else", []string{"-n", "c3", "-g", "rg", "-c", "1", "-s", "Standard_B2s", "--nodepool-name", "sys", "-k", "v1.30",
			"-p", "mydns", "--load-balancer-sku", "Standard", "--enable-private-cluster", "--private-dns-zone", "none", "--disable-public-fqdn",
			"--network-plugin", "kubenet", "--pod-cidr", "10.244.0.0/16", "--outbound-type", "userdefinedrouting",
			"--node-resource-group", "nodes", "--no-ssh-key", "--enable-addons", "azure-policy,open-service-mesh", "--tags", "a=1", "b"},
			`{"location":"westus2","identity":{"type":"SystemAssigned"},"tags":{"a":"1","b":""},"properties":{
			"kubernetesVersion":"1.30","dnsPrefix":"mydns","enableRBAC":true,"nodeResourceGroup":"nodes",
			"agentPoolProfiles":[{"name":"sys","count":1,"vmSize":"Standard_B2s","osType":"Linux","mode":"System","type":"VirtualMachineScaleSets"}],
			"servicePrincipalProfile":{"clientId":"msi"},
			"addonProfiles":{"azurepolicy":{"enabled":true},"openServiceMesh":{"enabled":true,"config":{}}},
			"networkProfile":{"loadBalancerSku":"standard","networkPlugin":"kubenet","podCidr":"10.244.0.0/16","outboundType":"userDefinedRouting"},
			"apiServerAccessProfile":{"authorizedIPRanges":[],"enablePrivateCluster":true,"privateDNSZone":"none","enablePrivateClusterPublicFQDN":false}}}`},
		{"public with ranges and virtual node", []string{"-n", "c4", "-g", "rg", "--no-ssh-key", "--api-server-authorized-ip-ranges", "20.1.2.0/24, 52.3.4.5",
			"--network-plugin", "azure", "--vnet-subnet-id", subnetID, "--enable-addons", "virtual-node", "--aci-subnet-name", "aci"},
			`{"location":"westus2","identity":{"type":"SystemAssigned"},"properties":{
			"kubernetesVersion":"","dnsPrefix":"c4-rg-8ecadf","enableRBAC":true,
			"agentPoolProfiles":[{"name":"nodepool1","count":3,"vmSize":"Standard_DS2_v2","osType":"Linux","mode":"System","type":"VirtualMachineScaleSets","vnetSubnetID":"` + subnetID + `"}],
			"servicePrincipalProfile":{"clientId":"msi"},
			"addonProfiles":{"aciConnectorLinux":{"enabled":true,"config":{"SubnetName":"aci"}}},
			"networkProfile":{"loadBalancerSku":"standard","networkPlugin":"azure"},
			"apiServerAccessProfile":{"authorizedIPRanges":["20.1.2.0/24","52.3.4.5"]}}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := createBody(t, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			if want := jsonMap(t, c.want); !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("body\n got %s\nwant %s", g, w)
			}
		})
	}
}

// --docker-bridge-address is accepted with az's deprecation warning: AKS's
// API no longer has the field.
func TestAKSCreateDockerBridgeWarns(t *testing.T) {
	body, stderr, err := createBody(t, "-n", "c", "-g", "rg", "--network-plugin", "azure", "--docker-bridge-address", "172.17.0.1/16", "--no-ssh-key")
	if err != nil || stderr != "WARNING: Argument '--docker-bridge-address' has been deprecated and will be removed in a future release.\n" {
		t.Fatalf("%v %q", err, stderr)
	}
	if s, _ := json.Marshal(body); strings.Contains(string(s), "172.17") {
		t.Errorf("the bridge address was sent: %s", s)
	}
}

func TestAKSCreateSSHKey(t *testing.T) {
	if _, _, err := createBody(t, "-n", "c", "-g", "rg"); err == nil || !strings.HasPrefix(err.Error(), "Provided ssh key (") ||
		!strings.HasSuffix(err.Error(), "/.ssh/id_rsa.pub) is invalid or non-existent") {
		t.Fatalf("no key: %v", err)
	}
	body, stderr, err := createBody(t, "-n", "c", "-g", "rg", "--generate-ssh-keys")
	if err != nil || !strings.Contains(stderr, "have been generated under ~/.ssh") {
		t.Fatalf("generate: %v %q", err, stderr)
	}
	keys := body["properties"].(map[string]any)["linuxProfile"].(map[string]any)["ssh"].(map[string]any)["publicKeys"].([]any)
	if k := keys[0].(map[string]any)["keyData"].(string); !strings.HasPrefix(k, "ssh-rsa ") {
		t.Errorf("generated key %q", k)
	}
}

func TestAKSCreateChecks(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "bad_name", "-g", "rg"}, "--name cannot exceed 63 characters and can only contain letters, numbers, or dashes (-)."},
		{[]string{"-n", "c", "-g", "rg", "--nodepool-name", "pool-1"}, "--nodepool-name should contain only alphanumeric characters"},
		{[]string{"-n", "c", "-g", "rg", "--nodepool-name", "abcdefghijklm"}, "--nodepool-name can contain at most 12 characters"},
		{[]string{"-n", "c", "-g", "rg", "-k", "latest"}, `--kubernetes-version should be the full version number`},
		{[]string{"-n", "c", "-g", "rg", "--load-balancer-sku", "premium"}, "argument --load-balancer-sku: invalid choice: 'premium' (choose from 'basic', 'standard')"},
		{[]string{"-n", "c", "-g", "rg", "--network-plugin", "calico"}, "argument --network-plugin: invalid choice"},
		{[]string{"-n", "c", "-g", "rg", "--enable-private-cluster", "--load-balancer-sku", "basic"}, "Please use standard load balancer for private cluster"},
		{[]string{"-n", "c", "-g", "rg", "--enable-private-cluster", "--api-server-authorized-ip-ranges", "20.0.0.0/8"}, "--api-server-authorized-ip-ranges is not supported for private cluster"},
		{[]string{"-n", "c", "-g", "rg", "--disable-public-fqdn"}, "--disable-public-fqdn should only be used with --enable-private-cluster"},
		{[]string{"-n", "c", "-g", "rg", "--private-dns-zone", "system"}, "Invalid private dns zone for public cluster. It should always be empty for public cluster"},
		{[]string{"-n", "c", "-g", "rg", "--enable-private-cluster", "--private-dns-zone", "myzone"}, "myzone is not a valid Azure resource ID."},
		{[]string{"-n", "c", "-g", "rg", "--service-cidr", "10.2.0.0/24"}, "Please explicitly specify the network plugin type"},
		{[]string{"-n", "c", "-g", "rg", "--network-plugin", "azure", "--pod-cidr", "10.244.0.0/16"}, "Please use kubenet as the network plugin type when pod_cidr is specified"},
		{[]string{"-n", "c", "-g", "rg", "--vnet-subnet-id", "mysubnet"}, "--vnet-subnet-id is not a valid Azure resource ID."},
		{[]string{"-n", "c", "-g", "rg", "--enable-addons", "virtual-node"}, `"--enable-addons virtual-node" requires "--aci-subnet-name" and "--vnet-subnet-id".`},
		{[]string{"-n", "c", "-g", "rg", "--enable-addons", "foo,bar"}, `"foo,bar" are not recognized by the --enable-addons argument.`},
		{[]string{"-n", "c", "-g", "rg", "--api-server-authorized-ip-ranges", "10.0.0.0/8"}, "--api-server-authorized-ip-ranges must be global non-reserved addresses or CIDRs"},
		{[]string{"-n", "c", "-g", "rg", "--tags", "a=1", "stray", "--no-ssh-key", "other"}, "unrecognized arguments: other"},
		{[]string{"-n", "c", "-g", "rg", "--apiserver-subnet-id", "api"}, "--apiserver-subnet-id is not a valid Azure resource ID."},
		{[]string{"-n", "c", "-g", "rg", "--apiserver-subnet-id", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/a"},
			`"--apiserver-subnet-id" requires "--enable-apiserver-vnet-integration".`},
		{[]string{"-n", "c", "-g", "rg", "--enable-apiserver-vnet-integration", "--apiserver-subnet-id", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/a"},
			`"--apiserver-subnet-id" requires "--vnet-subnet-id".`},
	} {
		_, _, err := createBody(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

func TestAuthorizedIPRanges(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  string
	}{
		{"", []string{}, ""},
		{"0.0.0.0/32", []string{"0.0.0.0/32"}, ""},
		{" 20.1.0.0/16 ,52.1.2.3", []string{"20.1.0.0/16", "52.1.2.3"}, ""},
		{"0.0.0.0/0", []string{"0.0.0.0/0"}, ""},
		{"0.0.0.0/32,20.0.0.0/8", nil, "is not allowed with other IP ranges"},
		{",20.0.0.0/8", nil, "cannot be disabled and simultaneously enabled"},
		{"20.1.2.3/16", nil, "should be a list of IPv4 addresses or CIDRs"},
		{"nonsense", nil, "should be a list of IPv4 addresses or CIDRs"},
		{"192.168.1.0/24", nil, "must be global non-reserved"},
		{"100.64.0.1", nil, "must be global non-reserved"},
		{"2603:1030::/32", nil, "cannot be IPv6 addresses"},
	} {
		got, err := authorizedIPRanges(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %v %v", c.in, got, err)
		}
	}
}

func privateCluster() armcontainerservice.ManagedCluster {
	return armcontainerservice.ManagedCluster{Location: to.Ptr("westus2"), Tags: map[string]*string{"old": to.Ptr("1")},
		Properties: &armcontainerservice.ManagedClusterProperties{
			DNSPrefix:              to.Ptr("c1"),
			APIServerAccessProfile: &armcontainerservice.ManagedClusterAPIServerAccessProfile{EnablePrivateCluster: to.Ptr(true), PrivateDNSZone: to.Ptr("system")},
			NetworkProfile:         &armcontainerservice.NetworkProfile{LoadBalancerSKU: to.Ptr(armcontainerservice.LoadBalancerSKUStandard)}}}
}

func TestAKSUpdateApply(t *testing.T) {
	public := armcontainerservice.ManagedCluster{Properties: &armcontainerservice.ManagedClusterProperties{}}
	for _, c := range []struct {
		name string
		mc   armcontainerservice.ManagedCluster
		o    aksUpdate
		want string // the changed parts, as JSON
		err  string
	}{
		{"public fqdn off", privateCluster(), aksUpdate{disablePublicFQDN: true}, `{"enablePrivateCluster":true,"privateDNSZone":"system","enablePrivateClusterPublicFQDN":false}`, ""},
		{"public fqdn on", privateCluster(), aksUpdate{enablePublicFQDN: true}, `{"enablePrivateCluster":true,"privateDNSZone":"system","enablePrivateClusterPublicFQDN":true}`, ""},
		{"ranges on public", public, aksUpdate{rangesSet: true, ranges: "20.0.0.0/8"}, `{"authorizedIPRanges":["20.0.0.0/8"]}`, ""},
		{"ranges cleared", public, aksUpdate{rangesSet: true, ranges: ""}, `{"authorizedIPRanges":[]}`, ""},
		{"ranges on private", privateCluster(), aksUpdate{rangesSet: true, ranges: "20.0.0.0/8"}, "", "--api-server-authorized-ip-ranges is not supported for private cluster"},
		{"fqdn on public", public, aksUpdate{enablePublicFQDN: true}, "", "--enable-public-fqdn can only be used for private cluster"},
		{"fqdn off on public", public, aksUpdate{disablePublicFQDN: true}, "", "--disable-public-fqdn can only be used for private cluster"},
	} {
		mc := c.mc
		err := c.o.apply(&mc)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%s: %v, want %q", c.name, err, c.err)
			}
			continue
		}
		got, _ := json.Marshal(mc.Properties.APIServerAccessProfile)
		if err != nil || !reflect.DeepEqual(jsonMap(t, string(got)), jsonMap(t, c.want)) {
			t.Errorf("%s: %s %v, want %s", c.name, got, err, c.want)
		}
	}
	// Tags replace the old ones; the rest of the cluster is sent back as it was.
	mc := privateCluster()
	o := aksUpdate{tagsSet: true, tags: []string{"env=dev"}}
	if err := o.apply(&mc); err != nil || len(mc.Tags) != 1 || *mc.Tags["env"] != "dev" || *mc.Properties.DNSPrefix != "c1" {
		t.Fatalf("tags: %v %v", mc.Tags, err)
	}
}

// What az prints for a cluster: properties flattened, Python key
// spellings, resourceGroup beside IDs, data keys (add-on names, labels,
// tags, identity IDs) as they were.
func TestAKSShape(t *testing.T) {
	id := "/subscriptions/" + testSub + "/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c1"
	uid := "/subscriptions/s/resourceGroups/MC_rg_c1_westus2/providers/Microsoft.ManagedIdentity/userAssignedIdentities/c1-agentpool"
	in := jsonMap(t, `{"id":"`+id+`","name":"c1","tags":{"CostCenter":"X"},"identity":{"type":"SystemAssigned","userAssignedIdentities":{"`+uid+`":{"clientId":"x"}}},
	"properties":{"privateFQDN":"c1-abc.privatelink.westus2.azmk8s.io","azurePortalFQDN":"p","enableRBAC":true,
	"agentPoolProfiles":[{"name":"nodepool1","osDiskSizeGB":128,"vnetSubnetID":"`+subnetID+`","enableFIPS":false,"nodeLabels":{"Team":"A"}}],
	"addonProfiles":{"aciConnectorLinux":{"enabled":true,"config":{"SubnetName":"aci"}}},
	"identityProfile":{"kubeletidentity":{"resourceId":"`+uid+`"}},
	"networkProfile":{"dnsServiceIP":"10.0.0.10","podCidrs":["10.244.0.0/16"],"loadBalancerProfile":{"effectiveOutboundIPs":[{"id":"`+uid+`"}],"outboundIPPrefixes":null}},
	"apiServerAccessProfile":{"enablePrivateCluster":true,"privateDNSZone":"system","enablePrivateClusterPublicFQDN":true,"authorizedIPRanges":[]}}}`)
	want := jsonMap(t, `{"id":"`+id+`","name":"c1","resourceGroup":"rg","tags":{"CostCenter":"X"},
	"identity":{"type":"SystemAssigned","userAssignedIdentities":{"`+uid+`":{"clientId":"x"}}},
	"privateFqdn":"c1-abc.privatelink.westus2.azmk8s.io","azurePortalFqdn":"p","enableRbac":true,
	"agentPoolProfiles":[{"name":"nodepool1","osDiskSizeGb":128,"vnetSubnetId":"`+subnetID+`","enableFips":false,"nodeLabels":{"Team":"A"}}],
	"addonProfiles":{"aciConnectorLinux":{"enabled":true,"config":{"SubnetName":"aci"}}},
	"identityProfile":{"kubeletidentity":{"resourceId":"`+uid+`"}},
	"networkProfile":{"dnsServiceIp":"10.0.0.10","podCidrs":["10.244.0.0/16"],"loadBalancerProfile":{"effectiveOutboundIPs":[{"id":"`+uid+`","resourceGroup":"MC_rg_c1_westus2"}],"outboundIpPrefixes":null}},
	"apiServerAccessProfile":{"enablePrivateCluster":true,"privateDnsZone":"system","enablePrivateClusterPublicFqdn":true,"authorizedIpRanges":[]}}`)
	if got := aksShape(in); !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		t.Errorf("shape:\n%s", g)
	}
}

func table(t *testing.T, v any, tf func(any) any) string {
	t.Helper()
	var b bytes.Buffer
	if err := output.Write(&b, v, output.Options{Format: "table", Table: tf}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAKSTables(t *testing.T) {
	clusters := []any{
		jsonMap(t, `{"name":"c1","location":"westus2","resourceGroup":"rg","kubernetesVersion":"1.32","currentKubernetesVersion":"1.32.5","provisioningState":"Succeeded","privateFqdn":"c1-1.privatelink.westus2.azmk8s.io","fqdn":null}`),
		jsonMap(t, `{"name":"pub","location":"westus2","resourceGroup":"rg","kubernetesVersion":"1.32","currentKubernetesVersion":"1.32.5","provisioningState":"Creating","fqdn":"pub-1.hcp.westus2.azmk8s.io"}`),
	}
	want := `Name    Location    ResourceGroup    KubernetesVersion    CurrentKubernetesVersion    ProvisioningState    Fqdn
------  ----------  ---------------  -------------------  --------------------------  -------------------  ----------------------------------
c1      westus2     rg               1.32                 1.32.5                      Succeeded            c1-1.privatelink.westus2.azmk8s.io
pub     westus2     rg               1.32                 1.32.5                      Creating             pub-1.hcp.westus2.azmk8s.io
`
	if got := table(t, clusters, aksTable); got != want {
		t.Errorf("aks list table:\n%s", got)
	}
	pools := []any{jsonMap(t, `{"name":"nodepool1","osType":"Linux","orchestratorVersion":"1.32.5","vmSize":"Standard_DS2_v2","osDiskSizeGb":128,"count":3,"maxPods":110,"provisioningState":"Succeeded","mode":"System"}`)}
	want = `Name       OsType    KubernetesVersion    VmSize           Count    MaxPods    ProvisioningState    Mode
---------  --------  -------------------  ---------------  -------  ---------  -------------------  ------
nodepool1  Linux     1.32.5               Standard_DS2_v2  3        110        Succeeded            System
`
	if got := table(t, pools, nodepoolTable); got != want {
		t.Errorf("nodepool list table:\n%s", got)
	}
	versions := jsonMap(t, `{"values":[
	{"version":"1.31","capabilities":{"supportPlan":["KubernetesOfficial","AKSLongTermSupport"]},"patchVersions":{"1.31.9":{"upgrades":["1.32.5"]},"1.31.10":{"upgrades":["1.32.5","1.32.10"]}}},
	{"version":"1.32","isDefault":true,"capabilities":{"supportPlan":["KubernetesOfficial"]},"patchVersions":{"1.32.5":{"upgrades":[]}}},
	{"version":"1.33","isPreview":true,"capabilities":{"supportPlan":["KubernetesOfficial"]},"patchVersions":{"1.33.0":{}}}]}`)
	want = `KubernetesVersion    IsPreview    Upgrades         SupportPlan
-------------------  -----------  ---------------  --------------------------------------
1.33.0               True         None available   KubernetesOfficial
1.32.5                            None available   KubernetesOfficial
1.31.10                           1.32.5, 1.32.10  KubernetesOfficial, AKSLongTermSupport
1.31.9                            1.32.5           KubernetesOfficial, AKSLongTermSupport
`
	if got := table(t, versions, aksVersionsTable); got != want {
		t.Errorf("get-versions table:\n%s", got)
	}
}

func TestNodepoolAddBody(t *testing.T) {
	o := nodepoolAdd{r: poolRef{name: "user1"}, vmSize: "Standard_DS2_v2", mode: "User", count: 2, vnetSubnetID: subnetID, tags: []string{"a=b"}}
	data, _ := json.Marshal(o.model(map[string]string{"a": "b"}))
	want := `{"properties":{"count":2,"vmSize":"Standard_DS2_v2","osType":"Linux","type":"VirtualMachineScaleSets","mode":"User","vnetSubnetID":"` + subnetID + `","tags":{"a":"b"}}}`
	if !reflect.DeepEqual(jsonMap(t, string(data)), jsonMap(t, want)) {
		t.Errorf("nodepool add body %s", data)
	}
}

// Bad command lines fail before anything is sent, with az's exit codes.
func TestAKSUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"aks", "create", "-n", "c1"}, 2, "ERROR: the following arguments are required: --resource-group/-g\n"},
		{[]string{"aks", "show", "-g", "rg"}, 2, "ERROR: the following arguments are required: --name/-n\n"},
		{[]string{"aks", "create", "-n", "c1", "-g", "rg", "--outbound-type", "bogus"}, 2, "invalid choice: 'bogus'"},
		{[]string{"aks", "create", "-n", "c1", "-g", "rg", "--enable-private-cluster", "--load-balancer-sku", "basic"}, 1,
			"ERROR: Please use standard load balancer for private cluster\n"},
		{[]string{"aks", "get-versions"}, 2, "--location/-l"},
		{[]string{"aks", "nodepool", "add", "-g", "rg", "--cluster-name", "c1"}, 2, "--name/-n"},
		{[]string{"aks", "nodepool", "add", "-g", "rg", "--cluster-name", "c1", "--nodepool-name", "way-too-long-name"}, 1, "--nodepool-name"},
		{[]string{"aks", "command", "invoke", "-g", "rg", "-n", "c1"}, 2, "--command/-c"},
		{[]string{"aks", "command", "result", "-g", "rg", "-n", "c1"}, 2, "--command-id/-i"},
		{[]string{"aks", "update", "-g", "rg", "-n", "c1"}, 1, `aksbox is not running`}, // no change asked: a reconcile, no usage error
		{[]string{"aks", "get-credentials", "-g", "rg", "-n", "c1", "--admin", "--format", "exec"}, 1, "--format can only be specified when requesting clusterUser credential."},
		{[]string{"aks", "delete", "-g", "rg", "-n", "c1"}, 2, "add --yes"},
		{[]string{"aks", "wait", "-g", "rg", "-n", "c1", "--created", "--interval"}, 2, "ERROR: "},
	} {
		var out, errb bytes.Buffer
		code := Main(append(c.args, "--state-dir", t.TempDir()), nil, &out, &errb, nil)
		if code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", c.args, code, errb.String(), c.code, c.want)
		}
	}
}
