package controlplane

import (
	"fmt"
	"os"

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
