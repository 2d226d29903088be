package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// clusterJSON is a managed cluster body with edits applied to its map form.
func clusterJSON(t *testing.T, subnet string, edit func(m map[string]any)) string {
	t.Helper()
	np := map[string]any{"networkPlugin": "azure", "loadBalancerSku": "standard", "dockerBridgeCidr": "172.17.0.1/16",
		"dnsServiceIP": "10.2.0.10", "serviceCidr": "10.2.0.0/24"}
	pool := map[string]any{"name": "nodepool1", "count": 1, "mode": "System", "vnetSubnetID": subnet}
	m := map[string]any{"location": "westus2", "properties": map[string]any{
		"dnsPrefix": "v", "agentPoolProfiles": []any{pool}, "networkProfile": np,
		"apiServerAccessProfile": map[string]any{"enablePrivateCluster": true}}}
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func props(m map[string]any) map[string]any { return m["properties"].(map[string]any) }
func netp(m map[string]any) map[string]any  { return props(m)["networkProfile"].(map[string]any) }
func pool0(m map[string]any) map[string]any {
	return props(m)["agentPoolProfiles"].([]any)[0].(map[string]any)
}

// Every validation of a managed cluster answers ARM's envelope with the
// code and a message that names what was wrong, and stores nothing.
func TestAKSValidation(t *testing.T) {
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	in.mustAksbox("group", "create", "-n", "v", "-l", "westus2")
	path := "/subscriptions/" + in.Sub + "/resourceGroups/v/providers/Microsoft.ContainerService/managedClusters/"
	put := func(name, body string) (int, map[string]any) {
		code, m, _ := in.call("PUT", path+name+"?api-version=2022-11-01", body)
		return code, m
	}
	subnet := "/subscriptions/" + in.Sub + "/resourceGroups/v/providers/Microsoft.Network/virtualNetworks/vnet/subnets/s"

	if code, m := put("c", clusterJSON(t, subnet, nil)); code != 409 || errCode(m) != "MissingSubscriptionRegistration" {
		t.Fatalf("unregistered provider: %d %v", code, m)
	}
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.Network")
	if code, m := put("c", clusterJSON(t, subnet, nil)); code != 400 || errCode(m) != "FeatureNotRegistered" ||
		!strings.Contains(errMessage(m), "AKSPrivateLinkPreview") {
		t.Fatalf("preview gate: %d %v", code, m)
	}
	in.mustAksbox("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	if code, m := put("c", clusterJSON(t, subnet, nil)); code != 400 || errCode(m) != "InvalidParameter" ||
		!strings.Contains(errMessage(m), "vnet") {
		t.Fatalf("missing subnet's VNet: %d %v", code, m)
	}
	in.mustAksbox("network", "vnet", "create", "-g", "v", "-n", "vnet", "--address-prefixes", "10.1.0.0/16",
		"--subnet-name", "s", "--subnet-prefixes", "10.1.1.0/24")

	cases := []struct {
		name, code, text string
		edit             func(m map[string]any)
	}{
		{"basic load balancer", "PrivateClusterNotSupportedWithBasicLoadBalancer", "standard", func(m map[string]any) { netp(m)["loadBalancerSku"] = "basic" }},
		{"unsupported region", "LocationNotAvailableForResourceType", "eastus", func(m map[string]any) { m["location"] = "eastus" }},
		{"authorized ranges", "APIServerAuthorizedIPRangesNotSupportedForPrivateCluster", "authorizedIPRanges", func(m map[string]any) {
			props(m)["apiServerAccessProfile"].(map[string]any)["authorizedIPRanges"] = []string{"1.2.3.4/32"}
		}},
		{"virtual node", "AddonNotSupportedForPrivateCluster", "virtual", func(m map[string]any) {
			props(m)["addonProfiles"] = map[string]any{"aciConnectorLinux": map[string]any{"enabled": true}}
		}},
		{"bad service CIDR", "InvalidParameter", "10.2.0.0/33", func(m map[string]any) { netp(m)["serviceCidr"] = "10.2.0.0/33" }},
		{"DNS IP outside", "DnsServiceIPOutOfServiceCidr", "10.9.0.10", func(m map[string]any) { netp(m)["dnsServiceIP"] = "10.9.0.10" }},
		{"DNS IP first", "InvalidParameter", "10.2.0.1", func(m map[string]any) { netp(m)["dnsServiceIP"] = "10.2.0.1" }},
		{"service CIDR in the VNet", "ServiceCidrOverlapExistingSubnetsCidr", "10.1.0.0/16", func(m map[string]any) {
			netp(m)["serviceCidr"], netp(m)["dnsServiceIP"] = "10.1.200.0/24", "10.1.200.10"
		}},
		{"bridge in the VNet", "InvalidParameter", "docker bridge CIDR 10.1.5.1/24", func(m map[string]any) { netp(m)["dockerBridgeCidr"] = "10.1.5.1/24" }},
		{"bridge over services", "InvalidParameter", "service CIDR", func(m map[string]any) { netp(m)["dockerBridgeCidr"] = "10.2.0.1/16" }},
		{"reserved range", "InvalidParameter", "reserved", func(m map[string]any) {
			netp(m)["serviceCidr"], netp(m)["dnsServiceIP"] = "172.31.0.0/24", "172.31.0.10"
		}},
		{"test-net range", "InvalidParameter", "192.0.2.0/24", func(m map[string]any) { netp(m)["dockerBridgeCidr"] = "192.0.2.1/24" }},
		{"missing subnet", "InvalidParameter", "'t'", func(m map[string]any) { pool0(m)["vnetSubnetID"] = strings.TrimSuffix(subnet, "/s") + "/t" }},
		{"pool name", "InvalidParameter", "Pool_1", func(m map[string]any) { pool0(m)["name"] = "Pool_1" }},
		{"version", "K8sVersionNotSupported", "1.20.0", func(m map[string]any) { props(m)["kubernetesVersion"] = "1.20.0" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, m := put("c", clusterJSON(t, subnet, tc.edit))
			if code != 400 || !strings.Contains(strings.Join([]string{errCode(m), detailCodes(m)}, ","), tc.code) ||
				!strings.Contains(errMessage(m), tc.text) {
				t.Fatalf("%d %v, want %s mentioning %q", code, m, tc.code, tc.text)
			}
		})
	}
	if code, m := put("-bad-", clusterJSON(t, subnet, nil)); code != 400 || errCode(m) != "InvalidResourceName" {
		t.Fatalf("cluster name: %d %v", code, m)
	}
	if code, m, _ := in.call("GET", path+"c?api-version=2022-11-01", ""); code != 404 {
		t.Fatalf("a refused cluster was stored: %d %v", code, m)
	}
}

// detailCodes joins the codes of an error's details.
func detailCodes(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	var out []string
	for _, d := range ds {
		if dm, ok := d.(map[string]any); ok {
			c, _ := dm["code"].(string)
			out = append(out, c)
		}
	}
	return strings.Join(out, ",")
}

// With the preview gate off (a server setting), private clusters need no
// feature registration.
func TestAKSPreviewGateOff(t *testing.T) {
	in := start(t, "--provider-registration-delay", "0s", "--aks-preview-gate=false")
	in.mustAksbox("group", "create", "-n", "v", "-l", "westus2")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")
	path := "/subscriptions/" + in.Sub + "/resourceGroups/v/providers/Microsoft.ContainerService/managedClusters/c?api-version=2025-02-01"
	subnet := "/subscriptions/" + in.Sub + "/resourceGroups/v/providers/Microsoft.Network/virtualNetworks/none/subnets/s"
	code, m, _ := in.call("PUT", path, clusterJSON(t, subnet, nil))
	if code != 400 || errCode(m) == "FeatureNotRegistered" || !strings.Contains(errMessage(m), "none") {
		t.Fatalf("gate off: %d %v (want the missing VNet, not the feature)", code, m)
	}
}
