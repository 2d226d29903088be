package kube

import (
	"bytes"
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
	q := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{Name: "probe"})
	defer q.ShutDown()
	time.Sleep(50 * time.Millisecond) // a loop would be running by now
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	if bytes.Contains(buf, []byte("updateUnfinishedWorkLoop")) {
		t.Fatalf("a work queue runs its metrics loop:\n%s", buf)
	}
}
