package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// prepare makes the VM's folders: etc (the upper layer of its /etc), home,
// root, tmp and var, owned by the VM's root, and on first boot (no passwd
// yet) the files of its /etc and the admin's home from /etc/skel. The
// admin's authorized keys are rewritten every time. It reports whether this
// was the first boot.
func prepare(vm string, s Spec) (bool, error) {
	if err := os.MkdirAll(vm, 0o700); err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Join(vm, "etc-work"), 0o700); err != nil {
		return false, err
	}
	for name, mode := range map[string]os.FileMode{"etc": 0o755, "home": 0o755, "root": 0o700, "tmp": 0o777 | os.ModeSticky, "var": 0o755} {
		if err := ownedDir(filepath.Join(vm, name), mode, 0); err != nil {
			return false, err
		}
	}
	etc := filepath.Join(vm, "etc")
	_, err := os.Stat(filepath.Join(etc, "passwd"))
	first := os.IsNotExist(err)
	if first {
		for name, data := range etcFiles(s, readHostFile("/etc/passwd"), readHostFile("/etc/group")) {
			mode, gid := os.FileMode(0o644), 0
			if name == "shadow" || name == "gshadow" {
				mode, gid = 0o640, 42 // root:shadow, as on Debian
			}
			if strings.HasPrefix(name, "sudoers") {
				mode = 0o440
			}
			if err := ownedFile(filepath.Join(etc, name), []byte(data), mode, 0, gid); err != nil {
				return false, err
			}
		}
		resolv := filepath.Join(etc, "resolv.conf")
		os.Remove(resolv)
		if err := os.Symlink("../run/resolvconf/resolv.conf", resolv); err != nil {
			return false, err
		}
		os.Lchown(resolv, UIDBase, UIDBase)
		for _, d := range []string{"var/log", "var/lib", "var/cache", "var/spool", "var/lib/cloud/instance"} {
			if err := ownedDir(filepath.Join(vm, d), 0o755, 0); err != nil {
				return false, err
			}
		}
		if err := ownedDir(filepath.Join(vm, "var/tmp"), 0o777|os.ModeSticky, 0); err != nil {
			return false, err
		}
	}
	return first, home(vm, s)
}

// home makes the admin's home (from /etc/skel when new; a home made before
// VMs were sandboxes is handed over to the user) and writes the keys.
func home(vm string, s Spec) error {
	h := filepath.Join(vm, "home", s.User)
	fi, err := os.Stat(h)
	switch {
	case os.IsNotExist(err):
		if err := os.Mkdir(h, 0o750); err != nil {
			return err
		}
		entries, _ := os.ReadDir("/etc/skel")
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join("/etc/skel", e.Name())); err == nil && e.Type().IsRegular() {
				os.WriteFile(filepath.Join(h, e.Name()), b, 0o644)
			}
		}
		if err := Give(h, AdminUID); err != nil {
			return err
		}
	case err != nil:
		return err
	case owner(fi) != UIDBase+AdminUID:
		if err := Give(h, AdminUID); err != nil {
			return err
		}
	}
	if err := ownedDir(filepath.Join(h, ".ssh"), 0o700, AdminUID); err != nil {
		return err
	}
	keys := strings.Join(s.Keys, "\n")
	if keys != "" {
		keys += "\n"
	}
	return ownedFile(filepath.Join(h, ".ssh", "authorized_keys"), []byte(keys), 0o600, AdminUID, AdminUID)
}

// ownedDir makes a directory owned by the VM's uid with mode; parents it
// has to make are the VM root's.
func ownedDir(path string, mode os.FileMode, uid int) error {
	var missing []string
	for p := filepath.Dir(path); ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil || p == filepath.Dir(p) {
			break
		}
		missing = append(missing, p)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return err
	}
	for _, p := range missing {
		if err := os.Lchown(p, UIDBase, UIDBase); err != nil {
			return err
		}
	}
	if err := os.Lchown(path, UIDBase+uid, UIDBase+uid); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

// owner is the host uid that owns a file.
func owner(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// ownedFile writes a file owned by the VM's uid and gid with mode.
func ownedFile(path string, data []byte, mode os.FileMode, uid, gid int) error {
	if err := ownedDirIfMissing(filepath.Dir(path)); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chown(path, UIDBase+uid, UIDBase+gid); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

func ownedDirIfMissing(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return ownedDir(path, 0o755, 0)
}
