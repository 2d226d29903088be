package kube

import (
	"runtime"
	"testing"
	"time"

	"k8s.io/client-go/util/workqueue"
)

// In this process, which links the components and with them
// k8s.io/component-base's Prometheus work queue metrics, a named queue
// starts no metrics loop: package quietqueues gave client-go its no-op
// provider first.
func TestQueuesHaveNoMetricsLoop(t *testing.T) {
	before := runtime.NumGoroutine()
	q := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{Name: "probe"})
	defer q.ShutDown()
	time.Sleep(50 * time.Millisecond) // a loop would be running by now
	if after := runtime.NumGoroutine(); after != before {
		t.Fatalf("a named work queue started %d goroutines, want none (its metrics loop)", after-before)
	}
}
