package kube

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The join accepts from every listener added and from memory, and ends
// them all on Close.
func TestJoinListener(t *testing.T) {
	a, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	j := newJoinListener(a)
	if j.Addr().String() != a.Addr().String() {
		t.Fatalf("Addr %s, want the first listener's %s", j.Addr(), a.Addr())
	}
	j.add(b)
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := j.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	for _, ln := range []net.Listener{a, b} {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s := <-accepted
		if s.LocalAddr().String() != ln.Addr().String() {
			t.Errorf("accepted on %s, want %s", s.LocalAddr(), ln.Addr())
		}
		s.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := j.dialMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	go func() { _, _ = s.Write([]byte("x")) }()
	buf := make([]byte, 1)
	if _, err := m.Read(buf); err != nil || buf[0] != 'x' {
		t.Fatalf("memory connection: %q, %v", buf, err)
	}
	j.Close()
	if _, ok := <-accepted; ok {
		t.Fatal("accepted after Close")
	}
	if _, err := net.Dial("tcp", b.Addr().String()); err == nil {
		t.Error("an added listener still accepts after Close")
	}
	if _, err := j.dialMemory(ctx); !errors.Is(err, net.ErrClosed) {
		t.Errorf("dialMemory after Close: %v", err)
	}
}

// An adopting cluster's configuration may change paths and what the
// controller manager reads, never what the running API server serves.
func TestAdoptedConfig(t *testing.T) {
	warm := argsConfig()
	path := filepath.Join(t.TempDir(), "controlplane.json")
	write := func(c Config) {
		data, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ok := warm
	ok.CACert, ok.ClusterCIDR = "/cluster/pki/ca.crt", netip.MustParsePrefix("10.244.0.0/16")
	write(ok)
	if got, err := adoptedConfig(path, warm); err != nil || got.ClusterCIDR != ok.ClusterCIDR {
		t.Fatalf("adoptedConfig = %v, %v", got.ClusterCIDR, err)
	}
	for name, change := range map[string]func(*Config){
		"address":     func(c *Config) { c.BindAddress = netip.MustParseAddr("10.224.0.5") },
		"etcd prefix": func(c *Config) { c.EtcdPrefix = "/aksbox/clusters/2/registry" },
		"services": func(c *Config) {
			c.ServiceCIDR, c.DNSServiceIP = netip.MustParsePrefix("10.2.0.0/24"), netip.MustParseAddr("10.2.0.10")
		},
	} {
		bad := warm
		change(&bad)
		write(bad)
		if _, err := adoptedConfig(path, warm); err == nil || !strings.Contains(err.Error(), "is not what this API server serves") {
			t.Errorf("%s changed: %v", name, err)
		}
	}
}
