//go:build !linux

package instance

// Alive is unsupported off Linux: aksbox runs only on Linux.
func Alive(pid int) bool { return false }
