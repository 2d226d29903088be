package testenv

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that records how a check ended.
type recorder struct {
	testing.TB
	ended string
}

func (r *recorder) Helper()          {}
func (r *recorder) Skip(args ...any) { r.ended = "skip: " + fmt.Sprint(args...) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.ended = "fail: " + fmt.Sprintf(format, args...)
}

func TestNeed(t *testing.T) {
	for _, c := range []struct {
		require string
		ok      bool
		want    string
	}{
		{"", true, ""},
		{"1", true, ""},
		{"", false, "skip: needs x"},
		{"1", false, "fail: needs x (AKSBOX_REQUIRE_ALL is set: every tool the tests use must be installed)"},
	} {
		t.Setenv(RequireAll, c.require)
		r := &recorder{TB: t}
		Need(r, c.ok, "needs x")
		if r.ended != c.want {
			t.Errorf("require=%q ok=%v: %q, want %q", c.require, c.ok, r.ended, c.want)
		}
	}
}

func TestTool(t *testing.T) {
	t.Setenv(RequireAll, "1")
	r := &recorder{TB: t}
	if Tool(r, "sh", "a shell"); r.ended != "" {
		t.Errorf("sh: %s", r.ended)
	}
	Tool(r, "no-such-tool-anywhere", "install it")
	if r.ended != "fail: needs no-such-tool-anywhere: install it (AKSBOX_REQUIRE_ALL is set: every tool the tests use must be installed)" {
		t.Errorf("a missing tool: %s", r.ended)
	}
}
