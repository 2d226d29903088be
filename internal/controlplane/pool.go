package controlplane

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aksbox/aksbox/internal/faults"
	"github.com/aksbox/aksbox/internal/kube/config"
	"github.com/aksbox/aksbox/internal/nsexec"
	"github.com/aksbox/aksbox/internal/pki"
)

// The warm pool keeps control planes started before their clusters exist,
// so that a new cluster adopts a running one instead of waiting for a
// start. A warm control plane runs in a namespace of its own that holds
// only its address (it reaches nothing but itself), with a CA, keys and an
// etcd prefix of its own, which become its cluster's. Adoption (see Launch)
// renames its folder to the cluster's (a link keeps the old paths working
// for the running process), issues the serving certificate that names the
// cluster, and hands the process the listening socket bound in the
// cluster's namespace. The pool then starts another. Warm control planes
// run at a lower CPU priority until adopted (see priority.go).

// PoolOptions configure the warm pool (see Supervisor.EnablePool).
type PoolOptions struct {
	// Size is how many warm control planes are kept; 0 disables the pool.
	Size int
	// Dir holds the warm control planes' folders.
	Dir string
	// Template is the first shape of the warm control planes: what a
	// cluster must have in common with one to adopt it, its Address, Port,
	// ServiceCIDR, DNSServiceIP and EtcdSocket. Everything else is the
	// pool's own until adoption, or read only by the controller manager
	// and the scheduler, which a warm control plane starts once adopted
	// (the pod CIDR). A cluster of another shape starts cold, and the pool
	// takes its shape for the next (remembered in Dir + ".json").
	Template Spec
	// Host makes the isolated namespace of a warm control plane, holding
	// addr, and returns its name; RemoveHost removes it.
	Host       func(name string, addr netip.Addr) (string, error)
	RemoveHost func(name string) error
	// Discard deletes what an unadopted warm control plane stored in etcd
	// under prefix.
	Discard func(ctx context.Context, prefix string) error
	// Enter runs fn inside a network namespace: the adopting cluster's
	// listening socket is bound there.
	Enter func(ns string, fn func() error) error
}

// Pool timings.
const adoptReplyTimeout = 3 * time.Minute // the process itself gives up after 2

// pool is the supervisor's warm pool.
type pool struct {
	opts PoolOptions
	log  *slog.Logger
	self string

	mu      sync.Mutex
	shape   Spec    // what the next warm control plane is started as
	idle    []*warm // started, not adopted
	pending int     // being started
	closed  bool
	done    chan struct{} // closed with closed
	fails   int           // warm control planes that exited unadopted in a row
	wg      sync.WaitGroup
}

// warm is one warm control plane.
type warm struct {
	name    string
	cluster *Cluster
	ns      string
	sock    *net.UnixConn // the pool's end of the adoption socket
	started chan struct{} // closed once the process runs (or failed to)
	proc    *os.Process
	exited  chan error // the process's end, once, after the pool cleaned up

	mu      sync.Mutex
	adopted string // the folder it was renamed to; "" while warm
	retired bool   // stopped for a shape no longer wanted
}

// EnablePool starts keeping opts.Size warm control planes (see pool.go).
// What an earlier run of the server left in opts.Dir is removed first,
// also when Size is 0 and no pool is kept.
func (s *Supervisor) EnablePool(opts PoolOptions) error {
	if opts.Host == nil || opts.RemoveHost == nil || opts.Discard == nil || opts.Enter == nil {
		return errors.New("warm control planes need Host, RemoveHost, Discard and Enter")
	}
	p := &pool{opts: opts, log: s.log.With("pool", "warm control planes"), self: s.self, shape: opts.Template,
		done: make(chan struct{})}
	if opts.Size <= 0 {
		p.removeStale()
		os.Remove(opts.Dir) // if empty
		return nil
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return fmt.Errorf("warm control planes: %w", err)
	}
	if data, err := os.ReadFile(p.shapePath()); err == nil {
		var sh Spec
		if json.Unmarshal(data, &sh) == nil && sh.ServiceCIDR.IsValid() && sh.ServiceCIDR.Contains(sh.DNSServiceIP) {
			p.shape.ServiceCIDR, p.shape.DNSServiceIP = sh.ServiceCIDR, sh.DNSServiceIP
		}
	}
	p.removeStale()
	s.mu.Lock()
	s.pool = p
	s.mu.Unlock()
	p.refill()
	return nil
}

// removeStale removes the folders, namespaces and etcd state of warm
// control planes an earlier run left (their processes died with it).
func (p *pool) removeStale() {
	entries, err := os.ReadDir(p.opts.Dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			p.log.Warn("listing stale warm control planes", "err", err)
		}
		return
	}
	for _, e := range entries {
		path := filepath.Join(p.opts.Dir, e.Name())
		if e.Type()&os.ModeSymlink == 0 { // never adopted: its state is nobody's
			if c, err := Load(path); err == nil {
				p.discardState(c.spec.EtcdPrefix)
			}
		}
		if err := os.RemoveAll(path); err != nil {
			p.log.Warn("removing a stale warm control plane", "path", path, "err", err)
		}
		name := strings.TrimSuffix(e.Name(), adoptingSuffix)
		if err := p.opts.RemoveHost(name); err != nil {
			p.log.Warn("removing a stale warm control plane's namespace", "name", name, "err", err)
		}
	}
}

// adoptingSuffix names the link to a cluster's folder while a warm control
// plane's folder is being renamed to it.
const adoptingSuffix = ".adopting"

// refill starts warm control planes until Size are kept.
func (p *pool) refill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.closed && len(p.idle)+p.pending < p.opts.Size {
		p.pending++
		delay := time.Duration(0)
		if p.fails > 0 {
			delay = min(time.Second<<min(p.fails, 5), 30*time.Second)
		}
		p.wg.Add(1)
		go p.startOne(delay)
	}
}

func (p *pool) startOne(delay time.Duration) {
	defer p.wg.Done()
	defer p.recoverPanic("starting a warm control plane")
	var w *warm
	var err error
	select {
	case <-time.After(delay):
		w, err = p.prepare()
	case <-p.done:
	}
	p.mu.Lock()
	p.pending--
	closed := p.closed
	if err != nil && !closed {
		p.fails++ // the next try waits longer
	}
	if err == nil && closed {
		err = errors.New("pool closed")
	}
	if err == nil && w != nil && compatible(w.cluster.spec, p.shape) != "" {
		// The pool learnt another shape while this one was prepared.
		p.mu.Unlock()
		p.discard(w)
		p.refill()
		return
	}
	if err != nil || w == nil {
		p.mu.Unlock()
		if w != nil {
			p.discard(w)
		}
		if !closed {
			p.log.Warn("starting a warm control plane", "err", err)
			p.refill()
		}
		return
	}
	p.idle = append(p.idle, w)
	p.wg.Add(1)
	p.mu.Unlock()
	go p.run(w)
}

// recoverPanic logs a panic of the pool's background work instead of
// letting it end the server; the pool starts no more control planes.
func (p *pool) recoverPanic(what string) {
	if r := recover(); r != nil {
		p.log.Error("panic "+what, "panic", r)
		p.mu.Lock()
		if !p.closed {
			p.closed = true
			close(p.done)
		}
		p.mu.Unlock()
	}
}

// prepare makes a warm control plane's namespace and folder.
func (p *pool) prepare() (*warm, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := hex.EncodeToString(b)
	p.mu.Lock()
	t := p.shape
	p.mu.Unlock()
	// The folder comes first: what a crash leaves is found by its name
	// (removeStale), the namespace included.
	if err := os.MkdirAll(filepath.Join(p.opts.Dir, name), 0o700); err != nil {
		return nil, fmt.Errorf("warm control plane folder: %w", err)
	}
	ns, err := p.opts.Host(name, t.Address)
	if err != nil {
		os.Remove(filepath.Join(p.opts.Dir, name))
		return nil, err
	}
	w := &warm{name: name, ns: ns, started: make(chan struct{}), exited: make(chan error, 1)}
	spec := Spec{ClusterID: "warm-control-plane-" + name, Dir: filepath.Join(p.opts.Dir, name), Netns: ns,
		Address: t.Address, Port: t.Port, ServiceCIDR: t.ServiceCIDR, DNSServiceIP: t.DNSServiceIP,
		EtcdSocket: t.EtcdSocket, EtcdPrefix: "/aksbox/clusters/w" + name + "/registry"}
	if w.cluster, err = Prepare(spec); err != nil {
		return w, err
	}
	return w, nil
}

// run starts the process and waits for its end, on a thread of its own:
// the process dies with that thread (Pdeathsig), so the thread lives as
// long as the process, adopted or not.
func (p *pool) run(w *warm) {
	defer p.wg.Done()
	defer p.recoverPanic("running a warm control plane")
	runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
	err := p.runProcess(w)
	adopted := w.folder() != ""
	w.mu.Lock()
	retired := w.retired
	w.mu.Unlock()
	p.mu.Lock()
	for i, o := range p.idle {
		if o == w {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
	if !adopted && !p.closed && !retired {
		p.fails++
	}
	p.mu.Unlock()
	if !adopted && !retired {
		p.log.Warn("warm control plane exited", "err", err, "log", w.cluster.LogPath())
	}
	p.discard(w)
	w.exited <- err
	if !adopted {
		p.refill()
	}
}

func (p *pool) runProcess(w *warm) error {
	startedOnce := sync.OnceFunc(func() { close(w.started) })
	defer startedOnce()
	if err := setThreadNice(warmNice); err != nil { // the process inherits it
		p.log.Warn("lowering a warm control plane's priority", "err", err)
	}
	ours, theirs, err := socketPair()
	if err != nil {
		return err
	}
	defer theirs.Close()
	c, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		return fmt.Errorf("adoption socket: %w", err)
	}
	w.sock = c.(*net.UnixConn)
	cmd := nsexec.Command(p.self, w.ns, p.self, config.Subcommand, "--config", w.cluster.ConfigPath(), "--"+config.AdoptFDFlag, "3")
	cmd.ExtraFiles = []*os.File{theirs}
	out, err := startProcess(cmd, w.cluster)
	if err != nil {
		return err
	}
	defer out.Close()
	w.proc = cmd.Process
	theirs.Close()
	startedOnce()
	return cmd.Wait()
}

// discard removes what a warm control plane leaves when its process has
// ended (or never started): the namespace, and unless it was adopted its
// etcd state and folder; the link to an adopted one's folder.
func (p *pool) discard(w *warm) {
	if w.sock != nil {
		w.sock.Close()
	}
	dir := filepath.Join(p.opts.Dir, w.name)
	if w.folder() == "" && w.cluster != nil {
		p.discardState(w.cluster.spec.EtcdPrefix)
	}
	if err := os.RemoveAll(dir); err != nil { // the folder, or the link to an adopted one's
		p.log.Warn("removing a warm control plane's folder", "path", dir, "err", err)
	}
	os.Remove(dir + adoptingSuffix) // left if the adoption failed halfway
	if err := p.opts.RemoveHost(w.name); err != nil {
		p.log.Warn("removing a warm control plane's namespace", "name", w.name, "err", err)
	}
}

// discardState deletes what a warm control plane nobody adopted stored
// under prefix in etcd.
func (p *pool) discardState(prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.opts.Discard(ctx, prefix); err != nil {
		p.log.Warn("discarding a warm control plane's state", "prefix", prefix, "err", err)
	}
}

func (w *warm) folder() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.adopted
}

// take removes from the pool a warm control plane that spec can adopt: a
// ready one if there is one. When none fits, the pool takes spec's shape
// for the ones it starts from now on, and stops those of the old shape.
func (p *pool) take(spec Spec) *warm {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	i := -1
	for j, w := range p.idle {
		if compatible(spec, w.cluster.spec) != "" {
			continue
		}
		if _, err := os.Stat(w.cluster.readyPath()); err == nil || i < 0 {
			i = j
		}
	}
	if i < 0 {
		p.learn(spec)
		return nil
	}
	w := p.idle[i]
	p.idle = append(p.idle[:i], p.idle[i+1:]...)
	p.fails = 0
	return w
}

// learn makes spec's shape the pool's, if it can be (p.mu held).
func (p *pool) learn(spec Spec) {
	next := p.shape
	next.ServiceCIDR, next.DNSServiceIP = spec.ServiceCIDR.Masked(), spec.DNSServiceIP
	if compatible(spec, next) != "" || compatible(next, p.shape) == "" {
		return // another address or etcd: no warm one would fit; or the shape is already this
	}
	p.log.Info("warm control planes take a new shape", "serviceCIDR", next.ServiceCIDR, "dnsServiceIP", next.DNSServiceIP)
	p.shape = next
	if data, err := json.Marshal(Spec{ServiceCIDR: next.ServiceCIDR, DNSServiceIP: next.DNSServiceIP}); err == nil {
		if err := pki.WriteFileAtomic(p.shapePath(), data, 0o600); err != nil {
			p.log.Warn("remembering the warm control planes' shape", "err", err)
		}
	}
	for _, w := range p.idle {
		w.mu.Lock()
		w.retired = true
		w.mu.Unlock()
		go func() {
			<-w.started
			if w.proc != nil {
				_ = w.proc.Signal(syscall.SIGTERM)
			}
		}()
	}
}

func (p *pool) shapePath() string { return filepath.Clean(p.opts.Dir) + ".json" }

// close stops the warm control planes not adopted and waits until every
// process the pool started has ended (adopted ones end with their
// supervision).
func (p *pool) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
	idle := p.idle
	p.mu.Unlock()
	for _, w := range idle {
		<-w.started
		if w.proc != nil {
			_ = w.proc.Signal(syscall.SIGTERM)
		}
	}
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopGrace):
		for _, w := range idle {
			if w.proc != nil {
				_ = w.proc.Kill()
			}
		}
		<-done
	}
}

// compatible tells why spec cannot adopt a control plane started from t
// ("" when it can).
func compatible(spec, t Spec) string {
	switch {
	case spec.Address != t.Address || spec.port() != t.port():
		return fmt.Sprintf("its API server address %s:%d is not the pool's %s:%d", spec.Address, spec.port(), t.Address, t.port())
	case spec.ServiceCIDR.Masked() != t.ServiceCIDR.Masked() || spec.DNSServiceIP != t.DNSServiceIP:
		return fmt.Sprintf("its service CIDR %s and DNS service IP %s are not the pool's %s and %s", spec.ServiceCIDR, spec.DNSServiceIP, t.ServiceCIDR, t.DNSServiceIP)
	case spec.EtcdSocket != t.EtcdSocket:
		return "its etcd is not the pool's"
	}
	return ""
}

// adopt hands w to the cluster of spec: it renames w's folder to
// spec.Dir, prepares the cluster there with w's CA, keys and etcd prefix,
// and hands the process the cluster's listening socket (ln, bound by the
// caller in spec.Netns). On error the process is stopped; the cluster
// stays prepared in spec.Dir when it got that far (c is then not nil).
func (p *pool) adopt(w *warm, spec Spec, listen func(*Cluster) (*os.File, error)) (c *Cluster, ln *os.File, err error) {
	<-w.started
	defer func() {
		if err != nil {
			if w.proc != nil {
				_ = w.proc.Kill()
			}
			if ln != nil {
				ln.Close()
				ln = nil
			}
		}
	}()
	if w.proc == nil {
		return nil, nil, errors.New("the warm control plane did not start")
	}
	// A create now waits for this process: it runs at the start priority
	// until it is ready and serves the cluster, and then ends it itself.
	if err := setNice(w.proc.Pid, startNice); err != nil {
		p.log.Warn("raising an adopted control plane's priority", "err", err)
	}
	// The link that keeps the warm paths working is made before the
	// folder moves, under a name removeStale knows, so that a crash in
	// between leaves the warm one's name on disk.
	from := filepath.Join(p.opts.Dir, w.name)
	if err := os.Symlink(spec.Dir, from+adoptingSuffix); err != nil {
		return nil, nil, fmt.Errorf("linking the warm control plane's folder: %w", err)
	}
	if err := os.Rename(from, spec.Dir); err != nil {
		os.Remove(from + adoptingSuffix)
		return nil, nil, fmt.Errorf("taking over the warm control plane's folder: %w", err)
	}
	w.mu.Lock()
	w.adopted = spec.Dir
	w.mu.Unlock()
	faults.At(faults.AKSAdoptAfterRename)
	if err := os.Rename(from+adoptingSuffix, from); err != nil {
		return nil, nil, fmt.Errorf("linking the warm control plane's folder: %w", err)
	}
	spec.EtcdPrefix = w.cluster.spec.EtcdPrefix
	if c, err = Prepare(spec); err != nil {
		return nil, nil, err
	}
	if ln, err = listen(c); err != nil {
		return c, nil, err
	}
	if _, _, err := w.sock.WriteMsgUnix([]byte("adopt"), syscall.UnixRights(int(ln.Fd())), nil); err != nil {
		return c, ln, fmt.Errorf("handing over the listening socket: %w", err)
	}
	_ = w.sock.SetReadDeadline(time.Now().Add(adoptReplyTimeout))
	buf := make([]byte, 1024)
	n, err := w.sock.Read(buf)
	if err != nil {
		return c, ln, fmt.Errorf("waiting for the warm control plane to serve the cluster: %w", err)
	}
	if reply := string(buf[:n]); reply != config.AdoptedReply {
		return c, ln, fmt.Errorf("the warm control plane refused the cluster: %s", strings.TrimSpace(reply))
	}
	faults.At(faults.AKSAdoptAfterHandover)
	return c, ln, nil
}

// Launch prepares the control plane of spec and starts it (see Prepare
// and Start). A new cluster that fits the warm pool adopts a warm control
// plane instead of starting one; a cluster prepared before never does.
func (s *Supervisor) Launch(spec Spec) (*Cluster, error) {
	c, err := s.adoptWarm(spec)
	if err != nil {
		s.log.Warn("adopting a warm control plane failed, starting one", "cluster", spec.ClusterID, "err", err)
	}
	if c == nil {
		if c, err = Prepare(spec); err != nil {
			return nil, err
		}
	} else if err == nil {
		return c, nil
	}
	return c, s.Start(c)
}

// adoptWarm gives spec's cluster a warm control plane and supervises it,
// when the pool has one that fits. It returns nil, nil when it does not
// adopt; on error, the cluster it prepared (or nil).
func (s *Supervisor) adoptWarm(spec Spec) (*Cluster, error) {
	s.mu.Lock()
	pl := s.pool
	s.mu.Unlock()
	if pl == nil || s.proc(spec.ClusterID) != nil || spec.validate() != nil {
		return nil, nil
	}
	dir, err := filepath.Abs(spec.Dir)
	if err != nil {
		return nil, nil
	}
	spec.Dir = dir
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		return nil, nil // prepared before: it keeps its own CA and state
	}
	w := pl.take(spec)
	if w == nil {
		return nil, nil
	}
	go pl.refill()
	start := time.Now()
	c, ln, err := pl.adopt(w, spec, s.listen)
	if err != nil {
		return c, err
	}
	cfg, err := os.ReadFile(c.ConfigPath())
	if err != nil {
		_ = w.proc.Kill()
		ln.Close()
		return c, fmt.Errorf("reading the adopted control plane's configuration: %w", err)
	}
	p := &process{cluster: c, config: cfg, sleep: s.sleep, stopping: make(chan struct{}), done: make(chan struct{}),
		wake: make(chan struct{}, 1), adopted: w}
	if p.sleep.After > 0 {
		p.listener = ln // kept for the runs after sleep
	} else {
		ln.Close() // the process holds its own copy
	}
	s.mu.Lock()
	s.procs[key(spec.ClusterID)] = p
	s.mu.Unlock()
	s.log.Info("control plane adopted from the warm pool", "cluster", spec.ClusterID, "after", time.Since(start).Round(time.Millisecond))
	go s.supervise(p)
	return c, nil
}
