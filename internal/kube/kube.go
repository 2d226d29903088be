// Package kube runs an upstream Kubernetes control plane — kube-apiserver,
// kube-controller-manager and kube-scheduler, built from their own app
// packages — inside one process, the way k3s does. The API server starts
// first; the other two start once it reports ready; a cancelled context
// stops the two and then the API server.
//
// It is the only package of aksbox that imports Kubernetes. The control
// plane of each managed cluster runs in a process of its own (see package
// controlplane and Main), because the upstream components keep process-wide
// state: feature gates, klog, metrics registries and the like.
package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/aksbox/aksbox/internal/kube/buildinfo"
	"github.com/aksbox/aksbox/internal/kube/config"
)

// Config describes the control plane to run (see package config).
type Config = config.Config

// Version is the Kubernetes release this binary embeds.
const Version = buildinfo.Version

// stopTimeout bounds how long the components may take to stop.
const stopTimeout = 30 * time.Second

// Run runs the control plane described by cfg until ctx is cancelled or a
// component fails. It returns nil after a clean stop.
//
// The components keep process-wide state, so one process runs one control
// plane at a time.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	return runControlPlane(ctx, cfg, nil, log, nil, nil)
}

// runControlPlane is Run that serves on ln when it is set (see
// config.ListenerFDFlag) and calls onReady (when not nil) once the control
// plane is ready, before it writes its ready file. With adoption set it is
// a warm control plane: the API server and the add-ons start, and the
// controller manager and scheduler wait for the configuration of the
// cluster that adopts it (see adopt.go).
func runControlPlane(ctx context.Context, cfg Config, ln net.Listener, log *slog.Logger, onReady func(), adoption <-chan Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("control plane config: %w", err)
	}
	if !buildinfo.Stamped() {
		return errors.New("kubernetes version stamp did not take effect")
	}
	setupLogging(log.With("log", "k8s"), cfg.Verbosity)

	workDir, cleanup, err := prepareWorkDir(cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	authn, err := writeAuthnConfig(workDir)
	if err != nil {
		return err
	}
	policy, err := writeActivityPolicy(workDir)
	if err != nil {
		return err
	}
	self, err := selfClientConfig(cfg)
	if err != nil {
		return err
	}

	shareEtcdConnections()
	defer sharedEtcd.closeAll() // after the components stopped (see stopAll)

	start := time.Now()
	// The API server outlives ctx until the others have stopped (stopAll).
	api := startComponent(context.WithoutCancel(ctx), "kube-apiserver", func(ctx context.Context) error {
		return runAPIServer(ctx, apiserverArgs(cfg, authn, policy), ln)
	})
	if err := waitReady(ctx, self, api.done); err != nil {
		return errors.Join(err, api.stop())
	}
	log.Info("kube-apiserver ready", "address", self.Host, "after", time.Since(start).Round(time.Millisecond))

	var kcm, sched *component
	startOthers := func(cfg Config) {
		kcm = startComponent(ctx, "kube-controller-manager", func(ctx context.Context) error {
			return runControllerManager(ctx, controllerManagerArgs(cfg))
		})
		sched = startComponent(ctx, "kube-scheduler", func(ctx context.Context) error {
			return runScheduler(ctx, schedulerArgs(cfg))
		})
	}
	stopAll := func(cause error) error {
		errs := []error{cause}
		if kcm != nil {
			errs = append(errs, kcm.stop(), sched.stop())
		}
		return errors.Join(append(errs, api.stop())...)
	}
	if adoption == nil {
		startOthers(cfg)
	}

	if err := applyAddons(ctx, self, cfg, log); err != nil {
		if ctx.Err() != nil {
			return stopAll(nil)
		}
		return stopAll(err)
	}
	// The start ends before the ready file says so: whoever sees the file
	// sees the process at its running priority (see afterStart).
	if onReady != nil {
		onReady()
	}
	if cfg.ReadyFile != "" {
		if err := os.WriteFile(cfg.ReadyFile, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
			return stopAll(fmt.Errorf("writing ready file: %w", err))
		}
		defer os.Remove(cfg.ReadyFile) // deferred calls run after stopAll
	}
	log.Info("control plane ready", "version", Version, "after", time.Since(start).Round(time.Millisecond))
	if adoption != nil {
		select {
		case <-ctx.Done():
			return stopAll(nil)
		case <-api.done:
			return stopAll(nil)
		case adopted := <-adoption:
			endStartPriority(log)
			startOthers(adopted.WithDefaults())
		}
	}

	select {
	case <-ctx.Done():
		log.Info("stopping control plane")
		return stopAll(nil)
	case <-api.done:
		return stopAll(nil)
	case <-kcm.done:
		return stopAll(nil)
	case <-sched.done:
		return stopAll(nil)
	}
}

// prepareWorkDir returns the directory for derived files, creating a
// temporary one when none is configured, and removes a stale ready file.
func prepareWorkDir(cfg Config) (dir string, cleanup func(), err error) {
	if cfg.ReadyFile != "" {
		if err := os.Remove(cfg.ReadyFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", nil, fmt.Errorf("removing ready file: %w", err)
		}
	}
	if cfg.WorkDir != "" {
		if err := os.MkdirAll(cfg.WorkDir, 0o700); err != nil {
			return "", nil, fmt.Errorf("creating work dir: %w", err)
		}
		return cfg.WorkDir, func() {}, nil
	}
	dir, err = os.MkdirTemp("", "aksbox-controlplane-")
	if err != nil {
		return "", nil, fmt.Errorf("creating work dir: %w", err)
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// component is one upstream component running in a goroutine.
type component struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{} // closed when the component returned
	mu     sync.Mutex
	err    error
}

func startComponent(ctx context.Context, name string, run func(context.Context) error) *component {
	ctx, cancel := context.WithCancel(ctx)
	c := &component{name: name, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		err := run(ctx)
		if err == nil && ctx.Err() == nil {
			err = errors.New("stopped unexpectedly")
		}
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
	}()
	return c
}

// stop cancels the component, waits for it and returns why it ended (nil
// when it stopped because it was asked to).
func (c *component) stop() error {
	c.cancel()
	select {
	case <-c.done:
	case <-time.After(stopTimeout):
		return fmt.Errorf("%s did not stop within %v", c.name, stopTimeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return fmt.Errorf("%s: %w", c.name, c.err)
	}
	return nil
}
