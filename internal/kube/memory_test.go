package kube

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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

// A control plane starts at startGCPercent and runs at gcPercent once
// ready, unless GOGC in its environment says otherwise.
func TestStartAndRunningHeapGrowth(t *testing.T) {
	percent := func() int {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return int(s[0].Value.Uint64())
	}
	defer debug.SetGCPercent(percent())
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tuneMemory()
	if p := percent(); p != startGCPercent {
		t.Fatalf("starting, the heap may grow %d%%, want %d%%", p, startGCPercent)
	}
	if !endStartMemory() {
		t.Fatal("endStartMemory did not set the running heap growth, so nothing gives the start's heap back")
	}
	if p := percent(); p != gcPercent {
		t.Fatalf("ready, the heap may grow %d%%, want %d%%", p, gcPercent)
	}

	debug.SetGCPercent(70)
	t.Setenv("GOGC", "70")
	tuneMemory()
	if endStartMemory() {
		t.Fatal("with GOGC=70 in the environment endStartMemory reports it set the heap growth")
	}
	if p := percent(); p != 70 {
		t.Fatalf("with GOGC=70 in the environment the heap may grow %d%%, want 70%%", p)
	}
}
