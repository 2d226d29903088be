// Package e2e holds whole-binary tests: they build aksbox, start
// 'aksbox serve' on a free loopback port with a temporary state dir, and
// drive it with the Azure SDK for Go, the aksbox CLI and the real az.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aksbox/aksbox/internal/cli"
	"github.com/aksbox/aksbox/internal/identity"
	"github.com/aksbox/aksbox/internal/instance"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aksbox-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "aksbox")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/aksbox")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building aksbox:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// instanceT is one running 'aksbox serve' for a test.
type instanceT struct {
	t        testing.TB
	dir      instance.Dir
	args     []string
	env      []string // added to the server's environment
	cmd      *exec.Cmd
	log      *bytes.Buffer
	Endpoint string
	Tenant   string
	Sub      string
	ClientID string
	Secret   string
	HTTP     *http.Client
}

// start runs a server with extra serve flags and waits until it is ready.
func start(t testing.TB, extra ...string) *instanceT {
	t.Helper()
	in := &instanceT{t: t, dir: instance.Dir(t.TempDir()), args: extra}
	in.launch()
	t.Cleanup(in.purge)
	t.Cleanup(in.stop)
	return in
}

// purge removes what a test that failed half-way left of the instance:
// its namespaces and whatever still runs in them. A passing test has
// deleted its groups, and with them every namespace, already.
func (in *instanceT) purge() {
	for _, ns := range in.namespacesOrNone() {
		if pids, err := exec.Command("ip", "netns", "pids", ns).Output(); err == nil {
			for _, pid := range strings.Fields(string(pids)) {
				_ = exec.Command("kill", "-9", pid).Run()
			}
		}
		_ = exec.Command("ip", "netns", "delete", ns).Run()
	}
	// VM inits whose namespace a test deleted are in no named namespace:
	// they are found by the instance's folder on their command line.
	for _, pid := range processesWith(in.dir.Path("vms")) {
		_ = exec.Command("kill", "-9", pid).Run()
	}
}

func (in *instanceT) launch() {
	t := in.t
	t.Helper()
	listen := "127.0.0.1:0"
	if in.Endpoint != "" { // a restart keeps its address, as a real instance does
		listen = strings.TrimPrefix(in.Endpoint, "https://")
	}
	args := append([]string{"serve", "--state-dir", string(in.dir), "--listen", listen}, in.args...)
	if !slices.ContainsFunc(in.args, func(a string) bool { return strings.HasPrefix(a, "--warm-control-planes") }) {
		// No warm control plane unless a test asks for one (warm_test.go):
		// the others count the instance's namespaces, folders and keys.
		args = append(args, "--warm-control-planes", "0")
	}
	in.cmd = exec.Command(binary, args...)
	in.cmd.Env = append(os.Environ(), in.env...)
	in.log = &bytes.Buffer{}
	in.cmd.Stdout, in.cmd.Stderr = in.log, in.log
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("starting aksbox serve: %v", err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		srv, err := in.dir.ReadServer()
		if err == nil && srv.PID == in.cmd.Process.Pid {
			in.Endpoint = srv.Endpoint
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("aksbox serve not ready: %v\n%s", err, in.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	d, err := identity.LoadOrCreateDirectory(in.dir.IdentityFile())
	if err != nil {
		t.Fatal(err)
	}
	in.Tenant, in.Sub = d.TenantID(), d.Subscriptions()[0].SubscriptionID
	in.ClientID, in.Secret = d.Principals()[0].ClientID, d.Principals()[0].Secret
	in.HTTP, err = cli.HTTPClient(in.dir.CAFile())
	if err != nil {
		t.Fatal(err)
	}
}

// stop ends the server with SIGTERM and waits for a clean exit.
func (in *instanceT) stop() {
	if in.cmd == nil || in.cmd.ProcessState != nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			in.t.Errorf("aksbox serve exited with %v\n%s", err, in.log)
		}
	case <-time.After(60 * time.Second):
		_ = in.cmd.Process.Kill()
		<-done
		in.t.Errorf("aksbox serve did not stop on SIGTERM\n%s", in.log)
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (in *instanceT) kill() {
	_ = in.cmd.Process.Kill()
	_, _ = in.cmd.Process.Wait()
	in.cmd.ProcessState = &os.ProcessState{}
}

// crashed waits until the server has ended by itself (a fault point
// killed it) and fails the test if it has not within limit.
func (in *instanceT) crashed(limit time.Duration) {
	in.t.Helper()
	done := make(chan struct{})
	go func() { _, _ = in.cmd.Process.Wait(); close(done) }()
	select {
	case <-done:
		in.cmd.ProcessState = &os.ProcessState{}
	case <-time.After(limit):
		in.t.Fatalf("the server did not crash within %s\n%s", limit, in.log)
	}
}

// restart starts the server again on the same state dir.
func (in *instanceT) restart() { in.launch() }

// clientOptions are the SDK options for this instance.
func (in *instanceT) clientOptions() *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: azcore.ClientOptions{Cloud: cli.Cloud(in.Endpoint), Transport: in.HTTP}, DisableRPRegistration: true}
}

// cred is a client-secret credential as an SDK user would make it.
func (in *instanceT) cred() azcore.TokenCredential {
	in.t.Helper()
	c, err := azidentity.NewClientSecretCredential(in.Tenant, in.ClientID, in.Secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: in.clientOptions().ClientOptions, DisableInstanceDiscovery: true})
	if err != nil {
		in.t.Fatal(err)
	}
	return c
}

// token gets a bearer token for raw HTTP calls.
func (in *instanceT) token() string {
	in.t.Helper()
	tok, err := in.cred().GetToken(context.Background(), azcorePolicy())
	if err != nil {
		in.t.Fatal(err)
	}
	return tok.Token
}

// call makes a raw ARM call with a token and returns status and body.
func (in *instanceT) call(method, path, body string, hdr ...string) (int, map[string]any, http.Header) {
	in.t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequest(method, in.Endpoint+path, rd)
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+in.token())
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := in.HTTP.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

// aksbox runs the CLI against this instance and returns stdout, stderr
// and the exit code.
func (in *instanceT) aksbox(args ...string) (string, string, int) {
	in.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), instance.EnvStateDir+"="+string(in.dir))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		in.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// mustAksbox runs the CLI and fails the test on a non-zero exit.
func (in *instanceT) mustAksbox(args ...string) string {
	in.t.Helper()
	out, errOut, code := in.aksbox(args...)
	if code != 0 {
		in.t.Fatalf("aksbox %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func errMessage(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}
