package fabric

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
)

// newTestFabric returns a fabric with a prefix of its own, or skips when
// not root or without network namespaces. Cleanup stops it, removes every
// namespace of its prefix, and checks that no namespace or goroutine leaked.
func newTestFabric(tb testing.TB) *Fabric {
	tb.Helper()
	testenv.Root(tb)
	prefix := "t" + strings.ToLower(rand.Text()[:5])
	probe := prefix + "-probe"
	if err := createNS(probe); err != nil {
		tb.Fatalf("creating a network namespace: %v", err)
	}
	if err := deleteNS(probe); err != nil {
		tb.Fatal(err)
	}
	goroutines := runtime.NumGoroutine()
	level := slog.LevelDebug
	if _, bench := tb.(*testing.B); bench {
		level = slog.LevelInfo
	}
	f, err := New(prefix, slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: level})))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := f.Close(); err != nil {
			tb.Errorf("closing fabric: %v", err)
		}
		left, _ := f.List()
		for _, ns := range left {
			_ = doNS(ns, deleteVeths)
			if err := deleteNS(ns); err != nil {
				tb.Errorf("cleanup: %v", err)
			}
		}
		if left, _ := f.List(); len(left) > 0 {
			tb.Errorf("namespaces leaked: %v", left)
		}
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > goroutines {
			tb.Errorf("goroutines leaked: %d before, %d after", goroutines, n)
		}
	})
	return f
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// vm makes a host with one NIC and returns its namespace.
func vm(tb testing.TB, f *Fabric, id, vnet, subnet, ip string) string {
	tb.Helper()
	ns, err := f.EnsureHost(id, nil)
	must(tb, err)
	must(tb, f.EnsureNIC(NIC{ID: id + "-nic", VNet: vnet, Subnet: subnet, IP: netip.MustParseAddr(ip), Host: id}))
	return ns
}

// echoServer listens on addr inside ns and echoes one line per connection
// until the test ends. It returns the source addresses it has seen so far.
func echoServer(tb testing.TB, f *Fabric, ns, addr string) (sources func() []netip.Addr) {
	tb.Helper()
	var ln net.Listener
	must(tb, f.Do(ns, func() (err error) {
		ln, err = net.Listen("tcp4", addr)
		return err
	}))
	var mu sync.Mutex
	seen := map[netip.Addr]bool{}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
				mu.Lock()
				seen[ap.Addr()] = true
				mu.Unlock()
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Second))
				if line, err := bufio.NewReader(c).ReadString('\n'); err == nil {
					fmt.Fprint(c, line)
				}
			})
		}
	})
	tb.Cleanup(func() { ln.Close(); wg.Wait() })
	return func() []netip.Addr {
		mu.Lock()
		defer mu.Unlock()
		return slices.SortedFunc(maps.Keys(seen), netip.Addr.Compare)
	}
}

// dial connects from inside ns (never from the host) and checks the echo.
func dial(f *Fabric, ns, addr string) error {
	return f.Do(ns, func() error {
		c, err := net.DialTimeout("tcp4", addr, time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := fmt.Fprintf(c, "ping %s\n", ns); err != nil {
			return err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		if line != "ping "+ns+"\n" {
			return fmt.Errorf("echo %q", line)
		}
		return nil
	})
}

// assertReach checks that a connection from ns to addr works or fails.
func assertReach(tb testing.TB, f *Fabric, from, to, addr string, want bool) {
	tb.Helper()
	err := dial(f, from, addr)
	if want && err != nil {
		tb.Errorf("%s → %s (%s): want reachable, got %v", from, to, addr, err)
	}
	if !want && err == nil {
		tb.Errorf("%s → %s (%s): want unreachable, but it connected", from, to, addr)
	}
	var ne net.Error
	unreachable := errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.As(err, &ne) && ne.Timeout()
	if !want && err != nil && !unreachable {
		tb.Errorf("%s → %s (%s): want unreachable, got another error: %v", from, to, addr, err)
	}
}
