package controlplane

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// Idle sleep: a control plane nobody used for a while stops its process,
// and the first connection to its address starts it again.
//
// The supervisor, not the process, owns the API server's listening socket:
// it binds it once in the cluster's namespace and hands it to every run of
// the process (config.ListenerFDFlag). While the process is stopped the
// socket stays open, so the kernel still completes the handshakes of new
// connections and queues them; the supervisor sees a queued connection,
// starts the process, and the API server accepts it as if it had been
// there all along. The client only waits the start.
//
// "Used" is read from the API server's activity log (config.ActivityLog),
// which notes requests of anyone but the cluster's own components, nodes
// and probes.

// Sleep configures idle sleep (see Supervisor.SetSleep).
type Sleep struct {
	// After is how long a control plane may go without a request of a
	// person before it sleeps; 0 disables sleep.
	After time.Duration
	// Enter runs fn inside the network namespace ns (for binding the
	// listening socket there).
	Enter func(ns string, fn func() error) error
	// Asleep is called when a cluster goes to sleep, just before its
	// process is stopped; Awake when a connection (or Wake) wakes it,
	// just before the process starts again. Both are called from the
	// supervising goroutine, and may be nil.
	Asleep, Awake func(clusterID string)
}

// errAsleep ends a run of the process that was stopped for sleep.
var errAsleep = errors.New("control plane idle: asleep")

// SetSleep turns idle sleep on for the control planes started from now
// on. Call it before the first Start.
func (s *Supervisor) SetSleep(sl Sleep) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sleep = sl
}

// Asleep reports whether the cluster's control plane sleeps now.
func (s *Supervisor) Asleep(clusterID string) bool {
	p := s.proc(clusterID)
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.asleep
}

// Wake starts a sleeping control plane (without a connection); a running
// one is left alone.
func (s *Supervisor) Wake(clusterID string) {
	p := s.proc(clusterID)
	if p != nil {
		p.nudge()
	}
}

// listen binds the API server's address in the cluster's namespace and
// returns the socket as a file to hand to the process.
func (s *Supervisor) listen(c *Cluster) (*os.File, error) {
	addr := netip.AddrPortFrom(c.spec.Address, uint16(c.spec.port()))
	var ln net.Listener
	bind := func() (err error) {
		ln, err = net.Listen("tcp", addr.String())
		return err
	}
	enter := s.sleep.Enter
	if s.pool != nil && enter == nil {
		enter = s.pool.opts.Enter
	}
	var err error
	if c.spec.Netns == "" {
		err = bind()
	} else if enter == nil {
		err = errors.New("no way to enter the cluster's network namespace")
	} else {
		err = enter(c.spec.Netns, bind)
	}
	if err != nil {
		return nil, fmt.Errorf("listening on %s for the API server: %w", addr, err)
	}
	defer ln.Close() // the file is a copy
	return ln.(*net.TCPListener).File()
}

// idleSince is when the control plane was last used: its last noted
// request, or the start of this run when there has been none since.
func idleSince(c *Cluster, started time.Time) time.Time {
	if fi, err := os.Stat(c.activityPath()); err == nil && fi.ModTime().After(started) {
		return fi.ModTime()
	}
	return started
}

// checkEvery is how often a running control plane is checked for idleness.
func checkEvery(after time.Duration) time.Duration {
	return min(max(after/4, 100*time.Millisecond), 15*time.Second)
}

// doze waits, with the process stopped, until a connection is queued on
// the listener, Wake is called (true), or the supervision stops (false).
func (s *Supervisor) doze(p *process) bool {
	p.setAsleep(true)
	defer p.setAsleep(false)
	return waitConnection(p.listener, p.wake, p.stopping)
}
