//go:build !linux

package nsexec

// Exec is only supported on Linux.
func Exec(netns string, argv []string, env []string) error { return ErrUnsupported }
