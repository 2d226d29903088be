// Package quietqueues keeps client-go's work queues without metrics in the
// control plane process. A queue with metrics wakes every 500 ms to update
// its unfinished-work gauge, and the controller manager and the API server
// keep about 80 queues: 160 wake-ups a second in every idle cluster, the
// largest single share of its idle CPU. Nothing reads those metrics here
// (the controller manager serves none; the API server's are workqueue
// gauges nobody asks for).
//
// client-go takes the first metrics provider it is given and ignores the
// rest; k8s.io/component-base's Prometheus provider is given in that
// package's init. This package gives client-go its own default, the no-op
// provider, first: Go initializes packages in import-path order among
// those whose imports are ready, and this one's path sorts before
// k8s.io/component-base's while it needs nothing but the workqueue
// package. TestQueuesHaveNoMetricsLoop checks that the order holds.
package quietqueues

import (
	_ "unsafe" // go:linkname

	"k8s.io/client-go/util/workqueue"
)

// noop is client-go's default provider, the one that starts no loop.
//
//go:linkname noop k8s.io/client-go/util/workqueue.globalMetricsProvider
var noop workqueue.MetricsProvider

func init() { workqueue.SetProvider(noop) }
