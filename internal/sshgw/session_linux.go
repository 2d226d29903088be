package sshgw

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"
)

// grace is how long output is still forwarded after the command exited
// (from background processes that keep its terminal or pipes), and how long
// a session's processes have between SIGHUP and SIGKILL when the client goes
// away.
const grace = time.Second

// session is one "session" channel: at most one command, with or without a
// terminal.
type session struct {
	g    *Gateway
	ch   ssh.Channel
	conn *ssh.ServerConn
	vm   *VM

	env       []string // accepted "env" requests, NAME=value
	term      string   // from "pty-req"
	ptmx, tty *os.File // set by "pty-req"

	cmd     *exec.Cmd
	outDone chan struct{} // terminal output drained (terminal sessions only)
	done    chan struct{} // cmd waited for and its exit reported
}

// serveSession answers the requests of one session channel until it closes,
// then ends what still runs in it.
func (g *Gateway) serveSession(nc ssh.NewChannel, conn *ssh.ServerConn, vm *VM) {
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	s := &session{
		g:    g,
		ch:   ch,
		conn: conn,
		vm:   vm,
	}
	for req := range reqs {
		s.handle(req)
	}
	s.end()
}

func (s *session) handle(req *ssh.Request) {
	ok := false
	switch req.Type {
	case "pty-req":
		var p struct {
			Term                      string
			Cols, Rows, Width, Height uint32
			Modes                     string
		}
		if s.cmd == nil && s.ptmx == nil && ssh.Unmarshal(req.Payload, &p) == nil {
			ok = s.openTerminal(p.Term, p.Cols, p.Rows)
		}
	case "window-change":
		var p struct{ Cols, Rows, Width, Height uint32 }
		if s.ptmx != nil && ssh.Unmarshal(req.Payload, &p) == nil {
			ok = setWinsize(s.ptmx, p.Cols, p.Rows) == nil
		}
	case "env":
		var p struct{ Name, Value string }
		if s.cmd == nil && ssh.Unmarshal(req.Payload, &p) == nil && acceptedEnv(p.Name) {
			s.env = append(s.env, p.Name+"="+p.Value)
			ok = true
		}
	case "exec":
		var p struct{ Command string }
		if ssh.Unmarshal(req.Payload, &p) == nil {
			s.start(req, []string{"/bin/sh", "-c", p.Command})
			return // start replies
		}
	case "shell":
		s.start(req, loginShell())
		return
	case "signal":
		var p struct{ Name string }
		if s.cmd != nil && ssh.Unmarshal(req.Payload, &p) == nil {
			// To the command's process group: the command itself is
			// a child of the process that entered the VM.
			if sig := unix.SignalNum("SIG" + p.Name); sig != 0 {
				ok = syscall.Kill(-s.cmd.Process.Pid, sig) == nil
			}
		}
	}
	if req.WantReply {
		req.Reply(ok, nil)
	}
}

func (s *session) openTerminal(term string, cols, rows uint32) bool {
	root, err := s.vm.Root()
	if err != nil {
		s.g.log.Warn("ssh session: no terminal", "err", err)
		return false
	}
	ptmx, tty, err := openPTY(root)
	if err != nil {
		s.g.log.Warn("ssh session: no terminal", "err", err)
		return false
	}
	if cols > 0 && rows > 0 {
		setWinsize(ptmx, cols, rows)
	}
	s.ptmx, s.tty, s.term = ptmx, tty, term
	return true
}

// start runs argv in the VM, replies to req, and reports the exit status
// when the command ends.
func (s *session) start(req *ssh.Request, argv []string) {
	if s.cmd != nil {
		req.Reply(false, nil)
		return
	}
	if err := s.run(argv); err != nil {
		s.g.log.Warn("ssh session: starting command", "vm", s.vm.Name, "err", err)
		req.Reply(false, nil)
		return
	}
	req.Reply(true, nil) // before the exit status, which wait sends
	s.done = make(chan struct{})
	go s.wait()
}

func (s *session) run(argv []string) error {
	cmd, err := s.vm.Enter(argv)
	if err != nil {
		return err
	}
	cmd.Env = append(cmd.Env, s.environ()...)
	cmd.WaitDelay = grace // stop waiting for pipes held by background processes

	if s.ptmx != nil {
		// The command leads a session of its own with the terminal as its
		// controlling terminal.
		cmd.Stdin, cmd.Stdout, cmd.Stderr = s.tty, s.tty, s.tty
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		if err := cmd.Start(); err != nil {
			return err
		}
		// Only the command holds the terminal now: the master reads EIO
		// once it and its children have closed it.
		s.tty.Close()
		s.tty = nil
		s.outDone = make(chan struct{})
		go func() { io.Copy(s.ptmx, s.ch) }()
		go func() {
			defer close(s.outDone)
			io.Copy(s.ch, s.ptmx)
		}()
	} else {
		// The command leads a process group of its own, so it can be hung
		// up with everything it started.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = s.ch, s.ch.Stderr()
		if err := cmd.Start(); err != nil {
			return err
		}
		go func() {
			io.Copy(stdin, s.ch) // until the client's EOF
			stdin.Close()
		}()
	}
	s.cmd = cmd
	return nil
}

// wait reaps the command, forwards the rest of its output and reports how
// it ended, then closes the channel.
func (s *session) wait() {
	defer close(s.done)
	err := s.cmd.Wait()
	if s.outDone != nil {
		select {
		case <-s.outDone:
		case <-time.After(grace):
			s.ptmx.Close() // background processes keep the terminal
			<-s.outDone
		}
	}
	s.ch.CloseWrite()
	st := s.cmd.ProcessState
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		name := strings.TrimPrefix(unix.SignalName(ws.Signal()), "SIG")
		s.ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
			Signal     string
			CoreDumped bool
			Message    string
			Lang       string
		}{name, ws.CoreDump(), "", ""}))
	} else {
		s.ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(st.ExitCode())}))
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		// Output held open by background processes was cut (ErrWaitDelay).
		s.g.log.Debug("ssh session: waiting for command", "vm", s.vm.Name, "err", err)
	}
	s.ch.Close()
}

// end runs when the channel is closed: by wait after the command ended, or
// by the client or the gateway going away, in which case the command and its
// process group are hung up, then killed, and reaped.
func (s *session) end() {
	if s.done != nil {
		select {
		case <-s.done:
		default:
			s.hangUp()
			<-s.done
		}
	}
	if s.ptmx != nil {
		s.ptmx.Close()
	}
	if s.tty != nil {
		s.tty.Close()
	}
	s.ch.Close()
}

// hangUp sends SIGHUP to the command's process group (a terminal session's
// group is its session's), then SIGKILL if it is still there after grace.
func (s *session) hangUp() {
	pgid := s.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGHUP)
	if s.ptmx != nil {
		s.ptmx.Close() // the kernel hangs up the terminal's session too
	}
	select {
	case <-s.done:
	case <-time.After(grace):
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}
