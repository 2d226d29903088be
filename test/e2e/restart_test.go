package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/instance"
)

// State survives a clean stop and a kill -9: groups, tags, registrations,
// the CA and the credentials; a token issued before still works after.
func TestStateSurvivesRestartAndKill(t *testing.T) {
	in := start(t, "--feature-registration-delay", "0s", "--provider-registration-delay", "0s")
	tok := in.token()
	ca, _ := os.ReadFile(in.dir.CAFile())
	in.mustAksbox("group", "create", "-n", "keep", "-l", "westeurope", "--tags", "k=v")
	in.mustAksbox("feature", "register", "--namespace", "Microsoft.ContainerService", "--name", "AKSPrivateLinkPreview")
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")

	check := func(when string) {
		t.Helper()
		out := in.mustAksbox("group", "show", "-n", "keep", "--query", "[location, tags.k]", "-o", "tsv")
		if strings.Fields(out)[0] != "westeurope" || strings.Fields(out)[1] != "v" {
			t.Fatalf("%s: group = %q", when, out)
		}
		out = in.mustAksbox("feature", "show", "--namespace", "Microsoft.ContainerService", "--name", "AKSPrivateLinkPreview", "--query", "properties.state", "-o", "tsv")
		if strings.TrimSpace(out) != "Registered" {
			t.Fatalf("%s: feature = %q", when, out)
		}
		out = in.mustAksbox("provider", "show", "-n", "Microsoft.ContainerService", "--query", "registrationState", "-o", "tsv")
		if strings.TrimSpace(out) != "Registered" {
			t.Fatalf("%s: provider = %q", when, out)
		}
		if ca2, _ := os.ReadFile(in.dir.CAFile()); string(ca2) != string(ca) {
			t.Fatalf("%s: the CA changed", when)
		}
		req, _ := newReq("GET", in.Endpoint+"/subscriptions/"+in.Sub+"/resourcegroups/keep?api-version=2021-04-01", tok)
		resp, err := in.HTTP.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: old token refused: %v %v", when, err, resp)
		}
		resp.Body.Close()
	}
	check("before")
	in.stop()
	in.restart()
	check("after a clean restart")
	in.kill()
	in.restart()
	check("after kill -9")
}

// aksbox up / status / down run the server in the background, and the
// client commands find it through the state dir alone.
func TestUpStatusDown(t *testing.T) {
	dir := t.TempDir()
	// --state-dir alone selects the instance (the variable is left empty).
	run := func(args ...string) (string, int) {
		return runIn("", append([]string{"--state-dir", dir}, args...)...)
	}
	t.Cleanup(func() { run("down") })
	if out, code := run("status"); code != 3 || !strings.Contains(out, "not running") {
		t.Fatalf("status before up: %d %s", code, out)
	}
	if out, code := run("up", "--listen", "127.0.0.1:0"); code != 0 || !strings.Contains(out, "running") {
		t.Fatalf("up: %d %s", code, out)
	}
	out, code := run("status")
	var st map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st["running"] != true {
		t.Fatalf("status: %d %s", code, out)
	}
	if out, code := run("group", "create", "-n", "bg", "-l", "westus2"); code != 0 {
		t.Fatalf("group create: %s", out)
	}
	if out, code := run("down"); code != 0 || !strings.Contains(out, "stopped") {
		t.Fatalf("down: %d %s", code, out)
	}
	if _, err := os.Stat(instance.Dir(dir).ServerFile()); !os.IsNotExist(err) {
		t.Fatalf("server file left after down: %v", err)
	}
	if out, code := run("group", "show", "-n", "bg"); code == 0 || !strings.Contains(out, "not running") {
		t.Fatalf("client while down: %d %s", code, out)
	}
	if out, code := run("up", "--listen", "127.0.0.1:0"); code != 0 {
		t.Fatalf("up again: %s", out)
	}
	if out, code := run("group", "show", "-n", "bg", "--query", "name", "-o", "tsv"); code != 0 || strings.TrimSpace(out) != "bg" {
		t.Fatalf("group after down/up: %d %s", code, out)
	}
	if out, code := run("log-check-unused"); code == 0 {
		t.Fatalf("unknown command succeeded: %s", out)
	}
}
