package controlplane

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// waitConnection blocks until a connection is queued on the listening
// socket ln or wake is signalled (true), or stop is closed (false). The
// socket is only polled, never accepted from: the connection is the API
// server's to accept.
func waitConnection(ln *os.File, wake, stop <-chan struct{}) bool {
	r, w, err := os.Pipe()
	if err != nil {
		return true // cannot wait: serve rather than sleep
	}
	defer r.Close()
	defer w.Close()
	queued := make(chan bool, 1)
	go func() { queued <- pollReadable(int(ln.Fd()), int(r.Fd())) }()
	cancel := func() bool {
		_, _ = w.Write([]byte{0})
		return <-queued
	}
	select {
	case <-queued:
		return true
	case <-wake:
		cancel()
		return true
	case <-stop:
		cancel()
		return false
	}
}

// pollReadable waits until fd or cancel is readable; true for fd (or when
// polling fails, so that a broken wait serves rather than sleeps forever).
func pollReadable(fd, cancel int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(cancel), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || fds[0].Revents != 0 {
			return true
		}
		if fds[1].Revents != 0 {
			return false
		}
	}
}
