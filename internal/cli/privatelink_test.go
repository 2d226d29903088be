package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// az's load balancer flags get a clear answer: aksbox has none, and a
// private link service forwards to --destination-ip-address.
func TestPrivateLinkUsageErrors(t *testing.T) {
	pls := []string{"network", "private-link-service", "create", "-g", "rg", "-n", "svc", "--vnet-name", "v", "--subnet", "s"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(pls, "--lb-name", "lb", "--lb-frontend-ip-configs", "fe"), "argument --lb-frontend-ip-configs: aksbox has no load balancers"},
		{append(pls, "--lb-name", "lb"), "argument --lb-name: aksbox has no load balancers"},
		{append(pls, "--lb-frontend-ip-configs", "fe1", "fe2", "--destination-ip-address", "10.0.0.5"), "give --destination-ip-address IP"},
		{pls, "the following arguments are required: --destination-ip-address"},
		{append(pls, "--destination-ip-address", "10.0.0.5", "--private-ip-address-version", "ipv5"), "argument --private-ip-address-version: invalid choice: 'ipv5'"},
		{pls[:7], "the following arguments are required: --subnet"},
		{[]string{"network", "private-endpoint", "create", "-g", "rg", "-n", "ep", "--subnet", "s"},
			"the following arguments are required: --private-connection-resource-id, --connection-name"},
		{[]string{"network", "private-endpoint", "show", "-g", "rg"}, "the following arguments are required: --name/-n"},
	} {
		_, errOut, code := runPrivate(t, tc.args...)
		if code != 2 || !strings.HasPrefix(errOut, "ERROR: ") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args[2:], code, errOut, tc.want)
		}
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// What create sends: az's shapes, with the destination instead of load
// balancer frontends.
func TestPrivateLinkModels(t *testing.T) {
	s := jsonString(t, plsModel("svc", "westus2", nil, "/sub/subnets/s", "10.0.0.5", "", "", "IPv4"))
	for _, want := range []string{`"destinationIPAddress":"10.0.0.5"`, `"name":"svc_ipconfig_0"`, `"subnet":{"id":"/sub/subnets/s"}`,
		`"privateIPAddressVersion":"IPv4"`, `"location":"westus2"`} {
		if !strings.Contains(s, want) {
			t.Errorf("private link service lacks %s: %s", want, s)
		}
	}
	if strings.Contains(s, "loadBalancer") || strings.Contains(s, "privateIPAddress\"") {
		t.Errorf("private link service: %s", s)
	}
	e := jsonString(t, peModel("westus2", map[string]string{"k": "v"}, "/sub/subnets/s", "/pls", "conn", nil, "", "", false))
	for _, want := range []string{`"privateLinkServiceConnections":[{"name":"conn","properties":{"privateLinkServiceId":"/pls"}}]`,
		`"subnet":{"id":"/sub/subnets/s"}`, `"tags":{"k":"v"}`} {
		if !strings.Contains(e, want) {
			t.Errorf("private endpoint lacks %s: %s", want, e)
		}
	}
	if strings.Contains(e, "groupIds") || strings.Contains(e, "manual") {
		t.Errorf("private endpoint: %s", e)
	}
	m := jsonString(t, peModel("westus2", nil, "/s", "/pls", "conn", []string{"g"}, "hi", "ep-nic", true))
	for _, want := range []string{`"manualPrivateLinkServiceConnections":[{"name":"conn","properties":{"groupIds":["g"],"privateLinkServiceId":"/pls","requestMessage":"hi"}}]`,
		`"customNetworkInterfaceName":"ep-nic"`} {
		if !strings.Contains(m, want) {
			t.Errorf("manual private endpoint lacks %s: %s", want, m)
		}
	}
	// To a private cluster: the cluster's ID and its group, management.
	const mc = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1"
	k := jsonString(t, peModel("westus2", nil, "/s", mc, "to-c1", []string{"management"}, "", "", false))
	if want := `"privateLinkServiceConnections":[{"name":"to-c1","properties":{"groupIds":["management"],"privateLinkServiceId":"` + mc + `"}}]`; !strings.Contains(k, want) {
		t.Errorf("private endpoint to a cluster lacks %s: %s", want, k)
	}
}
