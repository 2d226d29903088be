// Package sshgw is the SSH gateway that puts the real OpenSSH client in a VM:
// `ssh azureuser@<public ip>` connects to a host loopback address (a public
// IP of aksbox, from its loopback pool), authenticates with the VM's admin
// user and SSH public keys, and runs the session's command or shell inside
// the VM as its admin user: VM.Enter builds the command (package sandbox
// runs it in the VM's namespaces, in the user's home), so the VM's host name,
// files, interfaces, routes and resolv.conf (the VNet's DNS) are what the
// command sees.
//
// A session's processes are hung up (SIGHUP, then SIGKILL) when its client
// goes away, when its address stops being served and on Close. Processes a
// user deliberately leaves behind (nohup, setsid, background jobs of a
// shell that logged out) keep running in the namespace, as on a real VM.
//
// Supported: public-key authentication; "session" channels with "exec",
// "shell", "pty-req", "window-change", "env" (LANG, LC_*, TERM), "signal";
// exit-status and exit-signal. Refused: passwords, port forwarding, agent
// and X11 forwarding, subsystems (no sftp, so no scp).
package sshgw

import (
	"errors"
	"fmt"
	"net/netip"
	"os/exec"

	"golang.org/x/crypto/ssh"
)

// VM is what the gateway needs to know about a VM to let its user in.
type VM struct {
	Name string          // for the log
	User string          // admin user name; the only one accepted
	Keys []ssh.PublicKey // authorized keys
	// Enter returns the command that runs argv in the VM as User, in the
	// user's home, with a login environment (PATH, HOME, USER, LOGNAME,
	// SHELL) to which sessions add their own variables.
	Enter func(argv []string) (*exec.Cmd, error)
	// Root is the host's path to the VM's root directory, where sessions
	// allocate their terminals (in the VM's /dev/pts).
	Root func() (string, error)
}

// ErrUnsupported is returned where network namespaces do not exist.
var ErrUnsupported = errors.New("sshgw: the ssh gateway is only supported on linux")

// ErrClosed is returned by Set after Close.
var ErrClosed = errors.New("sshgw: gateway closed")

// checkAddr returns addr in canonical form (IPv4-mapped addresses unmapped)
// or an error unless it is a host loopback address with a port: the gateway
// never listens where anything but the host itself can reach it.
func checkAddr(addr netip.AddrPort) (netip.AddrPort, error) {
	if !addr.IsValid() {
		return addr, fmt.Errorf("ssh gateway address %v: invalid address", addr)
	}
	a := netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	if !a.Addr().IsLoopback() {
		return addr, fmt.Errorf("ssh gateway address %v: not a loopback address; aksbox serves ssh only on host loopback addresses (127.0.0.0/8, ::1)", addr)
	}
	if a.Port() == 0 {
		return addr, fmt.Errorf("ssh gateway address %v: port 0; a port is required", addr)
	}
	return a, nil
}

// checkVM collects what makes vm unusable.
func checkVM(vm *VM) error {
	var errs []error
	if vm.User == "" {
		errs = append(errs, errors.New("no user"))
	}
	if len(vm.Keys) == 0 {
		errs = append(errs, errors.New("no ssh public keys"))
	}
	for i, k := range vm.Keys {
		if k == nil {
			errs = append(errs, fmt.Errorf("key %d is nil", i))
		}
	}
	if vm.Enter == nil || vm.Root == nil {
		errs = append(errs, errors.New("no way into the VM"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid vm for the ssh gateway: %w", err)
	}
	return nil
}
