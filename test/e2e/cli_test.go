package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The seed's preview-feature steps through the aksbox CLI, with the exact
// table the seed's --query prints.
func TestCLISeedFeatureFlow(t *testing.T) {
	in := start(t, "--feature-registration-delay", "1500ms", "--provider-registration-delay", "500ms")

	out := in.mustAksbox("extension", "list")
	var exts []map[string]any
	if err := json.Unmarshal([]byte(out), &exts); err != nil || len(exts) != 1 || exts[0]["name"] != "aks-preview" {
		t.Fatalf("extension list: %v %s", err, out)
	}
	if v, _ := exts[0]["version"].(string); !versionAtLeast(v, "0.4.18") {
		t.Errorf("aks-preview version %s < 0.4.18", v)
	}
	_, errOut, code := in.aksbox("extension", "update", "--name", "aks-preview")
	if code != 0 || !strings.Contains(errOut, "aks-preview") {
		t.Fatalf("extension update: %d %s", code, errOut)
	}

	out = in.mustAksbox("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	var f map[string]any
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	if st := f["properties"].(map[string]any)["state"]; st != "Registering" {
		t.Fatalf("state right after register = %v, want Registering", st)
	}
	query := "[?contains(name, 'Microsoft.ContainerService/AKSPrivateLinkPreview')].{Name:name,State:properties.state}"
	table := func() string { return in.mustAksbox("feature", "list", "-o", "table", "--query", query) }
	if got := table(); !strings.Contains(got, "Registering") {
		t.Fatalf("table before the delay:\n%s", got)
	}
	time.Sleep(1600 * time.Millisecond)
	want := "Name                                              State\n" +
		"------------------------------------------------  ----------\n" +
		"Microsoft.ContainerService/AKSPrivateLinkPreview  Registered\n"
	if got := table(); got != want {
		t.Fatalf("seed table:\n%q\nwant\n%q", got, want)
	}

	// The seed says a registered preview feature cannot be un-registered.
	out, errOut, code = in.aksbox("feature", "unregister", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService")
	if code == 0 || !strings.Contains(errOut, "(FeatureUnregistrationNotSupported)") {
		t.Fatalf("unregister: exit %d\n%s%s", code, out, errOut)
	}
	// Another feature can be unregistered.
	in.mustAksbox("feature", "register", "--name", "PodSubnetPreview", "--namespace", "Microsoft.ContainerService")
	in.mustAksbox("feature", "unregister", "--name", "PodSubnetPreview", "--namespace", "Microsoft.ContainerService")

	// Filter by namespace.
	out = in.mustAksbox("feature", "list", "--namespace", "Microsoft.Network", "--query", "[].name", "-o", "tsv")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "Microsoft.Network/") {
			t.Errorf("feature list --namespace Microsoft.Network printed %q", line)
		}
	}

	// Providers: the seed's two registrations, then --wait.
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.Network", "--wait")
	out = in.mustAksbox("provider", "show", "-n", "Microsoft.Network", "--query", "registrationState", "-o", "tsv")
	if strings.TrimSpace(out) != "Registered" {
		t.Fatalf("Microsoft.Network after --wait: %q", out)
	}
	out = in.mustAksbox("provider", "list", "-o", "table")
	if !strings.Contains(out, "Namespace") || !strings.Contains(out, "Microsoft.ContainerService") {
		t.Fatalf("provider list -o table:\n%s", out)
	}
}

// Resource groups through the CLI, and errors printed as az prints them.
func TestCLIGroups(t *testing.T) {
	in := start(t)
	in.mustAksbox("group", "create", "-n", "rg1", "-l", "westus2", "--tags", "a=1", "b=2")
	out := in.mustAksbox("group", "show", "-g", "rg1", "--query", "tags.b", "-o", "tsv")
	if strings.TrimSpace(out) != "2" {
		t.Fatalf("tags.b = %q", out)
	}
	out = in.mustAksbox("group", "list", "-o", "table")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "Name") || !strings.Contains(lines[0], "Location") ||
		!strings.Contains(lines[0], "Status") || !strings.HasPrefix(lines[2], "rg1") {
		t.Fatalf("group list -o table:\n%s", out)
	}
	if out := in.mustAksbox("group", "exists", "-n", "rg1"); strings.TrimSpace(out) != "true" {
		t.Fatalf("exists: %q", out)
	}
	if out := in.mustAksbox("group", "exists", "-n", "nope"); strings.TrimSpace(out) != "false" {
		t.Fatalf("exists nope: %q", out)
	}
	out, errOut, code := in.aksbox("group", "show", "-n", "nope")
	if code != 3 || !strings.Contains(errOut, "(ResourceGroupNotFound) Resource group 'nope' could not be found.") || out != "" {
		t.Fatalf("show missing: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = in.aksbox("group", "create", "-n", "rg2")
	if code != 2 || !strings.Contains(errOut, "--location") {
		t.Fatalf("create without location: exit %d %s", code, errOut)
	}
	_, errOut, code = in.aksbox("group", "list", "-o", "xml")
	if code == 0 || !strings.Contains(errOut, "xml") {
		t.Fatalf("-o xml: exit %d %s", code, errOut)
	}
	_, errOut, code = in.aksbox("group", "delete", "-n", "rg1")
	if code != 2 || !strings.Contains(errOut, "--yes") {
		t.Fatalf("delete without --yes and no terminal: exit %d %s", code, errOut)
	}
	in.mustAksbox("group", "delete", "-n", "rg1", "--yes", "--no-wait")
	in.mustAksbox("group", "wait", "-n", "rg1", "--deleted", "--interval", "1", "--timeout", "60")
	if out := in.mustAksbox("group", "exists", "-n", "rg1"); strings.TrimSpace(out) != "false" {
		t.Fatalf("exists after delete: %q", out)
	}
	out = in.mustAksbox("account", "show", "--query", "id", "-o", "tsv")
	if strings.TrimSpace(out) != in.Sub {
		t.Fatalf("account show id = %q, want %s", out, in.Sub)
	}
	for _, format := range []string{"json", "jsonc", "yaml", "yamlc", "tsv", "table", "none"} {
		in.mustAksbox("group", "list", "-o", format)
	}
}

func versionAtLeast(v, min string) bool {
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = atoi(a[i])
		}
		y = atoi(b[i])
		if x != y {
			return x > y
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
