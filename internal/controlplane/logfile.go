package controlplane

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// maxLogSize bounds a control plane log: past it, the file becomes the
// ".1" file (replacing the one before) and a new one starts.
const maxLogSize = 8 << 20

// boundedLog is a size-bounded log of one process run.
type boundedLog struct {
	path string
	max  int64

	mu   sync.Mutex
	f    *os.File
	size int64
}

// openLog starts a new log at path, keeping the previous run's as path.1.
func openLog(path string) (*boundedLog, error) {
	l := &boundedLog{path: path, max: maxLogSize}
	if err := l.rotate(); err != nil {
		return nil, err
	}
	return l, nil
}

// rotate moves the current file to path.1 and opens an empty one.
func (l *boundedLog) rotate() error {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rotating %s: %w", l.path, err)
	}
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening control plane log: %w", err)
	}
	l.f, l.size = f, 0
	return nil
}

// Write never fails: output that cannot be written is dropped, since an
// error would stop the copying from the process's pipe and block the
// process on its next write.
func (l *boundedLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size+int64(len(b)) > l.max && l.size > 0 {
		_ = l.rotate()
	}
	if l.f != nil {
		n, _ := l.f.Write(b)
		l.size += int64(n)
	}
	return len(b), nil
}

func (l *boundedLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
