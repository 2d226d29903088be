package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aksbox/aksbox/internal/nsexec"
)

// Manager boots, enters and halts the VMs whose folders are under dir.
type Manager struct {
	dir  string
	self string // the aksbox binary, which holds the C half
	log  *slog.Logger

	mu    sync.Mutex      // one boot or halt at a time per manager
	specs map[string]Spec // VMs booted and not halted since, by lower-case ID
}

// New returns a manager of the VM folders under dir, running self (the
// aksbox binary, or a test binary linking this package) for __vminit and
// __vmenter.
func New(dir, self string, log *slog.Logger) *Manager {
	return &Manager{dir: dir, self: self, log: log, specs: map[string]Spec{}}
}

// Dir is the host folder of the VM with this resource ID.
func (m *Manager) Dir(id string) string { return filepath.Join(m.dir, Folder(id)) }

// Boot starts the VM unless it is running, preparing its disk on first
// boot, and runs its custom data once. Keys are brought up to date on
// every boot, as Azure's agent does.
func (m *Manager) Boot(ctx context.Context, s Spec) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	vm := m.Dir(s.ID)
	first, err := prepare(vm, s)
	if err != nil {
		return fmt.Errorf("preparing the disk of VM %s: %w", s.Hostname, err)
	}
	if pid, current := m.init(s.ID); !current {
		if pid != 0 { // in a network namespace that is gone
			m.log.Warn("a VM's init runs in a network namespace that was lost; booting the VM again", "vm", s.ID)
			if err := stop(pid); err != nil {
				return err
			}
		}
		if err := m.start(vm, s); err != nil {
			return err
		}
	}
	m.specs[strings.ToLower(s.ID)] = s
	if first || !done(vm) {
		return m.firstBoot(ctx, s)
	}
	return nil
}

// running is the PID of the VM's init. A VM that should run but whose init
// is gone (killed from outside) is booted again, as Azure's service healing
// restarts a VM whose host failed; its disk is as it was.
func (m *Manager) running(id string) (int, error) {
	if pid := m.pid(id); pid != 0 {
		return pid, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.specs[strings.ToLower(id)]
	if !ok {
		return 0, ErrNotRunning
	}
	pid, current := m.init(id)
	if current {
		return pid, nil
	}
	m.log.Warn("a VM's init is gone; booting the VM again", "vm", id)
	if pid != 0 {
		if err := stop(pid); err != nil {
			return 0, err
		}
	}
	if err := m.start(m.Dir(id), s); err != nil {
		return 0, err
	}
	if pid := m.pid(id); pid != 0 {
		return pid, nil
	}
	return 0, ErrNotRunning
}

func (m *Manager) start(vm string, s Spec) error {
	var out, errb bytes.Buffer
	cmd := exec.Command(m.self, "__vminit", s.Netns, vm, s.Hostname, strconv.Itoa(UIDBase))
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("starting VM %s: %s", s.Hostname, firstLine(errb.String(), err))
	}
	pid := strings.TrimSpace(out.String())
	if _, err := strconv.Atoi(pid); err != nil {
		return fmt.Errorf("starting VM %s: no init PID in %q", s.Hostname, pid)
	}
	return os.WriteFile(filepath.Join(vm, "init.pid"), []byte(pid+"\n"), 0o600)
}

// Halt stops the VM: its init and with it every process inside. Its disk
// stays.
func (m *Manager) Halt(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.halt(id)
}

func (m *Manager) halt(id string) error {
	delete(m.specs, strings.ToLower(id))
	if pid, _ := m.init(id); pid != 0 {
		if err := stop(pid); err != nil {
			return err
		}
	}
	os.Remove(filepath.Join(m.Dir(id), "init.pid"))
	return nil
}

// Remove halts the VM and deletes its disk.
func (m *Manager) Remove(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.halt(id); err != nil {
		return err
	}
	return os.RemoveAll(m.Dir(id))
}

// Root is the host's path to the running VM's root directory (through its
// init's /proc entry), where the server reaches the VM's own devpts.
func (m *Manager) Root(id string) (string, error) {
	pid, err := m.running(id)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/proc/%d/root", pid), nil
}

// Running reports whether the VM has an init.
func (m *Manager) Running(id string) bool { return m.pid(id) != 0 }

// pid is the VM's init, or 0: the PID in its folder, if that process is
// alive, is this VM's __vminit and is still in the VM's network namespace.
func (m *Manager) pid(id string) int {
	pid, current := m.init(id)
	if !current {
		return 0
	}
	return pid
}

// init finds the process of the VM's init, if any, and tells whether it is
// in the namespace now named for the VM: after the namespaces were lost
// (a host reboot, or someone deleting them) and made again, an init left
// from before runs in a network nobody reaches any more.
func (m *Manager) init(id string) (pid int, current bool) {
	vm := m.Dir(id)
	b, err := os.ReadFile(filepath.Join(vm, "init.pid"))
	if err != nil {
		return 0, false
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || !alive(pid) {
		return 0, false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0, false
	}
	args := strings.Split(string(cmdline), "\x00")
	if len(args) < 4 || args[1] != "__vminit" || args[3] != vm {
		return 0, false
	}
	var have, want syscall.Stat_t
	if syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &have) != nil ||
		syscall.Stat(filepath.Join("/var/run/netns", args[2]), &want) != nil {
		return pid, false
	}
	return pid, have.Ino == want.Ino && have.Dev == want.Dev
}

// stop kills pid and waits until it is gone.
func stop(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping the VM's init (pid %d): %w", pid, err)
	}
	for i := 0; i < 500 && alive(pid); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		return fmt.Errorf("the VM's init (pid %d) did not stop within 5s", pid)
	}
	return nil
}

// alive tells whether pid is a process that has not exited (a zombie no
// longer counts).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

// LookupUser finds a user of the VM in its own passwd and group files.
func (m *Manager) LookupUser(id, name string) (User, error) {
	etc := filepath.Join(m.Dir(id), "etc")
	u, ok := findUser(readHostFile(filepath.Join(etc, "passwd")), name)
	if !ok {
		return u, fmt.Errorf("no user %q in the VM", name)
	}
	u.Groups = groupsOf(readHostFile(filepath.Join(etc, "group")), name, u.GID)
	return u, nil
}

// Command returns the command that runs argv in the running VM as user
// (root when empty), in the user's home, with a login environment (PATH,
// HOME, USER, LOGNAME, SHELL) that callers may add to.
func (m *Manager) Command(id, user string, argv ...string) (*exec.Cmd, error) {
	if user == "" {
		user = "root"
	}
	pid, err := m.running(id)
	if err != nil {
		return nil, err
	}
	u, err := m.LookupUser(id, user)
	if err != nil {
		return nil, err
	}
	groups := make([]string, len(u.Groups))
	for i, g := range u.Groups {
		groups[i] = strconv.Itoa(g)
	}
	args := append([]string{"__vmenter", strconv.Itoa(pid), strconv.Itoa(u.UID), strconv.Itoa(u.GID),
		strings.Join(groups, ","), u.Home, "--"}, argv...)
	cmd := exec.Command(m.self, args...)
	cmd.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + u.Home, "USER=" + u.Name, "LOGNAME=" + u.Name, "SHELL=" + u.Shell,
	}
	return cmd, nil
}

// Run runs a script with bash as root in the VM, as Azure's VM agent runs
// run-command scripts, with env added to the login environment. A script
// still running when ctx ends is killed with everything it started.
func (m *Manager) Run(ctx context.Context, id, script string, env []string) (string, string, int, error) {
	cmd, err := m.Command(id, "root", "/bin/bash", "-c", script)
	if err != nil {
		return "", "", 0, err
	}
	cmd.Env = append(cmd.Env, env...)
	return nsexec.Output(ctx, cmd)
}

// Give makes the files under path (in a VM's folder) the VM user uid's, so
// files the server puts into a VM (a kubeconfig for aks command invoke) are
// readable there.
func Give(path string, uid int) error {
	return filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, UIDBase+uid, UIDBase+uid)
	})
}

func firstLine(s string, err error) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return err.Error()
	}
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimPrefix(s, "aksbox sandbox: ")
}
