package controlplane

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
	"golang.org/x/sys/unix"
)

// EndStartPriority lowers only the threads above the normal priority: a
// warm control plane keeps its lower one. Every thread goes under the
// batch policy.
func TestEndStartPriorityKeepsALowerPriority(t *testing.T) {
	testenv.Root(t)
	t.Cleanup(func() { _ = setNice(os.Getpid(), 0) }) // the rest of the tests run as usual
	done := make(chan struct{})
	defer close(done)
	high, low := make(chan int), make(chan int)
	for nice, tid := range map[int]chan int{startNice: high, warmNice: low} {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			if err := setThreadNice(nice); err != nil {
				t.Error(err)
			}
			tid <- unix.Gettid()
			<-done
		}()
	}
	highTID, lowTID := <-high, <-low
	if err := EndStartPriority(); err != nil {
		t.Fatal(err)
	}
	for tid, want := range map[int]int{highTID: 0, lowTID: warmNice} {
		a, err := unix.SchedGetAttr(tid, 0)
		if err != nil || a.Nice != int32(want) || a.Policy != unix.SCHED_BATCH {
			t.Errorf("thread %d: %+v (%v), want nice %d and the batch policy", tid, a, err, want)
		}
	}
	if got := threadScheds(os.Getpid()); slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, fmt.Sprintf("%d/", unix.SCHED_BATCH)) }) {
		t.Errorf("threads after EndStartPriority: %v, want all under the batch policy", got)
	}
}

// setNice gives every thread of another process the value, up and down,
// and the normal policy, also to one that runs under the batch one.
func TestSetNice(t *testing.T) {
	testenv.Root(t)
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	batch := func(a *unix.SchedAttr) { a.Policy = unix.SCHED_BATCH }
	for _, nice := range []int{warmNice, startNice, 0} {
		if err := resched(cmd.Process.Pid, batch); err != nil {
			t.Fatal(err)
		}
		if err := setNice(cmd.Process.Pid, nice); err != nil {
			t.Fatal(err)
		}
		if got := threadScheds(cmd.Process.Pid); slices.ContainsFunc(got, func(s string) bool { return s != sched(unix.SCHED_NORMAL, nice) }) {
			t.Errorf("after setNice(%d) the threads have policy/nice %v", nice, got)
		}
	}
}

// threadScheds lists the scheduling policy and nice value of every thread
// of process pid, each as sched formats them.
func threadScheds(pid int) []string {
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	var out []string
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		if a, err := unix.SchedGetAttr(tid, 0); err == nil {
			out = append(out, sched(int(a.Policy), int(a.Nice)))
		}
	}
	return out
}

func sched(policy, nice int) string { return fmt.Sprintf("%d/%d", policy, nice) }

// threadNices lists the nice value of every thread of process pid.
func threadNices(pid int) []int {
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	var out []int
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		if raw, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err == nil {
			out = append(out, 20-raw) // the raw value is 20 - nice
		}
	}
	return out
}
