package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/aksbox/aksbox/internal/instance"
)

var runtimePoll = runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func newReq(method, url, token string) (*http.Request, error) {
	req, err := http.NewRequest(method, url, nil)
	if err == nil {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// runIn runs the aksbox binary with AKSBOX_STATE_DIR=stateDir and returns
// its combined output and exit code.
func runIn(stateDir string, args ...string) (string, int) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), instance.EnvStateDir+"="+stateDir)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return string(out), code
}

func toPtr(s string) *string { return &s }
func toBool(b bool) *bool    { return &b }

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 300; i++ {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("condition not met within 30s")
}
