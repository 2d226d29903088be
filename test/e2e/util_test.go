package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// running tells whether a process exists and has not exited (a zombie
// waiting for its parent to reap it has).
func running(pid string) bool {
	f := statFields("/proc/" + pid + "/stat")
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// statFields are the fields of a /proc stat file (a process's or a
// thread's) from the state on, the third field of the whole line: the
// command before it is in parentheses and may hold spaces. Nil if the file
// cannot be read (the process ended).
func statFields(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
}

// processWith finds the one live process whose command line holds arg (a
// server started in a VM, as the host sees it) and returns its host PID.
func processWith(t *testing.T, arg string) string {
	t.Helper()
	found := processesWith(arg)
	if len(found) != 1 {
		t.Fatalf("processes with %q: %v, want one", arg, found)
	}
	return found[0]
}

// processesWith lists the live processes whose command line holds arg, or
// a path under it.
func processesWith(arg string) []string {
	var found []string
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		pid := strings.TrimSuffix(strings.TrimPrefix(p, "/proc/"), "/cmdline")
		if err == nil && slices.ContainsFunc(strings.Split(string(b), "\x00"), func(a string) bool { return a == arg || strings.HasPrefix(a, arg+"/") }) && running(pid) {
			found = append(found, pid)
		}
	}
	return found
}
