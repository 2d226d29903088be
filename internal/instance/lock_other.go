//go:build !linux

package instance

import "errors"

var errUnsupported = errors.New("aksbox runs only on Linux: locking the state dir is unsupported here")

// Lock is unsupported off Linux.
func (d Dir) Lock() (unlock func(), err error) { return nil, errUnsupported }

// Locked is unsupported off Linux.
func (d Dir) Locked() (bool, error) { return false, errUnsupported }
