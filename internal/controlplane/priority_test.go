package controlplane

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/aksbox/aksbox/internal/testenv"
	"golang.org/x/sys/unix"
)

// EndStartPriority lowers only the threads above the normal priority: a
// warm control plane keeps its lower one.
func TestEndStartPriorityKeepsALowerPriority(t *testing.T) {
	testenv.Root(t)
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
		if raw, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err != nil || 20-raw != want {
			t.Errorf("thread %d: nice %d (%v), want %d", tid, 20-raw, err, want)
		}
	}
}

// setNice gives every thread of another process the value, up and down.
func TestSetNice(t *testing.T) {
	testenv.Root(t)
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for _, nice := range []int{warmNice, startNice, 0} {
		if err := setNice(cmd.Process.Pid, nice); err != nil {
			t.Fatal(err)
		}
		if got := threadNices(cmd.Process.Pid); slices.ContainsFunc(got, func(n int) bool { return n != nice }) {
			t.Errorf("after setNice(%d) the threads have %v", nice, got)
		}
	}
}

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
