package sshgw

import (
	"os"
	"strings"
)

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

// environ is what a session adds to the VM's login environment, as sshd
// does: the accepted variables, TERM, SSH_TTY, SSH_CLIENT, SSH_CONNECTION.
func (s *session) environ() []string {
	env := append([]string(nil), s.env...)
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

func splitHostPort(addr string) (host, port string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, "0"
	}
	return strings.Trim(addr[:i], "[]"), addr[i+1:]
}
