package fabric

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// killProcesses ends every process whose network namespace is the named
// one (commands a user left running in a VM, such as `nohup` jobs), so that
// removing the VM leaves nothing behind: SIGTERM, then SIGKILL after a grace
// period for those still there.
func killProcesses(ns string) {
	var target syscall.Stat_t
	if err := syscall.Stat(filepath.Join(nsRunDir, ns), &target); err != nil {
		return
	}
	find := func() []int {
		var pids []int
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			var st syscall.Stat_t
			if syscall.Stat(filepath.Join("/proc", e.Name(), "ns", "net"), &st) == nil && st.Ino == target.Ino && st.Dev == target.Dev {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	pids := find()
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	for i := 0; i < 20 && len(pids) > 0; i++ {
		time.Sleep(50 * time.Millisecond)
		pids = find()
	}
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
