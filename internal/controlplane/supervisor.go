package controlplane

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aksbox/aksbox/internal/kube/config"
	"github.com/aksbox/aksbox/internal/nsexec"
)

// Supervision timings.
const (
	// stopGrace is how long a process may take to stop after SIGTERM
	// before it is killed.
	stopGrace = 20 * time.Second
	// Restart backoff: doubling from minBackoff up to maxBackoff, back to
	// minBackoff once a process has stayed up for healthyRun.
	minBackoff = time.Second
	maxBackoff = 30 * time.Second
	healthyRun = time.Minute
)

// Supervisor runs the control plane process of each started cluster and
// restarts it whenever it exits, until it is stopped.
type Supervisor struct {
	self string
	log  *slog.Logger

	mu    sync.Mutex
	procs map[string]*process // by lower-case cluster id
	sleep Sleep
	pool  *pool // nil: no warm control planes

	// Overridable in tests.
	grace, minBackoff, maxBackoff time.Duration
}

// NewSupervisor returns a supervisor that starts self (the aksbox binary,
// usually os.Executable()) with the hidden control plane subcommand.
func NewSupervisor(self string, log *slog.Logger) *Supervisor {
	return &Supervisor{self: self, log: log, procs: map[string]*process{},
		grace: stopGrace, minBackoff: minBackoff, maxBackoff: maxBackoff}
}

func key(clusterID string) string { return strings.ToLower(clusterID) }

// proc is the supervision of the cluster's control plane (nil: none).
func (s *Supervisor) proc(clusterID string) *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs[key(clusterID)]
}

// Start runs the control plane of c unless it is running already. When it
// is running with a different configuration (c was prepared again with a
// changed spec), it is restarted.
func (s *Supervisor) Start(c *Cluster) error {
	cfg, err := os.ReadFile(c.ConfigPath())
	if err != nil {
		return fmt.Errorf("starting control plane: %w", err)
	}
	if _, err := config.Load(c.ConfigPath()); err != nil {
		return fmt.Errorf("starting control plane: %w", err)
	}
	k := key(c.ID())
	if old := s.proc(c.ID()); old != nil {
		if bytes.Equal(old.config, cfg) {
			return nil
		}
		s.log.Info("control plane configuration changed, restarting", "cluster", c.ID())
		if err := s.Stop(c.ID()); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.procs[k]; p != nil { // started concurrently
		return nil
	}
	p := &process{cluster: c, config: cfg, sleep: s.sleep, stopping: make(chan struct{}), done: make(chan struct{}), wake: make(chan struct{}, 1)}
	s.procs[k] = p
	go s.supervise(p)
	return nil
}

// Stop stops the control plane of the cluster (SIGTERM, then SIGKILL after a
// grace period) and waits until it has exited. Stopping a cluster that is
// not running is not an error.
func (s *Supervisor) Stop(clusterID string) error {
	p := s.proc(clusterID)
	if p == nil {
		return nil
	}
	p.stopOnce.Do(func() { close(p.stopping) })
	<-p.done
	s.mu.Lock()
	if s.procs[key(clusterID)] == p {
		delete(s.procs, key(clusterID))
	}
	s.mu.Unlock()
	return nil
}

// StopAll stops every control plane, in parallel.
func (s *Supervisor) StopAll() {
	s.mu.Lock()
	ids := make([]string, 0, len(s.procs))
	for _, p := range s.procs {
		ids = append(ids, p.cluster.ID())
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Stop(id)
		}()
	}
	wg.Wait()
	s.mu.Lock()
	p := s.pool
	s.pool = nil
	s.mu.Unlock()
	if p != nil {
		p.close()
	}
}

// Running reports whether the cluster's control plane process is alive now
// (between restarts it is not).
func (s *Supervisor) Running(clusterID string) bool {
	p := s.proc(clusterID)
	return p != nil && p.alive()
}

// Pid is the process id of the cluster's control plane process, or 0 when
// none is running.
func (s *Supervisor) Pid(clusterID string) int {
	p := s.proc(clusterID)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

// WaitReady waits until the cluster's control plane serves: its API server
// is ready and the cluster add-ons exist. A sleeping one is woken.
func (s *Supervisor) WaitReady(ctx context.Context, clusterID string) error {
	s.Wake(clusterID)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		p := s.proc(clusterID)
		if p == nil {
			return fmt.Errorf("control plane of %s is not started", clusterID)
		}
		if p.alive() {
			if _, err := os.Stat(p.cluster.readyPath()); err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the control plane of %s: %w (see %s)", clusterID, ctx.Err(), p.cluster.LogPath())
		case <-p.done:
			return fmt.Errorf("control plane of %s was stopped", clusterID)
		case <-tick.C:
		}
	}
}

// process is the supervision of one cluster's control plane.
type process struct {
	cluster  *Cluster
	config   []byte        // the configuration it was started with
	sleep    Sleep         // as the supervisor's was at Start
	stopping chan struct{} // closed by Stop
	stopOnce sync.Once
	done     chan struct{} // closed when supervision has ended
	wake     chan struct{} // Wake's signal to a sleeping process
	listener *os.File      // the API server's socket, with sleep on
	adopted  *warm         // a warm control plane's process: its first run

	mu      sync.Mutex
	running bool
	asleep  bool
	pid     int
}

func (p *process) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *process) setAsleep(v bool) {
	p.mu.Lock()
	p.asleep = v
	p.mu.Unlock()
}

func (p *process) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

func (p *process) setRunning(pid int) {
	p.mu.Lock()
	p.running, p.pid = pid != 0, pid
	p.mu.Unlock()
}

// supervise starts the process and restarts it until stopping is closed.
func (s *Supervisor) supervise(p *process) {
	defer close(p.done)
	// The children get SIGKILL when the thread that started them exits
	// (Pdeathsig), so that they die with aksbox. Go may retire a thread
	// that was locked by someone else, so the one starting them is kept
	// for this goroutine alone while it supervises.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	log := s.log.With("cluster", p.cluster.ID())
	defer func() {
		if p.listener != nil {
			p.listener.Close()
		}
	}()
	backoff := s.minBackoff
	for {
		started := time.Now()
		err := s.runOnce(p)
		select {
		case <-p.stopping:
			log.Info("control plane stopped")
			return
		default:
		}
		if errors.Is(err, errAsleep) {
			log.Info("control plane idle, asleep", "after", p.sleep.After)
			if !s.doze(p) {
				log.Info("control plane stopped")
				return
			}
			log.Info("control plane woken")
			callHook(p.sleep.Awake, p.cluster.ID())
			backoff = s.minBackoff
			continue
		}
		if time.Since(started) >= healthyRun {
			backoff = s.minBackoff
		}
		log.Warn("control plane exited, restarting", "err", err, "in", backoff, "log", p.cluster.LogPath())
		select {
		case <-p.stopping:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, s.maxBackoff)
	}
}

func callHook(f func(string), id string) {
	if f != nil {
		f(id)
	}
}

// command is the control plane process of c; with a listener it serves
// there (the process's fd 3).
func (s *Supervisor) command(c *Cluster, listener *os.File) *exec.Cmd {
	argv := []string{s.self, config.Subcommand, "--config", c.ConfigPath()}
	if listener != nil {
		argv = append(argv, "--"+config.ListenerFDFlag, "3")
	}
	if c.spec.Netns == "" {
		return exec.Command(argv[0], argv[1:]...)
	}
	return nsexec.Command(s.self, c.spec.Netns, argv...)
}

// runOnce runs the process until it exits or stopping is closed.
func (s *Supervisor) runOnce(p *process) error {
	r, err := s.startRun(p)
	if err != nil {
		return err
	}
	c := p.cluster
	p.setRunning(r.pid)
	defer p.setRunning(0)
	defer r.close()
	exited := r.exited
	started := time.Now()
	var idle <-chan time.Time
	if p.sleep.After > 0 {
		t := time.NewTicker(checkEvery(p.sleep.After))
		defer t.Stop()
		idle = t.C
	}
	for {
		select {
		case err := <-exited:
			return err
		case <-p.stopping:
			_ = r.proc.Signal(syscall.SIGTERM)
			select {
			case err := <-exited:
				return err
			case <-time.After(s.grace):
				_ = r.proc.Kill()
				return <-exited
			}
		case <-idle:
			if _, err := os.Stat(c.readyPath()); err != nil || time.Since(idleSince(c, started)) < p.sleep.After {
				continue
			}
			// The nodes first, so that nothing of the cluster's own
			// connects while it sleeps; then the process at once: its
			// state is in etcd, and a graceful stop would only let its
			// own parts reconnect into the queue that wakes it.
			callHook(p.sleep.Asleep, c.ID())
			_ = r.proc.Kill()
			<-exited
			return errAsleep
		}
	}
}

// run is one run of a control plane process.
type run struct {
	pid    int
	proc   *os.Process
	exited <-chan error
	close  func()
}

// startRun starts the process of p, or takes over the warm control plane
// p adopted (its first run).
func (s *Supervisor) startRun(p *process) (*run, error) {
	select {
	case <-p.wake: // a start answers every Wake made before it
	default:
	}
	if w := p.adopted; w != nil {
		p.adopted = nil
		return &run{pid: w.proc.Pid, proc: w.proc, exited: w.exited, close: func() {}}, nil
	}
	c := p.cluster
	if err := os.Remove(c.readyPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("removing ready marker: %w", err)
	}
	if p.sleep.After > 0 && p.listener == nil {
		ln, err := s.listen(c)
		if err != nil {
			return nil, err
		}
		p.listener = ln
	}
	cmd := s.command(c, p.listener)
	if p.listener != nil {
		cmd.ExtraFiles = []*os.File{p.listener}
	}
	out, err := startWithNice(cmd, c, startNice)
	if err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return &run{pid: cmd.Process.Pid, proc: cmd.Process, exited: exited, close: func() { out.Close() }}, nil
}

// startWithNice is startProcess with the process at the given nice value
// (see priority.go). Without the privilege to raise it, the process starts
// at the normal priority.
func startWithNice(cmd *exec.Cmd, c *Cluster, nice int) (io.Closer, error) {
	if err := setThreadNice(nice); err == nil {
		defer func() { _ = setThreadNice(0) }()
	}
	return startProcess(cmd, c)
}

// startProcess starts cmd, the control plane process of c, in c's folder
// with its output to c's log, dying with the calling thread (which the
// caller keeps for as long as the process runs). It returns the log,
// which the caller closes once the process has exited.
func startProcess(cmd *exec.Cmd, c *Cluster) (io.Closer, error) {
	out, err := openLog(c.LogPath())
	if err != nil {
		return nil, err
	}
	cmd.Dir = c.spec.Dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	return out, nil
}
