package nsexec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

const (
	nsRunDir = "/var/run/netns" // named namespaces, as `ip netns add` mounts them
	nsEtcDir = "/etc/netns"     // per-namespace files over /etc, as `ip netns exec` uses them
)

// defaultPath is the search path when env has no PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Exec replaces the calling process with argv running inside the named
// network namespace, as `ip netns exec` does:
//
//   - the OS thread is locked and given a mount namespace of its own, with /
//     made a recursive slave so no mount made here reaches the host (and
//     host mounts still propagate in);
//   - it joins /var/run/netns/<netns>;
//   - /sys is replaced by a sysfs of that namespace, so /sys/class/net lists
//     the VM's interfaces only;
//   - every file in /etc/netns/<netns>/ (resolv.conf, hosts, ...) is
//     bind-mounted over the file of that name in /etc;
//   - argv[0] is looked up in env's PATH and executed with env.
//
// It is meant for a fresh process (see Command): it returns only on error,
// and after an error the process may be left in the namespace and should
// exit.
func Exec(netns string, argv []string, env []string) error {
	if err := validName(netns); err != nil {
		return err
	}
	if len(argv) == 0 {
		return errors.New("nsexec: no command")
	}
	path, err := lookPath(argv[0], env)
	if err != nil {
		return err
	}
	nsFile, err := os.Open(filepath.Join(nsRunDir, netns))
	if err != nil {
		return fmt.Errorf("opening network namespace %s: %w", netns, err)
	}
	defer nsFile.Close()

	// The namespace changes below apply to this thread only; execve keeps
	// the namespaces of the thread that calls it. The thread is never
	// unlocked: it is not fit for other goroutines afterwards.
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("creating mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "none", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("making / a slave mount: %w", err)
	}
	if err := unix.Setns(int(nsFile.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("entering network namespace %s: %w", netns, err)
	}
	if err := remountSys(netns); err != nil {
		return err
	}
	if err := bindEtc(netns); err != nil {
		return err
	}
	if err := unix.Exec(path, argv, env); err != nil {
		return fmt.Errorf("executing %s: %w", path, err)
	}
	return nil
}

// remountSys replaces /sys by a sysfs mounted from inside the namespace
// (sysfs shows the network devices of the namespace that mounted it),
// read-only if the host's is.
func remountSys(netns string) error {
	var flags uintptr
	var st unix.Statfs_t
	if err := unix.Statfs("/sys", &st); err == nil && st.Flags&unix.ST_RDONLY != 0 {
		flags = unix.MS_RDONLY
	}
	if err := unix.Unmount("/sys", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmounting /sys: %w", err)
	}
	if err := unix.Mount(netns, "/sys", "sysfs", flags, ""); err != nil {
		return fmt.Errorf("mounting sysfs of %s on /sys: %w", netns, err)
	}
	return nil
}

// bindEtc bind-mounts each entry of /etc/netns/<netns>/ over /etc/<entry>.
// A missing directory means nothing to mount; a missing /etc/<entry> is an
// error, as for `ip netns exec`.
func bindEtc(netns string) error {
	dir := filepath.Join(nsEtcDir, netns)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", dir, err)
	}
	for _, e := range entries {
		src := filepath.Join(dir, e.Name())
		dst := filepath.Join("/etc", e.Name())
		if err := unix.Mount(src, dst, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mounting %s over %s: %w", src, dst, err)
		}
	}
	return nil
}

// lookPath resolves name as a shell would, with the PATH of env (not of this
// process), or defaultPath.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := executable(name); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		return name, nil
	}
	search := defaultPath
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			search = p // the last PATH wins, as for os/exec
		}
	}
	for _, dir := range filepath.SplitList(search) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: command not found", name)
}

func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("is a directory")
	}
	return unix.Access(path, unix.X_OK)
}
