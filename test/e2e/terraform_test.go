package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/cli"
	"github.com/aksbox/aksbox/internal/testenv"
)

// terraformT runs the real Terraform with the azurerm provider that
// hack/terraform-provider.sh built, against one instance, in one working
// folder.
type terraformT struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

// newTerraform finds Terraform and the provider (skipping when either is
// truly absent), copies the configuration in testdata/terraform/<config>
// into a folder of the test's, and takes its environment from
// `aksbox env --terraform`, as a user would.
func newTerraform(t *testing.T, in *instanceT, config string) *terraformT {
	t.Helper()
	rc := cli.TerraformCLIConfig()
	testenv.Need(t, rc != "", "the azurerm provider is not built: run hack/terraform-provider.sh (.ci/run does)")
	bin, err := exec.LookPath("terraform")
	if err != nil {
		bin = filepath.Join(filepath.Dir(rc), "bin", "terraform")
		_, err = os.Stat(bin)
		testenv.Need(t, err == nil, "no terraform: run hack/terraform-provider.sh (.ci/run does)")
	}
	tf := &terraformT{t: t, bin: bin, dir: t.TempDir()}
	src := filepath.Join("testdata", "terraform", config)
	files, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(src, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tf.dir, f.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tf.env = append(os.Environ(), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	for _, line := range strings.Split(in.mustAksbox("env", "--terraform"), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		tf.env = append(tf.env, k+"="+unquoteShell(v))
	}
	if !strings.Contains(strings.Join(tf.env, "\n"), "TF_CLI_CONFIG_FILE="+rc) {
		t.Fatalf("aksbox env --terraform did not name the CLI configuration %s", rc)
	}
	return tf
}

// unquoteShell undoes the single quoting of aksbox env.
func unquoteShell(v string) string {
	v = strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'")
	return strings.ReplaceAll(v, `'\''`, "'")
}

// run runs terraform with args and returns its combined output and exit code.
func (tf *terraformT) run(args ...string) (string, int) {
	tf.t.Helper()
	cmd := exec.Command(tf.bin, args...)
	cmd.Dir, cmd.Env = tf.dir, tf.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	} else if err != nil {
		tf.t.Fatal(err)
	}
	return out.String(), 0
}

// must runs terraform and fails the test unless it exits 0.
func (tf *terraformT) must(args ...string) string {
	tf.t.Helper()
	out, code := tf.run(args...)
	if code != 0 {
		tf.t.Fatalf("terraform %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// output reads one output of the state.
func (tf *terraformT) output(name string) string {
	tf.t.Helper()
	return tf.must("output", "-raw", name)
}

// planClean fails the test unless a plan shows no changes.
func (tf *terraformT) planClean(what string, vars ...string) {
	tf.t.Helper()
	args := append([]string{"plan", "-detailed-exitcode", "-no-color"}, vars...)
	if out, code := tf.run(args...); code != 0 {
		tf.t.Fatalf("plan %s: exit %d, want 0 (no changes)\n%s", what, code, out)
	}
}

// Terraform's azurerm provider builds the document's private cluster, a
// second one in a zone of the user's, a third with no private zone, a jump
// box in a peered VNet linked to both zones; kubectl from the jump box
// reaches all three; a plan right after
// apply shows no changes; node_count scales the pool in place; destroy
// leaves no namespace or Kubernetes key.
func TestTerraformPrivateAKS(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	in.mustAksbox("feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService", "-o", "none")
	tf := newTerraform(t, in, "private-aks")
	keyPath, authorized := writeKey(t)
	tf.env = append(tf.env, "TF_VAR_ssh_public_key="+strings.TrimSpace(authorized))

	tf.must("init", "-no-color")
	if out, code := tf.run("apply", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("terraform apply: exit %d\n%s\n%s", code, out, in.log)
	}
	jump := tf.output("jump_ip")
	if kc, fqdn := tf.output("none_kube_config_raw"), tf.output("none_fqdn"); !strings.Contains(fqdn, ".hcp.westus2.azmk8s.io") || !strings.Contains(kc, "https://"+fqdn) {
		t.Fatalf("the cluster without a private zone is not reached by its public FQDN %q:\n%s", fqdn, kc)
	}
	for _, kc := range []string{"kube_config_raw", "byo_kube_config_raw", "none_kube_config_raw"} {
		if out, err := sshRun(keyPath, jump, kubectlNodes, tf.output(kc)); err != nil || strings.Count(out, " Ready ") != 1 {
			t.Fatalf("kubectl from the jump box with %s: %v\n%s", kc, err, out)
		}
	}
	if fqdn := tf.output("byo_private_fqdn"); !strings.HasPrefix(fqdn, "byo-") || !strings.HasSuffix(fqdn, ".byo.privatelink.westus2.azmk8s.io") {
		t.Fatalf("private FQDN in the user's zone: %q", fqdn)
	}

	tf.planClean("right after apply")
	if out := tf.must("apply", "-auto-approve", "-no-color"); !strings.Contains(out, "0 added, 0 changed, 0 destroyed") {
		t.Fatalf("a second apply changed something:\n%s", out)
	}

	// Scaling is an in-place update of the pool.
	out := tf.must("apply", "-auto-approve", "-no-color", "-var", "node_count=2")
	if !strings.Contains(out, "0 added, 1 changed, 0 destroyed") {
		t.Fatalf("scaling was not one in-place change:\n%s", out)
	}
	if out, err := sshRun(keyPath, jump, kubectlNodes, tf.output("kube_config_raw")); err != nil || strings.Count(out, " Ready ") != 2 {
		t.Fatalf("kubectl after scaling to two nodes: %v\n%s", err, out)
	}
	tf.planClean("after scaling", "-var", "node_count=2")

	tf.must("destroy", "-auto-approve", "-no-color", "-var", "node_count=2")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after destroy: %v", ns)
	}
	if n := in.etcdKeys("/aksbox/clusters/"); n != 0 {
		t.Fatalf("%d Kubernetes keys left in etcd after destroy", n)
	}
	if out, _ := exec.Command("pgrep", "-f", string(in.dir)+"/clusters/").Output(); len(strings.TrimSpace(string(out))) != 0 {
		t.Fatalf("control plane processes left after destroy: %s", out)
	}
	if groups := strings.TrimSpace(in.mustAksbox("group", "list", "--query", "[].name", "-o", "tsv")); groups != "" {
		t.Fatalf("groups left after destroy: %s", groups)
	}
	if state := strings.TrimSpace(tf.must("state", "list")); state != "" {
		t.Fatalf("state after destroy:\n%s", state)
	}

	// Values Azure refuses fail the apply with ARM's code and message, make
	// no cluster, and leave a state that a fixed apply converges from.
	bad := newTerraform(t, in, "bad-network")
	bad.must("init", "-no-color")
	for _, c := range []struct {
		vars []string
		code string
		says string
	}{
		{[]string{"load_balancer_sku=basic"}, "PrivateClusterNotSupportedWithBasicLoadBalancer", "Private clusters need the standard load balancer SKU"},
		{[]string{"service_cidr=10.1.0.0/24", "dns_service_ip=10.1.0.10"}, "ServiceCidrOverlapExistingSubnetsCidr", "The specified service CIDR 10.1.0.0/24 is conflicted"},
		{[]string{"dns_service_ip=10.9.0.10"}, "DnsServiceIPOutOfServiceCidr", "10.9.0.10"},
	} {
		args := []string{"apply", "-auto-approve", "-no-color"}
		for _, v := range c.vars {
			args = append(args, "-var", v)
		}
		out, code := bad.run(args...)
		if code == 0 || !strings.Contains(out, c.code) || !strings.Contains(out, c.says) {
			t.Fatalf("apply with %v: exit %d, want %s (%q) in:\n%s", c.vars, code, c.code, c.says, out)
		}
		if st := bad.must("state", "list"); strings.Contains(st, "azurerm_kubernetes_cluster") {
			t.Fatalf("a refused cluster is in the state:\n%s", st)
		}
		if clusters := strings.TrimSpace(in.mustAksbox("aks", "list", "--query", "[].name", "-o", "tsv")); clusters != "" {
			t.Fatalf("a refused cluster was made: %s", clusters)
		}
	}
	bad.must("apply", "-auto-approve", "-no-color")
	bad.planClean("after the fixed apply")
	bad.must("destroy", "-auto-approve", "-no-color")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the second destroy: %v", ns)
	}
}
