package containerservice

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/aksbox/aksbox/internal/nodeagent"
)

// agents are the running node agents, one per node VM.
type agents struct {
	log     *slog.Logger
	mu      sync.Mutex
	running map[string]*agent // by lower-case VM ID
	// asleep are the agents of sleeping clusters, stopped, kept to be
	// started again as they were.
	asleep map[string]*agent
}

type agent struct {
	cancel  context.CancelFunc
	done    chan struct{}
	cluster string // lower-case
	cfg     nodeagent.Config
}

func newAgents(log *slog.Logger) *agents {
	return &agents{log: log, running: map[string]*agent{}, asleep: map[string]*agent{}}
}

// ensure runs the agent of vm, a node of cluster, with cfg unless one with
// the same server runs already.
func (a *agents) ensure(cluster, vm string, cfg nodeagent.Config) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.start(cluster, vm, cfg)
}

func (a *agents) start(cluster, vm string, cfg nodeagent.Config) {
	key := strings.ToLower(vm)
	delete(a.asleep, key)
	if cur, ok := a.running[key]; ok {
		if cur.cfg.Server == cfg.Server {
			return
		}
		cur.cancel()
		<-cur.done
	}
	ctx, cancel := context.WithCancel(context.Background())
	ag := &agent{cancel: cancel, done: make(chan struct{}), cluster: strings.ToLower(cluster), cfg: cfg}
	a.running[key] = ag
	go func() {
		defer close(ag.done)
		if err := nodeagent.Run(ctx, cfg); err != nil {
			a.log.Error("node agent stopped", "vm", vm, "err", err)
		}
	}()
}

// stop ends vm's agent and waits for it.
func (a *agents) stop(vm string) {
	key := strings.ToLower(vm)
	a.mu.Lock()
	ag, ok := a.running[key]
	delete(a.running, key)
	delete(a.asleep, key)
	a.mu.Unlock()
	if ok {
		ag.cancel()
		<-ag.done
	}
}

// stopUnder ends the agents of every VM whose ID starts with prefix.
func (a *agents) stopUnder(prefix string) {
	a.mu.Lock()
	var vms []string
	for _, m := range []map[string]*agent{a.running, a.asleep} {
		for k := range m {
			if strings.HasPrefix(k, strings.ToLower(prefix)) {
				vms = append(vms, k)
			}
		}
	}
	a.mu.Unlock()
	for _, vm := range vms {
		a.stop(vm)
	}
}

func (a *agents) stopAll() { a.stopUnder("") }

// sleep stops the agents of a cluster whose control plane goes to sleep,
// and keeps them for wake. Their nodes stay as they were in the API
// server's store: nothing reads them while it sleeps, and the controllers
// that would find their leases old start afresh on wake, counting a
// node's grace period from their own start, while its agent is back.
func (a *agents) sleep(cluster string) {
	a.mu.Lock()
	var stopped []*agent
	for key, ag := range a.running {
		if ag.cluster == strings.ToLower(cluster) {
			delete(a.running, key)
			a.asleep[key] = ag
			ag.cancel()
			stopped = append(stopped, ag)
		}
	}
	a.mu.Unlock()
	for _, ag := range stopped {
		<-ag.done
	}
}

// wake starts again the agents sleep stopped.
func (a *agents) wake(cluster string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for key, ag := range a.asleep {
		if ag.cluster == strings.ToLower(cluster) {
			a.start(ag.cluster, key, ag.cfg)
		}
	}
}
