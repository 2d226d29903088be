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
const (
	gcPercent   = 50
	memoryLimit = 256 << 20
)

// tuneMemory applies the settings above unless the environment sets its
// own.
func tuneMemory() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// readyProcs is how many threads may run the control plane's Go code at
// once after it is ready, unless GOMAXPROCS says otherwise. An idle control
// plane spends its CPU mostly in the Go scheduler, waking for the
// components' many timers; with one P no second thread spins looking for
// work at each wake-up (BenchmarkAKSIdleCPU: 2.4–2.5 → 1.7% of a core per
// idle cluster). Starting, which a create waits for, uses every core.
const readyProcs = 1

// afterStart is called once the control plane is ready, before it says so:
// it ends the start priority, keeps the process to readyProcs, and gives
// back the binary's pages that only starting touched (see trimExecutable),
// now and once more after the components have settled.
func afterStart(ctx context.Context, log *slog.Logger) {
	endStartPriority(log)
	limitProcs()
	trimAfterStart(ctx, log)
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
// is ready after afterStart returns.
func trimAfterStart(ctx context.Context, log *slog.Logger) {
	trim := func() {
		if err := trimExecutable(); err != nil {
			log.Debug("trimming executable mappings", "err", err)
		}
	}
	go func() {
		trim()
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
			trim()
		}
	}()
}
