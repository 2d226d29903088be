package arm

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Holding one resource's lock never blocks taking another's, whatever
// their IDs: with 256 striped locks, one in 256 pairs deadlocked (a
// cluster's start waiting on its node VM's lock, which was its own).
func TestLockResourceNestsAcrossIDs(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ {
			outer := LockResource("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1")
			inner := LockResource(fmt.Sprintf("/subscriptions/s/resourceGroups/mc/providers/Microsoft.Compute/virtualMachines/vm%d", i))
			inner()
			outer()
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("taking a second resource's lock while holding one blocked")
	}
	locks.Lock()
	n := len(locks.m)
	locks.Unlock()
	if n != 0 {
		t.Fatalf("%d locks kept after every holder let go", n)
	}
}

// One resource's lock admits one holder at a time, case-insensitively.
func TestLockResourceSerializesOneID(t *testing.T) {
	var mu sync.Mutex
	inside, most := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v"
			if i%2 == 0 {
				id = "/subscriptions/S/resourcegroups/rg/providers/microsoft.network/virtualnetworks/V"
			}
			unlock := LockResource(id)
			mu.Lock()
			inside++
			most = max(most, inside)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		}(i)
	}
	wg.Wait()
	if most != 1 {
		t.Fatalf("%d holders of one resource's lock at once", most)
	}
}
