package sshgw

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sessionPath is the PATH of session commands.
const sessionPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// acceptedEnv tells which variables a client may set: those of Debian's
// sshd_config (AcceptEnv LANG LC_*), plus TERM.
func acceptedEnv(name string) bool {
	return name == "LANG" || name == "TERM" || strings.HasPrefix(name, "LC_")
}

// loginShell is bash as a login shell where there is bash, else sh.
func loginShell() []string {
	if _, err := os.Stat("/bin/bash"); err == nil {
		return []string{"/bin/bash", "-l"}
	}
	return []string{"/bin/sh"}
}

// environ is a login environment, as sshd would build it for root.
func (s *session) environ(home, shell string) []string {
	env := []string{
		"PATH=" + sessionPath,
		"HOME=" + home,
		"USER=root",
		"LOGNAME=root",
		"SHELL=" + shell,
	}
	env = append(env, s.env...)
	if s.term != "" {
		env = append(env, "TERM="+s.term) // the terminal's own type wins
	}
	if s.ptmx != nil {
		if name, err := ptsName(s.ptmx); err == nil {
			env = append(env, "SSH_TTY="+name)
		}
	}
	if ra, la := s.conn.RemoteAddr(), s.conn.LocalAddr(); ra != nil && la != nil {
		rh, rp := splitHostPort(ra.String())
		lh, lp := splitHostPort(la.String())
		env = append(env,
			"SSH_CLIENT="+rh+" "+rp+" "+lp,
			"SSH_CONNECTION="+rh+" "+rp+" "+lh+" "+lp)
	}
	return env
}

// makeHome creates a VM's home directory when missing, with the files of
// /etc/skel (.bashrc, .profile, ...) as useradd would.
func makeHome(home string) error {
	if _, err := os.Stat(home); err == nil {
		return nil
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("creating home directory: %w", err)
	}
	entries, _ := os.ReadDir("/etc/skel")
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/etc/skel", e.Name())); err == nil {
			os.WriteFile(filepath.Join(home, e.Name()), b, 0o644)
		}
	}
	return nil
}

func splitHostPort(addr string) (host, port string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, "0"
	}
	return strings.Trim(addr[:i], "[]"), addr[i+1:]
}
