package cli

import (
	"os"
	"strings"
	"testing"
)

// docs/commands.md is what the CLI says it is.
func TestCommandReferenceIsCurrent(t *testing.T) {
	want := Reference(NewRoot(&App{}))
	got, err := os.ReadFile("../../docs/commands.md")
	if err != nil {
		t.Fatalf("reading docs/commands.md: %v (generate it: go run ./cmd/aksbox reference > docs/commands.md)", err)
	}
	if string(got) != want {
		t.Fatal("docs/commands.md is out of date with the CLI; regenerate it: go run ./cmd/aksbox reference > docs/commands.md")
	}
	for _, c := range []string{"## aksbox group create", "## aksbox network vnet peering create", "## aksbox vm run-command invoke", "## aksbox network private-dns link vnet create"} {
		if !strings.Contains(want, c) {
			t.Errorf("the reference lacks %q", c)
		}
	}
}
