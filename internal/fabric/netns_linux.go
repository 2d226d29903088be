package fabric

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// nsRunDir is where named namespaces are bind-mounted, as `ip netns add`
// does, so `ip netns exec NAME` works on them.
const nsRunDir = "/var/run/netns"

// nsEtcDir holds per-namespace files that `ip netns exec` mounts over /etc.
const nsEtcDir = "/etc/netns"

func nsPath(name string) string { return filepath.Join(nsRunDir, name) }

// onThread runs fn on a fresh goroutine locked to its OS thread, which fn
// may move into another network namespace. fn returns whether the thread is
// back in its original namespace; if not, the goroutine exits still locked so
// the runtime destroys the thread and no code ever runs in a wrong namespace.
func onThread(fn func() (restored bool)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if fn() {
			runtime.UnlockOSThread()
		}
	}()
	<-done
}

// inNamespace runs fn with the calling thread in target and always switches
// back.
func inNamespace(target netns.NsHandle, fn func() error) error {
	var err error
	onThread(func() bool {
		orig, gerr := netns.Get()
		if gerr != nil {
			err = fmt.Errorf("getting current namespace: %w", gerr)
			return true
		}
		defer orig.Close()
		if serr := netns.Set(target); serr != nil {
			err = fmt.Errorf("entering namespace: %w", serr)
			return true
		}
		err = fn()
		if rerr := netns.Set(orig); rerr != nil {
			err = errors.Join(err, fmt.Errorf("leaving namespace: %w", rerr))
			return false
		}
		return true
	})
	return err
}

// prepareRunDir makes the namespace directory a shared mount point, as `ip
// netns add` does, so namespace mounts propagate to other mount namespaces.
func prepareRunDir() error {
	if err := os.MkdirAll(nsRunDir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", nsRunDir, err)
	}
	err := unix.Mount("", nsRunDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if errors.Is(err, unix.EINVAL) { // not a mount point yet
		if err = unix.Mount(nsRunDir, nsRunDir, "none", unix.MS_BIND|unix.MS_REC, ""); err == nil {
			err = unix.Mount("", nsRunDir, "none", unix.MS_SHARED|unix.MS_REC, "")
		}
	}
	if err != nil {
		return fmt.Errorf("making %s a shared mount: %w", nsRunDir, err)
	}
	return nil
}

// doNS runs fn inside the named namespace.
func doNS(name string, fn func() error) error {
	h, err := netns.GetFromPath(nsPath(name))
	if err != nil {
		return fmt.Errorf("opening namespace %s: %w", name, err)
	}
	defer h.Close()
	if err := inNamespace(h, fn); err != nil {
		return fmt.Errorf("in namespace %s: %w", name, err)
	}
	return nil
}

// nsExists tells whether name is a mounted network namespace (not a file
// left behind by a crash between creating and mounting it).
func nsExists(name string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(nsPath(name), &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// nsInode identifies the namespace mounted at a name.
func nsInode(name string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(nsPath(name), &st); err != nil {
		return 0, fmt.Errorf("finding namespace %s: %w", name, err)
	}
	return st.Ino, nil
}

// createNS makes a named network namespace with lo up; an existing one is
// kept as it is.
func createNS(name string) error {
	if nsExists(name) {
		return nil
	}
	path := nsPath(name)
	_ = unix.Unmount(path, unix.MNT_DETACH) // leftovers of a crash
	_ = os.Remove(path)
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("creating namespace file: %w", err)
	}
	f.Close()
	var merr error
	onThread(func() bool {
		orig, err := netns.Get()
		if err != nil {
			merr = fmt.Errorf("getting current namespace: %w", err)
			return true
		}
		defer orig.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			merr = fmt.Errorf("unsharing network namespace: %w", err)
			return true
		}
		self := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(self, path, "none", unix.MS_BIND, ""); err != nil {
			merr = fmt.Errorf("bind-mounting namespace: %w", err)
		}
		if err := netns.Set(orig); err != nil {
			merr = errors.Join(merr, fmt.Errorf("leaving new namespace: %w", err))
			return false
		}
		return true
	})
	if merr != nil {
		_ = os.Remove(path)
		return fmt.Errorf("creating namespace %s: %w", name, merr)
	}
	return nil
}

// deleteNS unmounts and removes a named namespace and its /etc/netns files.
// The kernel frees it once no process or socket holds it any more.
func deleteNS(name string) error {
	path := nsPath(name)
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil &&
		!errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmounting namespace %s: %w", name, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing namespace %s: %w", name, err)
	}
	if err := os.RemoveAll(filepath.Join(nsEtcDir, name)); err != nil {
		return fmt.Errorf("removing %s files: %w", name, err)
	}
	return nil
}

// listNS lists the named namespaces whose names start with prefix.
func listNS(prefix string) ([]string, error) {
	entries, err := os.ReadDir(nsRunDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing namespaces: %w", err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
