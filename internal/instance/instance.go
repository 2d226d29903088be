// Package instance knows where an aksbox instance keeps its state and how
// a client finds it: the state directory, the lock a running server holds,
// the file it writes with its endpoint, and the paths of its CA, log and
// pid files.
package instance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// EnvStateDir names the environment variable that selects an instance.
const EnvStateDir = "AKSBOX_STATE_DIR"

// DefaultListen is the address the front door listens on by default.
const DefaultListen = "127.0.0.1:8443"

// Dir is an instance's state directory.
type Dir string

// DefaultDir is $AKSBOX_STATE_DIR, else /var/lib/aksbox for root, else
// ~/.local/state/aksbox.
func DefaultDir() Dir {
	if d := os.Getenv(EnvStateDir); d != "" {
		return Dir(d)
	}
	if os.Geteuid() == 0 {
		return "/var/lib/aksbox"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return Dir(filepath.Join(d, "aksbox"))
	}
	home, _ := os.UserHomeDir()
	return Dir(filepath.Join(home, ".local", "state", "aksbox"))
}

// Path joins elements under the state directory.
func (d Dir) Path(elem ...string) string {
	return filepath.Join(append([]string{string(d)}, elem...)...)
}

// Paths of an instance's files.
func (d Dir) ServerFile() string   { return d.Path("server.json") }
func (d Dir) PIDFile() string      { return d.Path("aksbox.pid") }
func (d Dir) LogFile() string      { return d.Path("aksbox.log") }
func (d Dir) PKIDir() string       { return d.Path("pki") }
func (d Dir) CAFile() string       { return d.Path("pki", "ca.crt") }
func (d Dir) IdentityFile() string { return d.Path("identity", "directory.json") }
func (d Dir) IdentityDir() string  { return d.Path("identity") }
func (d Dir) StoreDir() string     { return d.Path("store") }

// KnownHostsFile holds the SSH gateway's host key for the public IPs.
func (d Dir) KnownHostsFile() string { return d.Path("ssh", "known_hosts") }

func (d Dir) AzureConfigDir() string {
	return d.Path("azure")
}

// Server is what a running server publishes about itself.
type Server struct {
	Endpoint string    `json:"endpoint"` // https://127.0.0.1:8443
	PID      int       `json:"pid"`
	Started  time.Time `json:"started"`
}

// WriteServer publishes the running server's facts.
func (d Dir) WriteServer(s Server) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := d.ServerFile() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing server file: %w", err)
	}
	return os.Rename(tmp, d.ServerFile())
}

// ErrNotRunning is returned when no server has published itself.
var ErrNotRunning = errors.New("aksbox is not running")

// ReadServer reads the running server's facts; ErrNotRunning when the
// server file is absent or no server holds the state dir's lock (a file
// left by a killed server names a pid that may since have been reused).
func (d Dir) ReadServer() (Server, error) {
	var s Server
	data, err := os.ReadFile(d.ServerFile())
	if errors.Is(err, fs.ErrNotExist) {
		return s, fmt.Errorf("%w (state dir %s); start it with 'aksbox up'", ErrNotRunning, d)
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("reading %s: %w", d.ServerFile(), err)
	}
	running, err := d.Locked()
	if err != nil {
		return s, err
	}
	if !running {
		return s, fmt.Errorf("%w (its last server, pid %d, has stopped; state dir %s); start it with 'aksbox up'", ErrNotRunning, s.PID, d)
	}
	return s, nil
}

// RemoveServer withdraws the server file (on clean stop).
func (d Dir) RemoveServer() { _ = os.Remove(d.ServerFile()) }
