package identity

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
)

// azEnv is the environment Azure CLI needs to use aksbox: the metadata URL,
// the CA for urllib (SSL_CERT_FILE) and requests (REQUESTS_CA_BUNDLE), and a
// private config directory.
func azEnv(t *testing.T, env *tlsEnv) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AZURE_CONFIG_DIR=" + t.TempDir(),
		"ARM_CLOUD_METADATA_URL=" + env.base + "/metadata/endpoints?api-version=2019-05-01",
		"SSL_CERT_FILE=" + env.caFile, "REQUESTS_CA_BUNDLE=" + env.caFile,
		"AZURE_CORE_COLLECT_TELEMETRY=false", "AZURE_CORE_NO_COLOR=true", "NO_PROXY=*", "no_proxy=*",
	}
}

func runAz(t *testing.T, az string, environ []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, az, append(args, "--only-show-errors")...)
	cmd.Env = environ
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestAzureCLILogin runs the real Azure CLI: "az login --service-principal"
// (metadata over urllib, MSAL ADFS sign-in, then GET /subscriptions on the
// test's ARM stand-in) and "az account get-access-token", whose token
// Authenticate must accept. A wrong secret must fail with AADSTS7000215.
func TestAzureCLILogin(t *testing.T) {
	az := testenv.Tool(t, "az", "install Debian's azure-cli")
	pythonWith(t, "azure.cli.core") // skips when az's python modules are absent
	env := startTLS(t)
	environ := azEnv(t, env)
	tid := env.dir.TenantID()

	out, err := runAz(t, az, environ, "login", "--service-principal", "-u", env.sp.ClientID, "-p", "wrong", "--tenant", tid)
	if err == nil || !strings.Contains(out, "AADSTS7000215: Invalid client secret") {
		t.Errorf("login with a wrong secret: err %v, output:\n%s", err, out)
	}

	out, err = runAz(t, az, environ, "login", "--service-principal", "-u", env.sp.ClientID, "-p", env.sp.Secret,
		"--tenant", tid, "-o", "json")
	if err != nil {
		t.Fatalf("az login: %v\n%s", err, out)
	}
	var subs []struct {
		ID, TenantID, CloudName string
		User                    struct{ Name, Type string }
	}
	if err := json.Unmarshal([]byte(out), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("az login output: %v\n%s", err, out)
	}
	if s := subs[0]; s.ID != env.dir.Subscriptions()[0].SubscriptionID || s.TenantID != tid ||
		s.CloudName != DefaultCloudName || s.User.Name != env.sp.ClientID || s.User.Type != "servicePrincipal" {
		t.Errorf("az login result = %+v", s)
	}

	out, err = runAz(t, az, environ, "account", "get-access-token", "-o", "json")
	if err != nil {
		t.Fatalf("az account get-access-token: %v\n%s", err, out)
	}
	var tok struct{ AccessToken string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("get-access-token output: %v\n%s", err, out)
	}
	claims, err := env.is.Authenticate(bearer(tok.AccessToken))
	if err != nil {
		t.Fatalf("Authenticate refused az's token: %v", err)
	}
	if claims.Audience != env.base+"/" {
		t.Errorf("audience = %q, want %q", claims.Audience, env.base+"/")
	}
}

const azCloudScript = `
import json
from azure.cli.core.cloud import get_known_clouds, get_default_cloud_name
from azure.cli.core.auth.identity import _get_authority_url
clouds = get_known_clouds(refresh=True)
c = clouds[0]
authority, is_adfs = _get_authority_url(c.endpoints.active_directory, None)
print(json.dumps({"count": len(clouds), "name": c.name, "default": get_default_cloud_name(),
    "resource_manager": c.endpoints.resource_manager, "active_directory": c.endpoints.active_directory,
    "resource_id": c.endpoints.active_directory_resource_id, "authority": authority, "is_adfs": is_adfs}))
`

// TestAzureCLICloudMetadata loads the metadata the way Azure CLI 2.45 does
// with ARM_CLOUD_METADATA_URL (urllib over TLS, then _arm_to_cli_mapper) and
// checks it yields an ADFS authority on aksbox.
func TestAzureCLICloudMetadata(t *testing.T) {
	py := pythonWith(t, "azure.cli.core.cloud")
	env := startTLS(t)
	res := runPython(t, py, azCloudScript,
		"ARM_CLOUD_METADATA_URL="+env.base+"/metadata/endpoints?api-version=2019-05-01",
		"SSL_CERT_FILE="+env.caFile, "AZURE_CONFIG_DIR="+t.TempDir())
	want := map[string]any{
		"count": float64(1), "name": DefaultCloudName, "default": DefaultCloudName,
		"resource_manager": env.base + "/", "active_directory": env.base + "/adfs",
		"resource_id": env.base + "/", "authority": env.base + "/adfs", "is_adfs": true,
	}
	for k, v := range want {
		if res[k] != v {
			t.Errorf("%s = %v, want %v", k, res[k], v)
		}
	}
}
