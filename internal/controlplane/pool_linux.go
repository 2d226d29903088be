package controlplane

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// socketPair is a connected pair of unix stream sockets.
func socketPair() (ours, theirs *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("adoption socket: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "adoption socket"), os.NewFile(uintptr(fds[1]), "adoption socket"), nil
}

// lowerThreadPriority sets the nice value of the calling thread, which
// the processes it starts inherit.
func lowerThreadPriority(nice int) error {
	return unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), nice)
}

// raisePriority gives every thread of process pid the normal priority
// (nice is per thread on Linux; new threads inherit their creator's).
func raisePriority(pid int) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	for range 3 { // threads started meanwhile inherit a lowered value: go again
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
			if n, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err == nil && 20-n == 0 {
				continue // already normal (the raw value is 20 - nice)
			}
			if err := unix.Setpriority(unix.PRIO_PROCESS, tid, 0); err != nil && err != unix.ESRCH {
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
