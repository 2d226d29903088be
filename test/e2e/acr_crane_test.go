package e2e

import (
	"archive/tar"
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
)

// A real registry client from the host, as docs/registry.md tells users to
// run one: go-containerregistry's crane (built from the module the project
// already requires), the registry's name on a hosts-file line (here in a
// mount namespace of crane's own, so the host's /etc/hosts is untouched),
// SSL_CERT_FILE naming the instance CA, and the login that 'aksbox acr
// login' saved in the Docker client configuration.
func TestContainerRegistryCraneFromHost(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "unshare", "install util-linux")
	crane := filepath.Join(t.TempDir(), "crane")
	if out, err := exec.Command("go", "build", "-o", crane, "github.com/google/go-containerregistry/cmd/crane").CombinedOutput(); err != nil {
		t.Fatalf("building crane: %v\n%s", err, out)
	}
	in := start(t, "--provider-registration-delay", "0s")
	in.mustAksbox("group", "create", "-n", "cranerg", "-l", "westus2")
	t.Cleanup(func() { in.aksbox("group", "delete", "-n", "cranerg", "--yes") })
	in.mustAksbox("acr", "create", "-g", "cranerg", "-n", "crane01", "--sku", "Basic", "-o", "none")

	docker := t.TempDir()
	t.Setenv("DOCKER_CONFIG", docker)
	if out := in.mustAksbox("acr", "login", "-n", "crane01"); !strings.Contains(out, "Login Succeeded") {
		t.Fatalf("acr login: %s", out)
	}
	u, _ := url.Parse(in.Endpoint)
	repo := "crane01.azurecr.io:" + u.Port() + "/hello/world"
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n127.0.0.1 crane01.azurecr.io\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	_ = tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: 6})
	_, _ = tw.Write([]byte("hello\n"))
	_ = tw.Close()
	layerFile := filepath.Join(t.TempDir(), "layer.tar")
	if err := os.WriteFile(layerFile, layer.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		c := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c",
			`mount --bind "$0" /etc/hosts && exec "$@"`, hosts, crane}, args...)...)
		c.Env = append(os.Environ(), "SSL_CERT_FILE="+in.dir.CAFile(), "DOCKER_CONFIG="+docker)
		out, err := c.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := run("append", "-f", layerFile, "-t", repo+":v1"); err != nil {
		t.Fatalf("crane append (push): %v\n%s", err, out)
	}
	if out, err := run("ls", repo); err != nil || out != "v1" {
		t.Fatalf("crane ls: %v %q", err, out)
	}
	digest, err := run("digest", repo+":v1")
	if err != nil || !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("crane digest: %v %q", err, digest)
	}
	if got := in.tsv("acr", "repository", "show-tags", "-n", "crane01", "--repository", "hello/world"); got != "v1" {
		t.Errorf("show-tags after crane's push: %q", got)
	}
	// Without the saved login, crane is refused with ACR's words.
	if err := os.Remove(filepath.Join(docker, "config.json")); err != nil {
		t.Fatal(err)
	}
	if out, err := run("ls", repo); err == nil || !strings.Contains(out, "authentication required") {
		t.Errorf("crane ls without a login: %v %s", err, out)
	}
}
