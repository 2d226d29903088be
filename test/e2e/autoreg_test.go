package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// On a fresh instance Microsoft.Network is NotRegistered: the first
// network command registers it in az's words and succeeds; the server
// itself still refuses an unregistered namespace.
func TestCLIAutoRegister(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "1500ms")
	if st := in.tsv("provider", "show", "-n", "Microsoft.Network", "--query", "registrationState"); st != "NotRegistered" {
		t.Fatalf("Microsoft.Network on a fresh instance: %q", st)
	}
	code, m, _ := in.call(http.MethodPut, "/subscriptions/"+in.Sub+"/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c?api-version=2022-11-01", `{}`)
	if code != http.StatusConflict || errCode(m) != "MissingSubscriptionRegistration" {
		t.Fatalf("server answer for an unregistered namespace: %d %v", code, m)
	}

	in.mustAksbox("group", "create", "-n", "autoreg", "-l", "westus2")
	t.Cleanup(func() { in.aksbox("group", "delete", "-n", "autoreg", "--yes") })
	out, errOut, code := in.aksbox("network", "vnet", "create", "-g", "autoreg", "-n", "v1", "--address-prefixes", "10.5.0.0/16",
		"--subnet-name", "s1", "--subnet-prefixes", "10.5.1.0/24")
	if code != 0 {
		t.Fatalf("vnet create: exit %d\n%s%s", code, out, errOut)
	}
	want := "WARNING: Resource provider 'Microsoft.Network' used by this operation is not registered. We are registering for you.\n" +
		"WARNING: Registration succeeded.\n"
	if !strings.Contains(errOut, want) {
		t.Errorf("vnet create stderr:\n%s\nwant\n%s", errOut, want)
	}
	vnet := decodeJSON(t, out)["newVNet"].(map[string]any)
	if vnet["name"] != "v1" || vnet["provisioningState"] != "Succeeded" {
		t.Errorf("vnet create printed %v", vnet)
	}
	if st := in.tsv("provider", "show", "-n", "Microsoft.Network", "--query", "registrationState"); st != "Registered" {
		t.Errorf("Microsoft.Network after vnet create: %q", st)
	}
	// Registered now: nothing more to say.
	if _, errOut, code := in.aksbox("network", "vnet", "show", "-g", "autoreg", "-n", "v1"); code != 0 || errOut != "" {
		t.Errorf("vnet show: exit %d, stderr %q", code, errOut)
	}
}
