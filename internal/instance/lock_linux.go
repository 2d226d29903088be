package instance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"
)

// Lock takes the state dir's exclusive lock without waiting for it, for a
// server to hold until it exits. It fails with ErrRunning when another
// server holds it.
func (d Dir) Lock() (unlock func(), err error) {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return nil, fmt.Errorf("creating state dir: %w", err)
	}
	// Readable by all: clients probe the lock with a shared one.
	f, err := os.OpenFile(d.LockFile(), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the lock of state dir %s: %w", d, err)
	}
	// A client probing the lock holds it for an instant: retry briefly so
	// that a probe does not pass for a running server.
	for try := 0; ; try++ {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil || !errors.Is(err, syscall.EWOULDBLOCK) || try == 4 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: another aksbox server holds state dir %s; stop it with 'aksbox down' or pick another --state-dir", ErrRunning, d)
		}
		return nil, fmt.Errorf("locking state dir %s: %w", d, err)
	}
	var once sync.Once
	return func() { once.Do(func() { f.Close() }) }, nil
}

// Locked tells whether some process holds the state dir's lock, that is
// whether a server runs on it. It tries a shared lock without waiting.
func (d Dir) Locked() (bool, error) {
	f, err := os.Open(d.LockFile())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking the lock of state dir %s: %w", d, err)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking the lock of state dir %s: %w", d, err)
	}
	return false, nil // closing f releases the probe
}
