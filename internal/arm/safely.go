package arm

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a panic of background work, turned into an error so that
// the operation and its resource end Failed and the server goes on.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error: the background work panicked: %v", e.Value)
}

// Safely runs fn, returning a panic as a *PanicError.
func Safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return fn()
}
