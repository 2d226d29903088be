package fabric

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"
)

// Each iteration of BenchmarkPrivateEndpointThroughput sends benchBytes over
// one TCP connection and times benchConnects connects, on each path.
const (
	benchBytes    = 256 << 20
	benchChunk    = 1 << 20
	benchConnects = 100
)

// BenchmarkPrivateEndpointThroughput compares a client reaching a server
// directly (same VNet and subnet) with a client of another VNet reaching it
// through a private endpoint, the paths taking turns in every iteration. It
// reports bulk TCP throughput (MB/s, one connection, sender to sink, timed
// from dial to the sink's acknowledgement of the last byte) and the median
// connect latency (µs, net.Dial until the handshake completes) of each path,
// and the ratios endpoint/direct.
func BenchmarkPrivateEndpointThroughput(b *testing.B) {
	f := newTestFabric(b)
	must(b, f.EnsureVNet(VNet{ID: "provider", AddressSpace: []netip.Prefix{pfx("10.84.0.0/16")},
		Subnets: []Subnet{{"backend", pfx("10.84.1.0/24")}}}))
	must(b, f.EnsureVNet(VNet{ID: "customer", AddressSpace: []netip.Prefix{pfx("10.85.0.0/16")},
		Subnets: []Subnet{{"s1", pfx("10.85.1.0/24")}}}))
	sinkServer(b, f, vm(b, f, "server", "provider", "backend", "10.84.1.4"), "10.84.1.4:443")
	must(b, f.EnsureFrontend(Frontend{ID: "pls", Target: netip.MustParseAddr("10.84.1.4"),
		NAT: NIC{ID: "pls-nic", VNet: "provider", Subnet: "backend", IP: netip.MustParseAddr("10.84.1.5")}}))
	must(b, f.EnsureEndpoint(Endpoint{ID: "pe", Frontend: "pls",
		NIC: NIC{ID: "pe-nic", VNet: "customer", Subnet: "s1", IP: netip.MustParseAddr("10.85.1.5")}}))
	paths := []struct{ ns, addr string }{
		{vm(b, f, "direct", "provider", "backend", "10.84.1.6"), "10.84.1.4:443"},
		{vm(b, f, "client", "customer", "s1", "10.85.1.4"), "10.85.1.5:443"},
	}
	var took [2]time.Duration
	var connects [2][]time.Duration
	for b.Loop() {
		for i, p := range paths {
			must(b, f.Do(p.ns, func() error {
				d, err := send(p.addr, benchBytes)
				took[i] += d
				for range benchConnects {
					d, cerr := connect(p.addr)
					err = errors.Join(err, cerr)
					connects[i] = append(connects[i], d)
				}
				return err
			}))
		}
	}
	mbps := func(i int) float64 { return float64(b.N) * benchBytes / 1e6 / took[i].Seconds() }
	median := func(i int) float64 {
		slices.Sort(connects[i])
		return float64(connects[i][len(connects[i])/2].Nanoseconds()) / 1e3
	}
	b.ReportMetric(mbps(0), "direct-MB/s")
	b.ReportMetric(mbps(1), "endpoint-MB/s")
	b.ReportMetric(mbps(1)/mbps(0), "throughput-ratio")
	b.ReportMetric(median(0), "direct-connect-µs")
	b.ReportMetric(median(1), "endpoint-connect-µs")
	b.ReportMetric(median(1)/median(0), "connect-ratio")
	b.ReportMetric(0, "ns/op")
	for _, id := range []string{"pe", "pls", "server", "direct", "client"} {
		must(b, f.RemoveHost(id))
	}
	must(b, f.RemoveVNet("provider"))
	must(b, f.RemoveVNet("customer"))
}

// send writes n bytes to a sink at addr and waits for its acknowledgement.
func send(addr string, n int) (time.Duration, error) {
	buf := make([]byte, benchChunk)
	start := time.Now()
	c, err := net.DialTimeout("tcp4", addr, time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	for sent := 0; sent < n; sent += len(buf) {
		if _, err := c.Write(buf[:min(len(buf), n-sent)]); err != nil {
			return 0, err
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// connect times one TCP handshake with addr.
func connect(addr string) (time.Duration, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp4", addr, time.Second)
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	return d, c.Close()
}

// sinkServer listens on addr inside ns, reads every connection to its end
// and acknowledges it with one byte, until the benchmark ends.
func sinkServer(tb testing.TB, f *Fabric, ns, addr string) {
	tb.Helper()
	var ln net.Listener
	must(tb, f.Do(ns, func() (err error) {
		ln, err = net.Listen("tcp4", addr)
		return err
	}))
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(time.Minute))
				buf := make([]byte, benchChunk)
				for {
					if _, err := c.Read(buf); err != nil {
						break
					}
				}
				c.Write([]byte{1})
			})
		}
	})
	tb.Cleanup(func() { ln.Close(); wg.Wait() })
}
