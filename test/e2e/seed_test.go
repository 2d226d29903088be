package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// seedDocument is the specification: the AKS private-cluster document.
const seedDocument = "testdata/private-clusters.md"

// seedCommands reads the az commands of the document's command blocks, in
// order, with line continuations joined.
func seedCommands(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile(seedDocument)
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]string
	var cur []string
	in, pending := false, ""
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```azurecli"):
			in, cur = true, nil
		case in && trimmed == "```":
			in = false
			blocks = append(blocks, cur)
		case in && strings.HasSuffix(trimmed, "\\"):
			pending += strings.TrimSuffix(trimmed, "\\") + " "
		case in && (trimmed != "" || pending != ""):
			cur = append(cur, strings.TrimSpace(pending+trimmed))
			pending = ""
		}
	}
	return blocks
}

// shellWords splits a command line as a shell would for the document's
// commands (double- and single-quoted words, no escapes inside them).
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	quote, started := rune(0), false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, started = r, true
		case r == ' ' || r == '\t':
			if started {
				words = append(words, w.String())
				w.Reset()
				started = false
			}
		default:
			w.WriteRune(r)
			started = true
		}
	}
	if started {
		words = append(words, w.String())
	}
	return words
}

// The document replayed: every command of every command block, in order,
// literally with az replaced by aksbox and the placeholders filled, read
// from the document itself, so the test breaks when the product drifts
// from it. The document's prose steps (a VM in a peered VNet linked to
// the zone, ssh, kubectl) follow, as TestPrivateClusterSeed does them.
func TestSeedDocumentReplay(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "2s")
	home := t.TempDir()
	t.Setenv("HOME", home) // az's default key, ~/.ssh/id_rsa.pub, and ~/.kube/config
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", filepath.Join(home, ".ssh", "id_rsa")).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	// What the document presumes: a group, and a VNet with the subnet it names.
	in.mustAksbox("group", "create", "-n", "seed-rg", "-l", "westus2")
	blocks := seedCommands(t)
	if len(blocks) != 7 {
		t.Fatalf("the document has %d command blocks, the replay knows 7: update the replay", len(blocks))
	}
	subnet := "/subscriptions/" + in.Sub + "/resourceGroups/seed-rg/providers/Microsoft.Network/virtualNetworks/seed-vnet/subnets/nodes"
	fill := []map[string]string{ // per block
		{}, {}, {}, {},
		{"<private-cluster-name>": "basic", "<private-cluster-resource-group>": "seed-rg"},
		{"<private-cluster-name>": "advanced", "<private-cluster-resource-group>": "seed-rg", "<subnet-id>": subnet},
		{"MyManagedCluster": "advanced", "MyResourceGroup": "seed-rg"},
	}
	var ran []string
	for i, block := range blocks {
		for _, line := range block {
			if i == 5 && strings.Contains(line, "--vnet-subnet-id") {
				// The subnet the document's <subnet-id> names; its VNet must not
				// overlap the service CIDR the command gives (10.2.0.0/24).
				in.mustAksbox("provider", "register", "--namespace", "Microsoft.Network")
				in.mustAksbox("network", "vnet", "create", "-g", "seed-rg", "-n", "seed-vnet", "--address-prefixes", "10.1.0.0/16",
					"--subnet-name", "nodes", "--subnet-prefixes", "10.1.1.0/24")
			}
			for k, v := range fill[i] {
				line = strings.ReplaceAll(line, k, v)
			}
			if strings.Contains(line, "<") {
				t.Fatalf("unfilled placeholder in %q", line)
			}
			words := shellWords(line)
			if words[0] != "az" {
				t.Fatalf("not an az command: %q", line)
			}
			args := words[1:]
			if strings.HasPrefix(line, "az feature list") {
				// "It may take several minutes for the status to show Registered."
				waitFor(t, func() bool {
					out, _, _ := in.aksbox(args...)
					return strings.Contains(out, "Registered")
				})
			}
			out, errOut, code := in.aksbox(args...)
			if code != 0 {
				t.Fatalf("aksbox %s: exit %d\n%s%s\nserver log:\n%s", strings.Join(args, " "), code, out, errOut, in.log)
			}
			ran = append(ran, "aksbox "+strings.Join(args, " "))
			switch {
			case strings.HasPrefix(line, "az feature list"):
				if !strings.Contains(out, "Microsoft.ContainerService/AKSPrivateLinkPreview  Registered") {
					t.Fatalf("feature list:\n%s", out)
				}
			case strings.HasPrefix(line, "az extension list"):
				if !strings.Contains(out, "aks-preview") {
					t.Fatalf("extension list:\n%s", out)
				}
			case strings.HasPrefix(line, "az aks create"):
				if !strings.Contains(out, `"provisioningState": "Succeeded"`) || !strings.Contains(out, `"enablePrivateCluster": true`) {
					t.Fatalf("aks create printed:\n%s", out)
				}
			}
		}
	}
	if len(ran) != 9 {
		t.Fatalf("ran %d commands: %v", len(ran), ran)
	}
	// The last block merged the credentials of "MyManagedCluster" into ~/.kube/config.
	fqdn := strings.TrimSpace(in.mustAksbox("aks", "show", "-g", "seed-rg", "-n", "advanced", "--query", "privateFqdn", "-o", "tsv"))
	kc, err := os.ReadFile(filepath.Join(home, ".kube", "config"))
	if err != nil || !strings.Contains(string(kc), "server: https://"+fqdn+":443") || !strings.Contains(string(kc), "current-context: advanced") {
		t.Fatalf("~/.kube/config after get-credentials: %v\n%s", err, kc)
	}
	in.mustAksbox("group", "delete", "-n", "seed-rg", "--yes")
	if ns := in.namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left: %v", ns)
	}
}
