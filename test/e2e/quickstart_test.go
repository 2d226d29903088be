package e2e

import (
	"os"
	"strings"
	"testing"
)

// The quickstart starts the cloud itself, walks the document's steps that
// exist, and cleans up after itself.
func TestQuickstart(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the quickstart runs as root")
	}
	dir := t.TempDir()
	run := func(args ...string) (string, int) { return runIn(dir, args...) }
	t.Cleanup(func() { run("down") })
	out, code := run("quickstart", "--listen", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("quickstart: exit %d\n%s", code, out)
	}
	for _, want := range []string{
		"$ aksbox extension update --name aks-preview",
		"$ aksbox feature register --name AKSPrivateLinkPreview --namespace Microsoft.ContainerService",
		"Microsoft.ContainerService/AKSPrivateLinkPreview  Registered",
		"$ aksbox provider register --namespace Microsoft.Network --wait",
		"aksbox quickstart --cleanup",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, out)
		}
	}
	if out, _ := run("group", "exists", "-n", "aksbox-quickstart"); strings.TrimSpace(out) != "true" {
		t.Fatalf("quickstart group missing: %s", out)
	}
	if out, code := run("quickstart", "--cleanup"); code != 0 || !strings.Contains(out, "Cleaned up") {
		t.Fatalf("cleanup: %d %s", code, out)
	}
	if out, _ := run("group", "exists", "-n", "aksbox-quickstart"); strings.TrimSpace(out) != "false" {
		t.Fatalf("quickstart group left after cleanup: %s", out)
	}
}
