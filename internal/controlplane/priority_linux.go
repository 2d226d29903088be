package controlplane

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// setThreadNice sets the nice value of the calling thread, which the
// processes it starts inherit. The caller keeps the thread locked.
func setThreadNice(nice int) error {
	return unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), nice)
}

// setNice gives every thread of process pid the normal policy and the nice
// value nice.
func setNice(pid, nice int) error {
	return resched(pid, func(a *unix.SchedAttr) {
		a.Policy, a.Nice = unix.SCHED_NORMAL, int32(nice)
	})
}

// EndStartPriority puts every thread of the calling process under the
// batch policy, and gives those that run above the normal priority the
// normal one: a control plane calls it once it is ready. A lower priority
// (a warm control plane's) is kept.
func EndStartPriority() error {
	return resched(os.Getpid(), func(a *unix.SchedAttr) {
		a.Policy, a.Nice = unix.SCHED_BATCH, max(a.Nice, 0)
	})
}

// resched applies change to the scheduling attributes of every thread of
// process pid whose attributes it changes.
func resched(pid int, change func(a *unix.SchedAttr)) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	// A thread started meanwhile by one not yet changed inherits the old
	// values: go again until a pass changes nothing.
	for range 10 {
		tasks, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		changed := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			a, err := unix.SchedGetAttr(tid, 0)
			if err != nil {
				continue // gone
			}
			want := *a
			change(&want)
			if want == *a {
				continue
			}
			if err := unix.SchedSetAttr(tid, &want, 0); err != nil && err != unix.ESRCH {
				return fmt.Errorf("thread %d: %w", tid, err)
			}
			changed = true
		}
		if !changed {
			return nil
		}
	}
	return nil
}
