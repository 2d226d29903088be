package identity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
)

// pythonWith returns a python3 interpreter that can import all modules, or
// skips the test. Debian's azure-cli (with msal) lives in /usr/bin/python3,
// which may differ from the python3 first on PATH.
func pythonWith(t *testing.T, modules ...string) string {
	t.Helper()
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	for _, py := range candidates {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := exec.CommandContext(ctx, py, "-c", "import "+strings.Join(modules, ", ")).Run()
		cancel()
		if err == nil {
			return py
		}
	}
	testenv.Need(t, false, fmt.Sprintf("needs a python3 that imports %v (tried %v): install Debian's azure-cli", modules, candidates))
	return ""
}

// runPython runs script with env added to a minimal environment and decodes
// the JSON object it prints last.
func runPython(t *testing.T, py, script string, env ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", script)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"NO_PROXY=*", "no_proxy=*", "AZURE_CORE_COLLECT_TELEMETRY=false"}, env...)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("python failed: %v\nstderr:\n%s\nstdout:\n%s", err, ee.Stderr, out)
		}
		t.Fatalf("python failed: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return decode(t, []byte(lines[len(lines)-1]))
}

const msalScript = `
import json, os, msal
app = msal.ConfidentialClientApplication(
    os.environ["CLIENT_ID"], client_credential=os.environ["CLIENT_SECRET"],
    authority=os.environ["AUTHORITY"], validate_authority=False)
print(json.dumps(app.acquire_token_for_client(scopes=[os.environ["SCOPE"]])))
`

// TestMSALPythonADFS proves the ADFS authority works with the real MSAL for
// Python that Azure CLI uses, over TLS with the CA from the pki package.
func TestMSALPythonADFS(t *testing.T) {
	py := pythonWith(t, "msal", "requests")
	env := startTLS(t)
	run := func(secret string) map[string]any {
		return runPython(t, py, msalScript, "CLIENT_ID="+env.sp.ClientID, "CLIENT_SECRET="+secret,
			"AUTHORITY="+env.base+"/adfs", "SCOPE="+env.base+"//.default", "REQUESTS_CA_BUNDLE="+env.caFile)
	}
	res := run(env.sp.Secret)
	tok, _ := res["access_token"].(string)
	if tok == "" {
		t.Fatalf("msal returned no token: %v", res)
	}
	claims, err := env.is.Authenticate(bearer(tok))
	if err != nil {
		t.Fatalf("Authenticate refused the msal token: %v", err)
	}
	if claims.Audience != env.base+"/" || claims.ClientID != env.sp.ClientID {
		t.Errorf("claims = %+v", claims)
	}

	res = run("wrong")
	codes, _ := res["error_codes"].([]any)
	if res["error"] != "invalid_client" || len(codes) != 1 || codes[0] != float64(7000215) {
		t.Errorf("wrong secret: msal returned %v", res)
	}
}
