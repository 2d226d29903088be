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

// setNice gives every thread of process pid the nice value nice.
func setNice(pid, nice int) error {
	return renice(pid, nice, func(n int) bool { return n != nice })
}

// EndStartPriority gives every thread of the calling process that runs
// above the normal priority the normal one: a control plane calls it once
// it is ready. A lower priority (a warm control plane's) is kept.
func EndStartPriority() error {
	return renice(os.Getpid(), 0, func(n int) bool { return n < 0 })
}

// renice gives every thread of process pid whose nice value change says
// the nice value nice.
func renice(pid, nice int, change func(n int) bool) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	for range 3 { // threads started meanwhile inherit the old value: go again
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
			raw, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
			if err != nil || !change(20-raw) { // the raw value is 20 - nice
				continue
			}
			if err := unix.Setpriority(unix.PRIO_PROCESS, tid, nice); err != nil && err != unix.ESRCH {
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
