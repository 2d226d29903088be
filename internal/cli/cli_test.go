package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command builds and prints its help: no flag is defined twice and
// every group is reachable.
func TestCommandTreeHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		var out bytes.Buffer
		a := &App{Stdout: &out, Stderr: &out}
		root := NewRoot(a)
		path := strings.Fields(c.CommandPath())[1:]
		root.SetArgs(append(path, "--help"))
		root.SetOut(&out)
		if err := root.Execute(); err != nil {
			t.Errorf("%s --help: %v", c.CommandPath(), err)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRoot(&App{}))
	if n < 30 {
		t.Errorf("only %d commands", n)
	}
}

func TestParseTags(t *testing.T) {
	tags, err := parseTags([]string{"a=1"}, []string{"b=x=y", "c"})
	if err != nil || tags["a"] != "1" || tags["b"] != "x=y" || tags["c"] != "" || len(tags) != 3 {
		t.Fatalf("%v %v", tags, err)
	}
	if tags, _ := parseTags([]string{`""`}, nil); len(tags) != 0 {
		t.Fatalf("empty tags: %v", tags)
	}
	if _, err := parseTags([]string{"=v"}, nil); err == nil {
		t.Fatal("tag without a name accepted")
	}
}

// Usage errors exit 2 and say what is missing, as az does.
func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"group", "create", "-n", "x"},
		{"group", "show", "--bogus"},
		{"feature", "register", "--name", "x"},
		{"group", "list", "extra"},
	} {
		var out, errb bytes.Buffer
		code := Main(append(args, "--state-dir", t.TempDir()), nil, &out, &errb, nil)
		if code != 2 || !strings.HasPrefix(errb.String(), "ERROR: ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
}
