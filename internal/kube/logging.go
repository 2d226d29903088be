package kube

import (
	"context"
	"flag"
	"log/slog"
	"strconv"

	"k8s.io/klog/v2"
)

// setupLogging sends the upstream components' klog output to log. At
// verbosity 0 only their errors get through (they log a great deal at info
// level while starting, and warnings reach the bridge as info); at a higher
// verbosity v, klog's V(0)..V(v) messages do too.
//
// klog is process-wide: the last call wins.
func setupLogging(log *slog.Logger, verbosity int) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("v", strconv.Itoa(verbosity))
	minLevel := slog.LevelError
	if verbosity > 0 {
		// The logr bridge logs V(n) at slog level -n.
		minLevel = slog.Level(-verbosity)
	}
	klog.SetSlogLogger(slog.New(levelFilter{min: minLevel, next: log.Handler()}))
}

// levelFilter drops records below min before they reach next.
type levelFilter struct {
	min  slog.Level
	next slog.Handler
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.next.Enabled(ctx, l)
}

func (f levelFilter) Handle(ctx context.Context, r slog.Record) error {
	return f.next.Handle(ctx, r)
}

func (f levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{min: f.min, next: f.next.WithAttrs(attrs)}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{min: f.min, next: f.next.WithGroup(name)}
}

// componentContext gives a component its own named logger, for the upstream
// code that logs through klog.FromContext.
func componentContext(ctx context.Context, name string) context.Context {
	return klog.NewContext(ctx, klog.Background().WithName(name))
}
