package kube

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/aksbox/aksbox/internal/controlplane"
)

// Memory settings of the control-plane process, unless GOGC or GOMEMLIMIT
// say otherwise. The components keep mostly long-lived data (API schemas,
// informer caches) and allocate little when idle, but each collection
// marks all of it: at 50% heap growth an idle cluster's collections cost
// about a sixth less CPU than at 15% (BenchmarkAKSIdleCPU: 1.5–1.6 vs
// 1.7–2.0% of a core) for 30 MB more PSS (166 vs 136 MB), and CPU, not
// memory, is what bounds how many clusters a machine keeps awake. The soft
// limit only bounds bursts.
//
// Starting allocates several times the heap it leaves (the API schemas are
// built, marshalled and thrown away): at 50% the start spends about a
// fifth of its CPU collecting. It runs at startGCPercent instead, and the
// heap it grew is given back once the control plane is ready. Four runs
// each of BenchmarkControlPlaneProcess, CPU to ready and anonymous PSS
// after 20 s idle: 2.2–2.5 s and 138–145 MB at 50%; 2.0–2.1 s and
// 148–152 MB at 100%; 1.9–2.2 s and 156–162 MB at 200%. Collecting only
// at the soft limit took 2.7–2.8 s.
const (
	startGCPercent = 100
	gcPercent      = 50
	memoryLimit    = 256 << 20
)

// tuneMemory applies the start settings above unless the environment sets
// its own.
func tuneMemory() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(startGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// endStartMemory sets the running heap growth unless the environment sets
// its own, and reports whether it did; the heap the start grew is then
// the caller's to give back (see trimAfterStart).
func endStartMemory() bool {
	if os.Getenv("GOGC") != "" {
		return false
	}
	debug.SetGCPercent(gcPercent)
	return true
}

// readyProcs is how many threads may run the control plane's Go code at
// once after it is ready, unless GOMAXPROCS says otherwise. An idle control
// plane spends its CPU mostly in the Go scheduler, waking for the
// components' many timers; with one P no second thread spins looking for
// work at each wake-up (BenchmarkAKSIdleCPU: 2.4–2.5 → 1.7% of a core per
// idle cluster). Starting, which a create waits for, uses every core.
const readyProcs = 1

// afterStart is called once the control plane is ready, before it says so:
// it ends the start priority and the start's heap growth, keeps the process
// to readyProcs, and gives back the heap and the binary's pages that only
// starting touched (see trimExecutable), now and once more after the
// components have settled.
func afterStart(ctx context.Context, log *slog.Logger) {
	endStartPriority(log)
	freeHeap := endStartMemory()
	limitProcs()
	trimAfterStart(ctx, log, freeHeap)
}

// endStartPriority lowers the process to the normal priority if it runs
// above it: the start priority a control plane is started with, or that
// the pool gives a warm one at its adoption (see controlplane's
// priority.go), ends once it is ready, or adopted if it was ready before.
func endStartPriority(log *slog.Logger) {
	if err := controlplane.EndStartPriority(); err != nil {
		log.Warn("lowering the control plane's priority after its start", "err", err)
	}
}

// limitProcs sets GOMAXPROCS to readyProcs unless the environment sets it.
func limitProcs() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(readyProcs)
	}
}

// trimAfterStart gives back the pages only starting touched, at once and
// once more a minute later, in the background: the control plane says it
// is ready after afterStart returns. With freeHeap it first collects and
// returns the free heap to the system, which would otherwise go back only
// slowly.
func trimAfterStart(ctx context.Context, log *slog.Logger, freeHeap bool) {
	trim := func() {
		if err := trimExecutable(); err != nil {
			log.Debug("trimming executable mappings", "err", err)
		}
	}
	go func() {
		if freeHeap {
			debug.FreeOSMemory()
		}
		trim()
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
			trim()
		}
	}()
}
