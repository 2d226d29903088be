package fabric

import (
	"os/exec"
	"testing"
	"time"
)

// Removing a host ends the processes left running in its namespace.
func TestRemoveHostKillsProcesses(t *testing.T) {
	f := newTestFabric(t)
	ns, err := f.EnsureHost("/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/p", nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(200 * time.Millisecond)
	if err := f.RemoveHost("/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/p"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("a process in the VM's namespace outlived the VM")
	}
}
