// Package testenv decides what a test does when something it needs from
// the machine is missing (a tool, root): it skips, naming what is missing,
// unless AKSBOX_REQUIRE_ALL is set, as CI sets it, where the test fails
// instead, so a tool that a CI machine lacks cannot pass for a green run.
// It is never for the code under test failing: that is a failure always.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireAll is the variable that turns every skip for a missing need into
// a failure.
const RequireAll = "AKSBOX_REQUIRE_ALL"

// Need skips (or, under AKSBOX_REQUIRE_ALL, fails) tb unless ok; why names
// what is missing and how to get it.
func Need(tb testing.TB, ok bool, why string) {
	tb.Helper()
	if ok {
		return
	}
	if os.Getenv(RequireAll) != "" {
		tb.Fatalf("%s (%s is set: every tool the tests use must be installed)", why, RequireAll)
		return
	}
	tb.Skip(why)
}

// Tool returns the path of a program on the PATH, or skips (fails) tb.
func Tool(tb testing.TB, name, why string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	Need(tb, err == nil, "needs "+name+": "+why)
	return path
}

// Root skips (fails) tb unless it runs as root, which network namespaces
// need.
func Root(tb testing.TB) {
	tb.Helper()
	Need(tb, os.Geteuid() == 0, "needs root to create network namespaces")
}
