package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serverKubeconfig is a kubeconfig as AKS returns it from
// listClusterUserCredential / listClusterAdminCredential.
func serverKubeconfig(cluster, user, server string) string {
	return fmt.Sprintf(`apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: %s
  name: %s
contexts:
- context:
    cluster: %s
    user: %s
  name: %s
current-context: %s
kind: Config
preferences: {}
users:
- name: %s
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZCg==
    token: 0123abcd
`, server, cluster, cluster, user, cluster, cluster, user)
}

const c1Server = "https://c1-rg-8ecadf-1a2b3c4d.5e6f.privatelink.westus2.azmk8s.io:443"

func credApp() (*App, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &App{Stdout: &out, Stderr: &errb}, &out, &errb
}

func TestGetCredentialsNewFile(t *testing.T) {
	a, out, errb := credApp()
	path := filepath.Join(t.TempDir(), "home", ".kube", "config")
	user := serverKubeconfig("c1", "clusterUser_rg_c1", c1Server)
	if err := a.saveCredentials(path, []byte(user), false, ""); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != user { // already in PyYAML's safe_dump form
		t.Fatalf("kubeconfig %v:\n%s", err, data)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("mode %v", m)
	}
	if out.Len() != 0 || errb.String() != `WARNING: Merged "c1" as current context in `+path+"\n" {
		t.Errorf("stdout %q stderr %q", out, errb)
	}
}

// Merging into a file with other clusters keeps them, adds the new
// entries at the end and switches the current context; az writes the
// document back with sorted keys.
func TestGetCredentialsMergeExisting(t *testing.T) {
	a, _, errb := credApp()
	path := filepath.Join(t.TempDir(), "config")
	existing := `kind: Config
apiVersion: v1
current-context: kind-dev
preferences: {}
clusters:
- name: kind-dev
  cluster: {server: 'https://127.0.0.1:6443', insecure-skip-tls-verify: true}
contexts:
- name: kind-dev
  context: {cluster: kind-dev, user: kind-dev, namespace: "007"}
users:
- name: kind-dev
  user: {token: abc}
`
	if err := os.WriteFile(path, []byte(existing), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := a.saveCredentials(path, []byte(serverKubeconfig("c1", "clusterUser_rg_c1", c1Server)), false, ""); err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: v1
clusters:
- cluster:
    insecure-skip-tls-verify: true
    server: https://127.0.0.1:6443
  name: kind-dev
- cluster:
    certificate-authority-data: Q0EK
    server: ` + c1Server + `
  name: c1
contexts:
- context:
    cluster: kind-dev
    namespace: '007'
    user: kind-dev
  name: kind-dev
- context:
    cluster: c1
    user: clusterUser_rg_c1
  name: c1
current-context: c1
kind: Config
preferences: {}
users:
- name: kind-dev
  user:
    token: abc
- name: clusterUser_rg_c1
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZCg==
    token: 0123abcd
`
	if data, _ := os.ReadFile(path); string(data) != want {
		t.Errorf("merged:\n%s", data)
	}
	// The file was group-readable: az warns, and keeps its mode.
	if w := path + " has permissions \"644\".\nIt should be readable and writable only by its owner.\n"; !strings.Contains(errb.String(), w) {
		t.Errorf("stderr %q", errb)
	}
	if m := mode(t, path); m != 0o644 {
		t.Errorf("mode %v", m)
	}
}

func TestGetCredentialsClash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	a, _, _ := credApp()
	first := serverKubeconfig("c1", "clusterUser_rg_c1", c1Server)
	if err := a.saveCredentials(path, []byte(first), false, ""); err != nil {
		t.Fatal(err)
	}
	// The same credentials again merge without complaint.
	if err := a.saveCredentials(path, []byte(first), false, ""); err != nil {
		t.Fatalf("identical entries: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != first {
		t.Fatalf("after re-merge:\n%s", data)
	}
	// A recreated cluster of the same name has another server: refused...
	second := serverKubeconfig("c1", "clusterUser_rg_c1", "https://c1-rg-8ecadf-99999999.5e6f.privatelink.westus2.azmk8s.io:443")
	err := a.saveCredentials(path, []byte(second), false, "")
	if err == nil || err.Error() != "A different object named c1 already exists in clusters in your kubeconfig file." {
		t.Fatalf("clash: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != first {
		t.Fatalf("a refused merge changed the file:\n%s", data)
	}
	// ... unless --overwrite-existing.
	if err := a.saveCredentials(path, []byte(second), true, ""); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != second {
		t.Fatalf("overwritten:\n%s", data)
	}
}

// --admin credentials name the user clusterAdmin_<rg>_<name>; az renames
// their context <name>-admin so it sits beside the user one.
func TestGetCredentialsAdmin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	a, _, errb := credApp()
	if err := a.saveCredentials(path, []byte(serverKubeconfig("c1", "clusterUser_rg_c1", c1Server)), false, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.saveCredentials(path, []byte(serverKubeconfig("c1", "clusterAdmin_rg_c1", c1Server)), false, ""); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	cfg, err := parseKubeconfig(data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, key := range []string{"clusters", "users", "contexts"} {
		for _, e := range cfg[key].([]any) {
			names = append(names, key+":"+entryName(e))
		}
	}
	if got := strings.Join(names, " "); got != "clusters:c1 users:clusterUser_rg_c1 users:clusterAdmin_rg_c1 contexts:c1 contexts:c1-admin" {
		t.Errorf("entries: %s", got)
	}
	adminCtx := cfg["contexts"].([]any)[1].(map[string]any)["context"].(map[string]any)
	if cfg["current-context"] != "c1-admin" || adminCtx["user"] != "clusterAdmin_rg_c1" || adminCtx["cluster"] != "c1" {
		t.Errorf("current %v, admin context %v", cfg["current-context"], adminCtx)
	}
	if !strings.HasSuffix(errb.String(), `WARNING: Merged "c1-admin" as current context in `+path+"\n") {
		t.Errorf("stderr %q", errb)
	}
}

// --context renames the context and its cluster (not the user).
func TestGetCredentialsContextName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	a, _, errb := credApp()
	if err := a.saveCredentials(path, []byte(serverKubeconfig("c1", "clusterUser_rg_c1", c1Server)), false, "prod"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	cfg, _ := parseKubeconfig(data)
	ctx := cfg["contexts"].([]any)[0].(map[string]any)
	if cfg["current-context"] != "prod" || ctx["name"] != "prod" || ctx["context"].(map[string]any)["cluster"] != "prod" ||
		entryName(cfg["clusters"].([]any)[0]) != "prod" || entryName(cfg["users"].([]any)[0]) != "clusterUser_rg_c1" {
		t.Errorf("renamed:\n%s", data)
	}
	if !strings.Contains(errb.String(), `Merged "prod" as current context`) {
		t.Errorf("stderr %q", errb)
	}
}

func TestGetCredentialsStdout(t *testing.T) {
	a, out, errb := credApp()
	kc := serverKubeconfig("c1", "clusterUser_rg_c1", c1Server)
	if err := a.saveCredentials("-", []byte(kc), false, ""); err != nil {
		t.Fatal(err)
	}
	if out.String() != kc+"\n" || errb.Len() != 0 {
		t.Errorf("stdout %q stderr %q", out, errb)
	}
}

func TestGetCredentialsBadExisting(t *testing.T) {
	dir := t.TempDir()
	a, _, _ := credApp()
	kc := []byte(serverKubeconfig("c1", "clusterUser_rg_c1", c1Server))
	noClusters := filepath.Join(dir, "a")
	os.WriteFile(noClusters, []byte("apiVersion: v1\nkind: Config\npreferences: {}\n"), 0o600)
	if err := a.saveCredentials(noClusters, kc, false, ""); err == nil || !strings.HasPrefix(err.Error(), "No such key 'clusters' in existing config") {
		t.Errorf("no clusters key: %v", err)
	}
	broken := filepath.Join(dir, "b")
	os.WriteFile(broken, []byte("clusters: [\n"), 0o600)
	if err := a.saveCredentials(broken, kc, false, ""); err == nil || !strings.HasPrefix(err.Error(), "Error parsing "+broken+" (") {
		t.Errorf("broken file: %v", err)
	}
	empty := filepath.Join(dir, "c")
	os.WriteFile(empty, nil, 0o600)
	if err := a.saveCredentials(empty, kc, false, ""); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestKubeconfigPath(t *testing.T) {
	a, _, errb := credApp()
	home := "/home/u"
	t.Setenv("KUBECONFIG", "/tmp/a:/tmp/b")
	for _, c := range []struct{ flag, want string }{
		{"", "/tmp/a"},
		{"~/.kube/config", "/tmp/a"}, // the default, spelled out: az still follows $KUBECONFIG
		{"~/other", "/home/u/other"},
		{"-", "-"},
		{"/x/y", "/x/y"},
	} {
		if got := a.kubeconfigPath(c.flag, home); got != c.want {
			t.Errorf("-f %q: %q, want %q", c.flag, got, c.want)
		}
	}
	t.Setenv("KUBECONFIG", "")
	if got := a.kubeconfigPath("", home); got != "/home/u/.kube/config" || errb.String() != "WARNING: Invalid path '' defined in KUBECONFIG.\n" {
		t.Errorf("empty KUBECONFIG: %q %q", got, errb)
	}
	os.Unsetenv("KUBECONFIG")
	if got := a.kubeconfigPath("", home); got != "/home/u/.kube/config" {
		t.Errorf("no KUBECONFIG: %q", got)
	}
}
