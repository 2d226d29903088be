package sshgw

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openPTY allocates a pseudo-terminal in the devpts of the file system
// whose root is root (a VM's, seen from the host), so that programs in the
// VM find their terminal under their own /dev/pts, and returns its master
// and slave.
//
// The master is non-blocking and in the runtime's poller, so closing it
// interrupts a pending Read and hangs the terminal up at once; a master in
// blocking mode (what github.com/creack/pty leaves after its File.Fd calls)
// would stay open until some process wrote to the terminal again.
func openPTY(root string) (ptmx, tty *os.File, err error) {
	fd, err := unix.Open(root+"/dev/pts/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the VM's /dev/pts/ptmx: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0) // unlockpt
	}
	if err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("allocating a pseudo-terminal: %w", err)
	}
	ptmx = os.NewFile(uintptr(fd), "/dev/ptmx")
	name := fmt.Sprintf("%s/dev/pts/%d", root, n)
	tty, err = os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		ptmx.Close()
		return nil, nil, fmt.Errorf("opening %s: %w", name, err)
	}
	return ptmx, tty, nil
}

// setWinsize sets the size of the terminal of ptmx (the kernel signals
// SIGWINCH to its foreground process group) without taking the descriptor
// out of non-blocking mode, as File.Fd would.
func setWinsize(ptmx *os.File, cols, rows uint32) error {
	rc, err := ptmx.SyscallConn()
	if err != nil {
		return err
	}
	ws := &unix.Winsize{Col: clamp16(cols), Row: clamp16(rows)}
	var ierr error
	err = rc.Control(func(fd uintptr) { ierr = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws) })
	return errors.Join(err, ierr)
}

func clamp16(v uint32) uint16 {
	return uint16(min(v, 0xffff))
}

// ptsName is the path of the terminal of ptmx.
func ptsName(ptmx *os.File) (string, error) {
	rc, err := ptmx.SyscallConn()
	if err != nil {
		return "", err
	}
	var n uint32
	var ierr error
	err = rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetUint32(int(fd), unix.TIOCGPTN) })
	if err = errors.Join(err, ierr); err != nil {
		return "", err
	}
	return fmt.Sprintf("/dev/pts/%d", n), nil
}
