package kube

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"time"
)

// Memory settings of the control-plane process, unless GOGC or GOMEMLIMIT
// say otherwise. The components keep mostly long-lived data (API schemas,
// informer caches) and allocate little when idle, so collecting at 15%
// heap growth costs little CPU (measured: idle CPU as at GOGC=100 within a
// fraction of a percent of a core) and keeps the heap near its live size.
// The soft limit only bounds bursts.
const (
	gcPercent   = 15
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

// trimAfterStart is called once the control plane is ready: it gives back
// the binary's pages that only starting touched (see trimExecutable), now
// and once more after the components have settled.
func trimAfterStart(ctx context.Context, log *slog.Logger) {
	trim := func() {
		if err := trimExecutable(); err != nil {
			log.Debug("trimming executable mappings", "err", err)
		}
	}
	trim()
	go func() {
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
			trim()
		}
	}()
}
