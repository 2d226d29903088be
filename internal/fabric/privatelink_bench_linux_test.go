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
	benchStreams  = 8
)

// BenchmarkPrivateEndpointThroughput compares a client reaching a server
// directly (same VNet and subnet) with a client of another VNet reaching it
// through a private endpoint, the paths taking turns in every iteration. It
// reports bulk TCP throughput (MB/s, one connection and then 8 at once,
// sender to sink, timed from dial to the sink's acknowledgement of the last
// byte) and the median
// connect latency (µs, net.Dial until the handshake completes) of each path,
// and the ratios endpoint/direct; the throughput ratio is the median of the
// iterations' ratios. Run with -benchtime=40x for a stable median.
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
	var mbps, mbps8 [2][]float64
	var ratios, ratios8 []float64
	var connects [2][]float64
	for b.Loop() {
		var rate, rate8 [2]float64
		for _, i := range []int{len(ratios) % 2, 1 - len(ratios)%2} { // each goes first in turn
			must(b, f.Do(paths[i].ns, func() error {
				d, err := send(paths[i].addr, benchBytes)
				rate[i] = benchBytes / 1e6 / d.Seconds()
				d, serr := sendParallel(paths[i].addr, benchBytes, benchStreams)
				rate8[i] = benchBytes / 1e6 / d.Seconds()
				err = errors.Join(err, serr)
				for range benchConnects {
					d, cerr := connect(paths[i].addr)
					err = errors.Join(err, cerr)
					connects[i] = append(connects[i], float64(d.Nanoseconds())/1e3)
				}
				return err
			}))
			mbps[i] = append(mbps[i], rate[i])
			mbps8[i] = append(mbps8[i], rate8[i])
		}
		ratios = append(ratios, rate[1]/rate[0])
		ratios8 = append(ratios8, rate8[1]/rate8[0])
	}
	b.ReportMetric(median(mbps[0]), "direct-MB/s")
	b.ReportMetric(median(mbps[1]), "endpoint-MB/s")
	b.ReportMetric(median(ratios), "throughput-ratio")
	b.ReportMetric(median(mbps8[0]), "direct-8-MB/s")
	b.ReportMetric(median(mbps8[1]), "endpoint-8-MB/s")
	b.ReportMetric(median(ratios8), "throughput-8-ratio")
	b.ReportMetric(median(connects[0]), "direct-connect-µs")
	b.ReportMetric(median(connects[1]), "endpoint-connect-µs")
	b.ReportMetric(median(connects[1])/median(connects[0]), "connect-ratio")
	b.ReportMetric(0, "ns/op")
	must(b, f.RemoveEndpoint("pe"))
	must(b, f.RemoveFrontend("pls"))
	for _, id := range []string{"server", "direct", "client"} {
		must(b, f.RemoveHost(id))
	}
	must(b, f.RemoveVNet("provider"))
	must(b, f.RemoveVNet("customer"))
}

func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

// send writes n bytes to a sink at addr and waits for its acknowledgement.
func send(addr string, n int) (time.Duration, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp4", addr, time.Second)
	if err != nil {
		return 0, err
	}
	err = stream(c, n)
	return time.Since(start), err
}

// stream writes n bytes on c, closes its side and waits for the sink's
// acknowledgement. It does not dial, so it may run on any thread: c was
// made in its namespace.
func stream(c net.Conn, n int) error {
	defer c.Close()
	buf := make([]byte, benchChunk)
	c.SetDeadline(time.Now().Add(time.Minute))
	for sent := 0; sent < n; sent += len(buf) {
		if _, err := c.Write(buf[:min(len(buf), n-sent)]); err != nil {
			return err
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	_, err := io.ReadFull(c, make([]byte, 1))
	return err
}

// sendParallel sends n bytes to a sink at addr over streams connections at
// once, and returns when every one is acknowledged. The connections are
// dialed here, on the caller's thread in the client's namespace; only the
// writing goes to other goroutines.
func sendParallel(addr string, n, streams int) (time.Duration, error) {
	start := time.Now()
	conns := make([]net.Conn, 0, streams)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range streams {
		c, err := net.DialTimeout("tcp4", addr, time.Second)
		if err != nil {
			return 0, err
		}
		conns = append(conns, c)
	}
	errs := make([]error, streams)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() { errs[i] = stream(c, n/streams) })
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
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
	bufs := sync.Pool{New: func() any { b := make([]byte, benchChunk); return &b }}
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
				buf := bufs.Get().(*[]byte)
				defer bufs.Put(buf)
				for {
					if _, err := c.Read(*buf); err != nil {
						break
					}
				}
				c.Write([]byte{1})
			})
		}
	})
	tb.Cleanup(func() { ln.Close(); wg.Wait() })
}
