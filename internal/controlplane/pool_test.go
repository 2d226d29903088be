package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func poolSpec(service, dns string) Spec {
	return Spec{Address: netip.MustParseAddr("10.255.0.4"), ServiceCIDR: netip.MustParsePrefix(service),
		DNSServiceIP: netip.MustParseAddr(dns), EtcdSocket: "/state/etcd.sock"}
}

func idleWarm(t *testing.T, dir string, spec Spec, ready bool) *warm {
	t.Helper()
	spec.Dir = filepath.Join(dir, spec.ServiceCIDR.Addr().String()+"-"+map[bool]string{true: "ready", false: "starting"}[ready])
	if ready {
		if err := os.MkdirAll(filepath.Join(spec.Dir, runDir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(spec.Dir, runDir, readyFile), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w := &warm{name: filepath.Base(spec.Dir), cluster: &Cluster{spec: spec}, started: make(chan struct{})}
	close(w.started)
	return w
}

// A cluster takes a warm control plane of its shape, a ready one first; a
// cluster of no warm one's shape takes none, and the pool learns its shape
// (remembered in a file), retiring the warm ones of the old.
func TestPoolTakeAndLearn(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "warm")
	def := poolSpec("10.0.0.0/16", "10.0.0.10")
	p := &pool{opts: PoolOptions{Dir: dir, Template: def}, shape: def, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	starting, ready := idleWarm(t, dir, def, false), idleWarm(t, dir, def, true)
	p.idle = []*warm{starting, ready}

	if w := p.take(def); w != ready {
		t.Fatalf("took %v, want the ready one", w)
	}
	if w := p.take(def); w != starting {
		t.Fatalf("took %v, want the one still starting", w)
	}
	if w := p.take(def); w != nil {
		t.Fatalf("took %v from an empty pool", w)
	}
	if p.shape != def {
		t.Fatalf("an empty pool changed shape to %v", p.shape)
	}

	old := idleWarm(t, dir, def, true)
	p.idle = []*warm{old}
	seed := poolSpec("10.2.0.0/24", "10.2.0.10")
	if w := p.take(seed); w != nil {
		t.Fatalf("a cluster of another service CIDR took %v", w)
	}
	if p.shape.ServiceCIDR != seed.ServiceCIDR || p.shape.DNSServiceIP != seed.DNSServiceIP || p.shape.Address != def.Address {
		t.Fatalf("shape after learning: %+v", p.shape)
	}
	old.mu.Lock()
	retired := old.retired
	old.mu.Unlock()
	if !retired {
		t.Error("the warm control plane of the old shape was not retired")
	}
	var remembered Spec
	data, err := os.ReadFile(dir + ".json")
	if err != nil || json.Unmarshal(data, &remembered) != nil || remembered.ServiceCIDR != seed.ServiceCIDR {
		t.Fatalf("remembered shape %s: %v", data, err)
	}

	// Another API server address: no warm control plane can ever fit, so
	// the shape stays.
	other := seed
	other.Address = netip.MustParseAddr("10.255.0.5")
	other.ServiceCIDR = netip.MustParsePrefix("10.3.0.0/24")
	other.DNSServiceIP = netip.MustParseAddr("10.3.0.10")
	p.take(other)
	if p.shape.ServiceCIDR != seed.ServiceCIDR {
		t.Fatalf("learned the shape of a cluster no warm control plane fits: %+v", p.shape)
	}
}

func TestCompatible(t *testing.T) {
	def := poolSpec("10.0.0.0/16", "10.0.0.10")
	ok := def
	ok.PodCIDR = netip.MustParsePrefix("10.244.0.0/16") // read by the controller manager, started at adoption
	ok.PrivateFQDN = "x.privatelink.westus2.azmk8s.io"
	if why := compatible(ok, def); why != "" {
		t.Errorf("pod CIDR and names: %s", why)
	}
	for name, change := range map[string]func(*Spec){
		"address": func(s *Spec) { s.Address = netip.MustParseAddr("10.255.0.5") },
		"port":    func(s *Spec) { s.Port = 6443 },
		"dns":     func(s *Spec) { s.DNSServiceIP = netip.MustParseAddr("10.0.0.11") },
		"etcd":    func(s *Spec) { s.EtcdSocket = "/other/etcd.sock" },
	} {
		s := def
		change(&s)
		if compatible(s, def) == "" {
			t.Errorf("%s changed, still compatible", name)
		}
	}
}

// A pool whose warm control planes cannot be made keeps trying, more
// slowly each time, and stops trying when the supervisor stops.
func TestPoolRetriesAFailedStart(t *testing.T) {
	s := NewSupervisor("/nonexistent/aksbox", slog.New(slog.NewTextHandler(io.Discard, nil)))
	calls := make(chan struct{}, 10)
	err := s.EnablePool(PoolOptions{Size: 1, Dir: filepath.Join(t.TempDir(), "warm"), Template: poolSpec("10.0.0.0/16", "10.0.0.10"),
		Host: func(string, netip.Addr) (string, error) {
			calls <- struct{}{}
			return "", errors.New("no namespaces here")
		},
		RemoveHost: func(string) error { return nil },
		Discard:    func(context.Context, string) error { return nil },
		Enter:      func(string, func() error) error { return errors.New("no namespaces here") },
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		select {
		case <-calls:
		case <-time.After(30 * time.Second):
			t.Fatalf("attempt %d to start a warm control plane never came", i+1)
		}
	}
	s.StopAll()
	if n := len(calls); n > 1 {
		t.Fatalf("%d more attempts after the stop", n)
	}
}

// A warm control plane prepared for a shape the pool left meanwhile is
// discarded, not kept: the next one is made for the new shape.
func TestPoolDropsAWarmOneOfAnOldShape(t *testing.T) {
	self := filepath.Join(t.TempDir(), "aksbox")
	if err := os.WriteFile(self, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := NewSupervisor(self, slog.New(slog.NewTextHandler(io.Discard, nil)))
	def, seed := poolSpec("10.0.0.0/16", "10.0.0.10"), poolSpec("10.2.0.0/24", "10.2.0.10")
	hosts, entered := make(chan struct{}, 10), make(chan struct{}, 10)
	release := make(chan struct{})
	err := s.EnablePool(PoolOptions{Size: 1, Dir: filepath.Join(t.TempDir(), "warm"), Template: def,
		Host: func(string, netip.Addr) (string, error) {
			entered <- struct{}{}
			<-release
			hosts <- struct{}{}
			return "ns", nil
		},
		RemoveHost: func(string) error { return nil },
		Discard:    func(context.Context, string) error { return nil },
		Enter:      func(string, func() error) error { return errors.New("no namespaces here") },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.StopAll)
	s.mu.Lock()
	pl := s.pool
	s.mu.Unlock()
	// The first warm one is being made for the default shape; a cluster
	// of the seed's shape finds none and the pool learns that shape.
	<-entered
	if w := pl.take(seed); w != nil {
		t.Fatalf("took %v", w)
	}
	close(release)
	for i := range 2 {
		select {
		case <-hosts:
		case <-time.After(30 * time.Second):
			pl.mu.Lock()
			defer pl.mu.Unlock()
			t.Fatalf("no warm control plane %d was made; the pool holds %d", i+1, len(pl.idle))
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		pl.mu.Lock()
		n := len(pl.idle)
		var shape netip.Prefix
		if n == 1 {
			shape = pl.idle[0].cluster.spec.ServiceCIDR
		}
		pl.mu.Unlock()
		if n == 1 && shape == seed.ServiceCIDR {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pool holds %d warm control planes (%v), want one of %s", n, shape, seed.ServiceCIDR)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// At start, and also with no pool kept, what an earlier run's pool left is
// removed: a warm one never adopted loses its folder, namespace and etcd
// state; one a crash left mid-adoption (the link under its adopting name,
// its folder already the cluster's) or adopted (the link) loses its link
// and namespace, never the state its cluster now holds.
func TestPoolRemovesWhatACrashLeft(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "warm")
	spec := poolSpec("10.0.0.0/16", "10.0.0.10")
	spec.ClusterID, spec.Dir, spec.Port, spec.PrivateFQDN, spec.EtcdPrefix = "warm/a", filepath.Join(dir, "a"), 443, "a.local", "/aksbox/clusters/wa/registry"
	spec.Netns = "warm-a" // named only: nothing runs here
	if _, err := Prepare(spec); err != nil {
		t.Fatal(err)
	}
	clusters := filepath.Join(root, "c1")
	if err := os.MkdirAll(clusters, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"b" + adoptingSuffix, "c"} {
		if err := os.Symlink(clusters, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	var removed, discarded []string
	s := NewSupervisor("/nonexistent/aksbox", slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := s.EnablePool(PoolOptions{Size: 0, Dir: dir, Template: poolSpec("10.0.0.0/16", "10.0.0.10"),
		Host:       func(string, netip.Addr) (string, error) { return "", errors.New("no pool is kept") },
		RemoveHost: func(name string) error { removed = append(removed, name); return nil },
		Discard:    func(_ context.Context, prefix string) error { discarded = append(discarded, prefix); return nil },
		Enter:      func(string, func() error) error { return errors.New("no pool is kept") },
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	if !slices.Equal(removed, []string{"a", "b", "c"}) {
		t.Errorf("namespaces removed: %v, want a, b and c", removed)
	}
	if !slices.Equal(discarded, []string{spec.EtcdPrefix}) {
		t.Errorf("etcd state discarded: %v, want only the unadopted one's %s", discarded, spec.EtcdPrefix)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the warm folder is left with no pool kept: %v", err)
	}
	if _, err := os.Stat(clusters); err != nil {
		t.Errorf("the adopted cluster's folder: %v", err)
	}
}
