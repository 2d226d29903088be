package kube

import (
	"runtime"
	"testing"
)

// A ready control plane runs its Go code on one thread at a time, unless
// GOMAXPROCS in its environment says otherwise.
func TestLimitProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(3)
	t.Setenv("GOMAXPROCS", "3")
	limitProcs()
	if n := runtime.GOMAXPROCS(0); n != 3 {
		t.Fatalf("with GOMAXPROCS=3 in the environment the process runs %d Ps, want 3", n)
	}
	t.Setenv("GOMAXPROCS", "")
	limitProcs()
	if n := runtime.GOMAXPROCS(0); n != readyProcs {
		t.Fatalf("without GOMAXPROCS in the environment the process runs %d Ps, want %d", n, readyProcs)
	}
}
