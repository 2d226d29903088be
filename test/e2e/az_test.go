package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
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

// The real Azure CLI (Debian's azure-cli package) logs in and runs the
// group, feature and provider commands of the seed against aksbox.
func TestRealAzureCLI(t *testing.T) {
	azPath, err := exec.LookPath("az")
	if err != nil {
		t.Skip("az (Debian package azure-cli) is not installed")
	}
	in := start(t, "--feature-registration-delay", "1s", "--provider-registration-delay", "0s")
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
