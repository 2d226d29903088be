//go:build !linux

package sandbox

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"path/filepath"
)

// ErrUnsupported is returned where Linux namespaces do not exist.
var ErrUnsupported = errors.New("sandbox: VMs are only supported on linux")

// Manager is only supported on Linux.
type Manager struct{ dir string }

// New is only supported on Linux.
func New(dir, self string, log *slog.Logger) *Manager { return &Manager{dir: dir} }

// Dir is the host folder of the VM with this resource ID.
func (m *Manager) Dir(id string) string { return filepath.Join(m.dir, Folder(id)) }

// Boot is only supported on Linux.
func (m *Manager) Boot(ctx context.Context, s Spec) error { return ErrUnsupported }

// Halt is only supported on Linux.
func (m *Manager) Halt(id string) error { return nil }

// Remove is only supported on Linux.
func (m *Manager) Remove(id string) error { return nil }

// Root is only supported on Linux.
func (m *Manager) Root(id string) (string, error) { return "", ErrUnsupported }

// Command is only supported on Linux.
func (m *Manager) Command(id, user string, argv ...string) (*exec.Cmd, error) {
	return nil, ErrUnsupported
}

// Run is only supported on Linux.
func (m *Manager) Run(ctx context.Context, id, script string, env []string) (string, string, int, error) {
	return "", "", 0, ErrUnsupported
}
