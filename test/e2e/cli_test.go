package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/instance"
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

// The global flags az has: --subscription, --only-show-errors, --verbose
// and --debug.
func TestCLIGlobalFlags(t *testing.T) {
	in := start(t, "--provider-registration-delay", "1s")

	// --subscription selects a subscription; one the principal cannot see
	// is refused with ARM's 403, printed as az prints it.
	in.mustAksbox("group", "create", "-n", "rg1", "-l", "westus2", "--subscription", in.Sub)
	out := in.mustAksbox("group", "show", "-n", "rg1", "--subscription", in.Sub, "--query", "id", "-o", "tsv")
	if want := "/subscriptions/" + in.Sub + "/resourceGroups/rg1"; !strings.EqualFold(strings.TrimSpace(out), want) {
		t.Fatalf("group id with --subscription = %q, want %s", out, want)
	}
	if out := in.mustAksbox("account", "show", "--subscription", in.Sub, "--query", "id", "-o", "tsv"); strings.TrimSpace(out) != in.Sub {
		t.Fatalf("account show --subscription: %q", out)
	}
	other := "00000000-0000-0000-0000-00000000beef"
	out, errOut, code := in.aksbox("group", "list", "--subscription", other)
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "ERROR: (AuthorizationFailed) ") ||
		!strings.Contains(errOut, "/subscriptions/"+other) || !strings.Contains(errOut, "\nCode: AuthorizationFailed\n") {
		t.Fatalf("unknown subscription: exit %d\n%s%s", code, out, errOut)
	}

	// --only-show-errors drops the WARNING of feature register.
	feature := []string{"feature", "register", "--namespace", "Microsoft.ContainerService", "--name", "AKSPrivateLinkPreview"}
	if _, errOut, code := in.aksbox(feature...); code != 0 || !strings.HasPrefix(errOut, "WARNING: Once the feature 'AKSPrivateLinkPreview' is registered") {
		t.Fatalf("feature register: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := in.aksbox(append(feature, "--only-show-errors")...); code != 0 || errOut != "" {
		t.Fatalf("feature register --only-show-errors: exit %d, stderr %q", code, errOut)
	}

	// Provider registration warns with az's words until it is done.
	_, errOut, code = in.aksbox("provider", "register", "-n", "Microsoft.Network")
	if want := "WARNING: Registering is still on-going. You can monitor using 'aksbox provider show -n Microsoft.Network'\n"; code != 0 || errOut != want {
		t.Fatalf("provider register: exit %d, stderr %q, want %q", code, errOut, want)
	}
	in.mustAksbox("provider", "register", "-n", "Microsoft.Network", "--wait")
	_, errOut, code = in.aksbox("provider", "unregister", "-n", "Microsoft.Network")
	if want := "WARNING: Unregistering is still on-going. You can monitor using 'aksbox provider show -n Microsoft.Network'\n"; code != 0 || errOut != want {
		t.Fatalf("provider unregister: exit %d, stderr %q, want %q", code, errOut, want)
	}

	// --verbose prints a line per request and per response on stderr, and
	// leaves stdout to the result.
	out, errOut, code = in.aksbox("group", "list", "--verbose")
	var groups []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &groups) != nil || len(groups) != 1 {
		t.Fatalf("group list --verbose: exit %d\n%s", code, out)
	}
	for _, want := range []string{
		"INFO: Request URL: '" + in.Endpoint + "/subscriptions/" + in.Sub + "/resourcegroups?api-version=",
		"INFO: Request method: 'GET'\n",
		"INFO: Response status: 200 (GET /subscriptions/" + in.Sub + "/resourcegroups in ",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("group list --verbose: stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "Authorization") || strings.Contains(errOut, in.Secret) {
		t.Errorf("--verbose prints headers or secrets:\n%s", errOut)
	}
	if _, errOut, _ := in.aksbox("group", "list"); errOut != "" {
		t.Errorf("group list without --verbose printed %q", errOut)
	}
	if _, errOut, _ := in.aksbox("group", "list", "--debug"); !strings.Contains(errOut, "DEBUG: ") || !strings.Contains(errOut, "/resourcegroups") {
		t.Errorf("group list --debug printed %q", errOut)
	}
}

// login prints the accounts it signed in to, as az login does.
func TestCLILoginAndExtensions(t *testing.T) {
	in := start(t)
	out := in.mustAksbox("login")
	var accts []map[string]any
	if err := json.Unmarshal([]byte(out), &accts); err != nil || len(accts) != 1 {
		t.Fatalf("login: %v\n%s", err, out)
	}
	acct := accts[0]
	user, _ := acct["user"].(map[string]any)
	if acct["id"] != in.Sub || acct["tenantId"] != in.Tenant || acct["isDefault"] != true ||
		user["name"] != in.ClientID || user["type"] != "servicePrincipal" {
		t.Fatalf("login account: %v", acct)
	}

	// aks-preview is built in: add and show work, other extensions do not exist.
	_, errOut, code := in.aksbox("extension", "add", "--name", "aks-preview")
	if code != 0 || !strings.Contains(errOut, "'aks-preview' is already installed") {
		t.Fatalf("extension add: exit %d %s", code, errOut)
	}
	var ext map[string]any
	if err := json.Unmarshal([]byte(in.mustAksbox("extension", "show", "--name", "aks-preview")), &ext); err != nil ||
		ext["name"] != "aks-preview" || !versionAtLeast(ext["version"].(string), "0.4.18") {
		t.Fatalf("extension show: %v %v", err, ext)
	}
	for _, verb := range []string{"add", "show"} {
		out, errOut, code := in.aksbox("extension", verb, "--name", "ssh")
		if code != 1 || out != "" || !strings.HasPrefix(errOut, "ERROR: the extension 'ssh' is not available in aksbox; only aks-preview is") {
			t.Errorf("extension %s --name ssh: exit %d\n%s%s", verb, code, out, errOut)
		}
	}
}

// A server file left by a killed server, naming a pid that now belongs to
// another process (here: this test), does not pass for a running server.
func TestCLIStaleServerFile(t *testing.T) {
	dir := instance.Dir(t.TempDir())
	unlock, err := dir.Lock() // leaves the lock file of a server that has gone
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	self := os.Getpid()
	if err := dir.WriteServer(instance.Server{Endpoint: "https://127.0.0.1:9", PID: self, Started: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir.PIDFile(), []byte(strconv.Itoa(self)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(string(dir), "status"); code != 3 || !strings.Contains(out, "aksbox is not running") {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	if out, code := runIn(string(dir), "group", "list"); code != 1 || !strings.Contains(out, "ERROR: aksbox is not running") {
		t.Fatalf("group list: exit %d\n%s", code, out)
	}
	// down must not signal the unrelated process (it would end this test).
	if out, code := runIn(string(dir), "down"); code != 0 || !strings.Contains(out, "aksbox is not running") {
		t.Fatalf("down: exit %d\n%s", code, out)
	}
}

// 'aksbox up' that gives up (timeout, or interrupted) stops the server it
// started instead of leaving it behind.
func TestUpStopsServerItGivesUpOn(t *testing.T) {
	dir := t.TempDir()
	t.Cleanup(func() { runIn(dir, "down") })
	out, code := runIn(dir, "up", "--listen", "127.0.0.1:0", "--timeout", "1ms")
	if code != 1 || !strings.Contains(out, "did not become ready within 1ms") || !strings.Contains(out, "the server it started (pid ") {
		t.Fatalf("up --timeout 1ms: exit %d\n%s", code, out)
	}
	assertStopped(t, dir)

	cmd := exec.Command(binary, "--state-dir", dir, "up", "--listen", "127.0.0.1:0")
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if _, err := os.Stat(instance.Dir(dir).PIDFile()); err == nil {
			break
		}
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if err == nil { // the server was ready first: nothing to check
		t.Logf("up finished before the interrupt:\n%s", outb.String())
		return
	}
	if !strings.Contains(outb.String(), "ERROR: interrupted; ") || !strings.Contains(outb.String(), "the server it started (pid ") {
		t.Fatalf("interrupted up: %v\n%s", err, outb.String())
	}
	assertStopped(t, dir)
}

// assertStopped checks that no server holds or claims the state dir.
func assertStopped(t *testing.T, dir string) {
	t.Helper()
	d := instance.Dir(dir)
	if held, err := d.Locked(); err != nil || held {
		t.Fatalf("a server still holds %s: %v %v", dir, held, err)
	}
	if _, err := os.Stat(d.PIDFile()); !os.IsNotExist(err) {
		t.Fatalf("pid file left: %v", err)
	}
	if out, code := runIn(dir, "status"); code != 3 {
		t.Fatalf("status: exit %d\n%s", code, out)
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
