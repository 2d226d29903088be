//go:build !linux

package controlplane

import "os"

// waitConnection off Linux only waits for Wake or the end of supervision.
func waitConnection(_ *os.File, wake, stop <-chan struct{}) bool {
	select {
	case <-wake:
		return true
	case <-stop:
		return false
	}
}
