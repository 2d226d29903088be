package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
)

// azEnv turns 'aksbox env' output into environment entries, as
// eval "$(aksbox env)" would.
func azEnv(t *testing.T, in *instanceT) []string {
	t.Helper()
	out := in.mustAksbox("env")
	env := append([]string{}, os.Environ()...)
	env = append(env, "HOME="+t.TempDir())
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			t.Fatalf("aksbox env printed %q", line)
		}
		k, v, _ := strings.Cut(kv, "=")
		env = append(env, k+"="+strings.Trim(v, "'"))
	}
	return env
}

// azRunner runs the real az against in: az returns output and exit code,
// mustAz fails the test on a non-zero exit.
func azRunner(t *testing.T, in *instanceT, azPath string) (func(args ...string) (string, string, int), func(args ...string) string) {
	env := azEnv(t, in)
	az := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(azPath, args...)
		cmd.Env = env
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	mustAz := func(args ...string) string {
		t.Helper()
		out, errOut, code := az(args...)
		if code != 0 {
			t.Fatalf("az %s: exit %d\n%s\n%s\nserver log:\n%s", strings.Join(args, " "), code, out, errOut, in.log)
		}
		return out
	}
	return az, mustAz
}

// The real Azure CLI (Debian's azure-cli package) logs in and runs the
// group, feature and provider commands of the seed against aksbox.
func TestRealAzureCLI(t *testing.T) {
	azPath := testenv.Tool(t, "az", "install Debian's azure-cli")
	in := start(t, "--feature-registration-delay", "1s", "--provider-registration-delay", "0s")
	az, mustAz := azRunner(t, in, azPath)
	mustAz("login", "--service-principal", "-u", in.ClientID, "-p", in.Secret, "--tenant", in.Tenant)
	if out := mustAz("account", "show", "--query", "id", "-o", "tsv"); strings.TrimSpace(out) != in.Sub {
		t.Fatalf("az account show: %q", out)
	}
	mustAz("group", "create", "-n", "azrg", "-l", "westus2")
	if out := mustAz("group", "show", "-n", "azrg", "--query", "properties.provisioningState", "-o", "tsv"); strings.TrimSpace(out) != "Succeeded" {
		t.Fatalf("az group show: %q", out)
	}
	if out := mustAz("group", "list", "-o", "table"); !strings.Contains(out, "azrg") || !strings.Contains(out, "Succeeded") {
		t.Fatalf("az group list -o table:\n%s", out)
	}
	mustAz("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	out := mustAz("feature", "list", "-o", "table", "--query", "[?contains(name, 'Microsoft.ContainerService/AKSPrivateLinkPreview')].{Name:name,State:properties.state}")
	if !strings.Contains(out, "Microsoft.ContainerService/AKSPrivateLinkPreview") || !strings.Contains(out, "State") {
		t.Fatalf("az feature list -o table:\n%s", out)
	}
	mustAz("provider", "register", "--namespace", "Microsoft.ContainerService")
	mustAz("provider", "register", "--namespace", "Microsoft.Network")
	if out := mustAz("provider", "show", "-n", "Microsoft.Network", "--query", "registrationState", "-o", "tsv"); strings.TrimSpace(out) != "Registered" {
		t.Fatalf("az provider show: %q", out)
	}
	_, errOut, code := az("group", "show", "-n", "missing")
	if code != 3 || !strings.Contains(errOut, "ResourceGroupNotFound") {
		t.Fatalf("az group show missing: exit %d %s", code, errOut)
	}
	mustAz("group", "delete", "-n", "azrg", "--yes")
	if out := mustAz("group", "exists", "-n", "azrg"); strings.TrimSpace(out) != "false" {
		t.Fatalf("az group exists after delete: %q", out)
	}
}

// The seed's az aks commands with the real az (Debian's azure-cli 2.45):
// both 'az aks create' forms, show, get-credentials, delete. The VNet comes
// from aksbox's CLI: Debian's az cannot run 'az network' (see
// docs/troubleshooting.md).
func TestRealAzureCLIAKS(t *testing.T) {
	needRoot(t)
	azPath := testenv.Tool(t, "az", "install Debian's azure-cli")
	in := start(t, "--feature-registration-delay", "0s", "--provider-registration-delay", "0s")
	az, mustAz := azRunner(t, in, azPath)
	mustAz("login", "--service-principal", "-u", in.ClientID, "-p", in.Secret, "--tenant", in.Tenant)
	mustAz("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	mustAz("provider", "register", "--namespace", "Microsoft.ContainerService")
	mustAz("provider", "register", "--namespace", "Microsoft.Network")
	mustAz("group", "create", "-n", "azaks", "-l", "westus2")
	in.mustAksbox("network", "vnet", "create", "-g", "azaks", "-n", "vnet", "--address-prefixes", "10.1.0.0/16",
		"--subnet-name", "nodes", "--subnet-prefixes", "10.1.1.0/24")
	subnet := "/subscriptions/" + in.Sub + "/resourceGroups/azaks/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"
	out := mustAz("aks", "create", "-n", "basic", "-g", "azaks", "--load-balancer-sku", "standard", "--enable-private-cluster",
		"--node-count", "1", "--generate-ssh-keys")
	if !strings.Contains(out, `"provisioningState": "Succeeded"`) || !strings.Contains(out, ".privatelink.westus2.azmk8s.io") {
		t.Fatalf("az aks create (basic networking):\n%s", out)
	}
	mustAz("aks", "create", "--resource-group", "azaks", "--name", "advanced", "--load-balancer-sku", "standard",
		"--enable-private-cluster", "--network-plugin", "azure", "--vnet-subnet-id", subnet, "--docker-bridge-address", "172.17.0.1/16",
		"--dns-service-ip", "10.2.0.10", "--service-cidr", "10.2.0.0/24", "--node-count", "1", "--generate-ssh-keys")
	fqdn := strings.TrimSpace(mustAz("aks", "show", "-n", "advanced", "-g", "azaks", "--query", "privateFqdn", "-o", "tsv"))
	if !strings.HasSuffix(fqdn, ".privatelink.westus2.azmk8s.io") {
		t.Fatalf("az aks show: private FQDN %q", fqdn)
	}
	kc := t.TempDir() + "/config"
	mustAz("aks", "get-credentials", "--name", "advanced", "--resource-group", "azaks", "-f", kc)
	if data, err := os.ReadFile(kc); err != nil || !strings.Contains(string(data), "https://"+fqdn+":443") {
		t.Fatalf("az aks get-credentials wrote: %v\n%s", err, data)
	}
	// az's command invoke: it polls the Location AKS answers (under
	// commandResults) and prints the exit code and the output.
	if out := mustAz("aks", "command", "invoke", "-n", "advanced", "-g", "azaks", "--command", "kubectl get nodes"); !strings.Contains(out, "exitcode=0") ||
		strings.Count(out, " Ready ") != 1 {
		t.Fatalf("az aks command invoke:\n%s", out)
	}
	if _, errOut, code := az("aks", "create", "-n", "bad", "-g", "azaks", "--load-balancer-sku", "basic", "--enable-private-cluster", "--generate-ssh-keys"); code == 0 {
		t.Fatalf("az aks create with a basic load balancer succeeded: %s", errOut)
	}
	mustAz("aks", "delete", "-n", "basic", "-g", "azaks", "--yes")
	mustAz("aks", "delete", "-n", "advanced", "-g", "azaks", "--yes")
	if out := mustAz("aks", "list", "-g", "azaks", "-o", "tsv"); strings.TrimSpace(out) != "" {
		t.Fatalf("clusters left: %s", out)
	}
	mustAz("group", "delete", "-n", "azaks", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
}

// The real az's acr commands (Debian's azure-cli 2.45, registries at
// api-version 2022-02-01-preview) against aksbox: create, show and list
// (found without -g through the resources list), check-name, the admin
// user's credentials, renew, delete.
func TestRealAzureCLIACR(t *testing.T) {
	azPath := testenv.Tool(t, "az", "install Debian's azure-cli")
	in := start(t, "--provider-registration-delay", "0s")
	az, mustAz := azRunner(t, in, azPath)
	mustAz("login", "--service-principal", "-u", in.ClientID, "-p", in.Secret, "--tenant", in.Tenant)
	mustAz("group", "create", "-n", "azacr", "-l", "westus2")
	t.Cleanup(func() { in.aksbox("group", "delete", "-n", "azacr", "--yes") })
	out := mustAz("acr", "create", "-g", "azacr", "-n", "azreg01", "--sku", "Basic", "--query", "[loginServer, sku.name, provisioningState]", "-o", "tsv")
	if strings.Fields(out)[0] != "azreg01.azurecr.io" || strings.Fields(out)[1] != "Basic" || strings.Fields(out)[2] != "Succeeded" {
		t.Fatalf("az acr create: %q", out)
	}
	if out := mustAz("acr", "show", "-n", "azreg01", "--query", "id", "-o", "tsv"); !strings.HasSuffix(strings.TrimSpace(out), "/resourceGroups/azacr/providers/Microsoft.ContainerRegistry/registries/azreg01") {
		t.Errorf("az acr show: %q", out)
	}
	if out := mustAz("acr", "list", "-o", "table"); !strings.Contains(out, "azreg01.azurecr.io") || !strings.Contains(out, "Basic") {
		t.Errorf("az acr list -o table:\n%s", out)
	}
	if out := mustAz("acr", "check-name", "-n", "azreg01", "--query", "reason", "-o", "tsv"); strings.TrimSpace(out) != "AlreadyExists" {
		t.Errorf("az acr check-name: %q", out)
	}
	mustAz("acr", "update", "-n", "azreg01", "--admin-enabled", "true")
	if out := mustAz("acr", "credential", "show", "-n", "azreg01", "--query", "length(passwords)", "-o", "tsv"); strings.TrimSpace(out) != "2" {
		t.Errorf("az acr credential show: %q", out)
	}
	before := mustAz("acr", "credential", "show", "-n", "azreg01", "--query", "passwords[1].value", "-o", "tsv")
	after := mustAz("acr", "credential", "renew", "-n", "azreg01", "--password-name", "password2", "--query", "passwords[1].value", "-o", "tsv")
	if before == after || len(strings.TrimSpace(after)) < 32 {
		t.Errorf("az acr credential renew: %q → %q", before, after)
	}
	if _, errOut, code := az("acr", "create", "-g", "azacr", "-n", "x", "--sku", "Basic"); code == 0 || !strings.Contains(errOut, "5") {
		t.Errorf("az acr create with a short name: exit %d %s", code, errOut)
	}
	mustAz("acr", "delete", "-n", "azreg01", "--yes")
	if out := mustAz("acr", "list", "--query", "length(@)", "-o", "tsv"); strings.TrimSpace(out) != "0" {
		t.Errorf("az acr list after delete: %q", out)
	}
}
