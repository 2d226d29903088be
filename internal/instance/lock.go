package instance

import "errors"

// ErrRunning is returned by Lock when another process holds the state dir.
var ErrRunning = errors.New("aksbox is already running")

// LockFile is the file a running server holds an exclusive lock on for as
// long as it runs; the kernel drops the lock when the process dies.
func (d Dir) LockFile() string { return d.Path("aksbox.lock") }
