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
}

type agent struct {
	cancel context.CancelFunc
	done   chan struct{}
	server string
}

func newAgents(log *slog.Logger) *agents {
	return &agents{log: log, running: map[string]*agent{}}
}

// ensure runs the agent of vm with cfg unless one with the same server
// runs already.
func (a *agents) ensure(vm string, cfg nodeagent.Config) {
	key := strings.ToLower(vm)
	a.mu.Lock()
	defer a.mu.Unlock()
	if cur, ok := a.running[key]; ok {
		if cur.server == cfg.Server {
			return
		}
		cur.cancel()
		<-cur.done
	}
	ctx, cancel := context.WithCancel(context.Background())
	ag := &agent{cancel: cancel, done: make(chan struct{}), server: cfg.Server}
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
	for k := range a.running {
		if strings.HasPrefix(k, strings.ToLower(prefix)) {
			vms = append(vms, k)
		}
	}
	a.mu.Unlock()
	for _, vm := range vms {
		a.stop(vm)
	}
}

func (a *agents) stopAll() { a.stopUnder("") }
