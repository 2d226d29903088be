// Package sandbox makes a VM a machine of its own rather than a root shell
// on the host. A running VM is one small init process (PID 1 of the VM)
// in namespaces of its own — user, mount, PID, UTS and IPC — beside the
// VM's network namespace:
//
//   - root in the VM is an unprivileged user of the host (host uids from
//     UIDBase on map to the VM's 0..65535), so nothing inside can enter the
//     host's or another VM's namespaces, load modules or touch devices;
//   - the host name is the VM's computer name;
//   - the VM's /etc (its files over the host's, in an overlay), /home,
//     /root, /tmp and /var are its own, under the VM's folder in the state
//     directory, and persist across stop/start and server restarts until
//     the VM is deleted; the host's /usr is there read-only, so the usual
//     tools are; the host's processes, its state directory and other VMs'
//     files are not;
//   - the admin user is a real user (uid 1000) in the groups adm and sudo,
//     and sudo works without a password, as Azure's provisioning agent sets
//     it up; sudo asks the VM's init (see sudo_linux.c), so there is no
//     set-user-ID file.
//
// Starting a VM's init and entering it must happen before the Go runtime
// starts threads, so that part is C, run by a constructor when the binary is
// invoked as `aksbox __vminit ...` or `aksbox __vmenter ...` (see
// sandbox_linux.c). The binary must be built with cgo; without it there are
// no sandboxes, and VMs fail to start rather than run on the host.
//
// Manager boots and halts VMs and builds the commands that run inside them
// (SSH sessions, run-command, aks command invoke). It keeps no state in
// memory: a VM's init PID is in its folder and checked against /proc.
package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// UIDBase is the host uid (and gid) of a VM's root; the VM's uids and gids
// 0..IDs-1 are the host's UIDBase..UIDBase+IDs-1. Every VM uses the same
// range, as containers under one user-namespace remapping do: VMs are kept
// apart by their mount and PID namespaces.
const (
	UIDBase = 1 << 30
	IDs     = 65536
)

// AdminUID is the uid and gid of a VM's admin user.
const AdminUID = 1000

// ErrNotRunning is returned for a VM that has no init (stopped, or never
// started).
var ErrNotRunning = errors.New("the VM is not running")

// Spec is what booting a VM needs.
type Spec struct {
	ID         string   // the VM's resource ID; names its folder
	Netns      string   // its network namespace, under /var/run/netns
	Hostname   string   // its computer name
	User       string   // the admin user
	Keys       []string // the admin user's authorized keys, one per line
	CustomData []byte   // cloud-init user data run at first boot, if any
}

// Folder is the name of a VM's folder under the manager's directory: a
// hash of its resource ID (case-insensitive, as ARM IDs are).
func Folder(id string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id)))
	return hex.EncodeToString(sum[:8])
}

// User is a user of a VM as its /etc/passwd and /etc/group say.
type User struct {
	Name     string
	UID, GID int
	Groups   []int
	Home     string
	Shell    string
}
