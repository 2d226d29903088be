package controlplane

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sleepyCluster is a fake cluster on a free loopback port, supervised with
// idle sleep after `after`; the hooks' calls are recorded in order.
func sleepyCluster(t *testing.T, after time.Duration) (*Supervisor, *Cluster, string, func() []string) {
	t.Helper()
	s := testSupervisor(t)
	var mu sync.Mutex
	var calls []string
	note := func(what string) func(string) {
		return func(string) { mu.Lock(); calls = append(calls, what); mu.Unlock() }
	}
	s.SetSleep(Sleep{After: after, Asleep: note("asleep"), Awake: note("awake")})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	spec := testSpec(t.TempDir())
	spec.Address, spec.Netns, spec.Port = ln.Addr().(*net.TCPAddr).AddrPort().Addr(), "", port
	c := prepare(t, spec)
	if err := os.MkdirAll(c.readyPath()[:strings.LastIndex(c.readyPath(), "/")], 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(c); err != nil {
		t.Fatal(err)
	}
	return s, c, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), calls...)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// greet connects and reads the fake's greeting: which run of the process
// accepted the connection.
func greet(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("connecting to the sleeping control plane: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer on a connection to the sleeping control plane: %v", err)
	}
	return strings.TrimSpace(line)
}

// An idle control plane stops its process but keeps its socket: a
// connection made while it sleeps waits in the queue, wakes it, and is
// accepted by the next run; the hooks run around each sleep.
func TestIdleSleepWakesOnConnection(t *testing.T) {
	s, c, addr, calls := sleepyCluster(t, 300*time.Millisecond)
	waitUntil(t, "the first run serves", func() bool { return s.Running(c.ID()) })
	if got := greet(t, addr); got != "run 1" {
		t.Fatalf("first greeting %q, want run 1", got)
	}
	first := s.Pid(c.ID())
	waitUntil(t, "the idle control plane sleeps", func() bool { return s.Asleep(c.ID()) })
	if alive(first) {
		t.Fatalf("process %d still runs while the control plane sleeps", first)
	}
	if got := calls(); strings.Join(got, ",") != "asleep" {
		t.Fatalf("hooks %v, want [asleep]", got)
	}
	if got := greet(t, addr); got != "run 2" {
		t.Fatalf("greeting after sleep %q, want run 2 (the woken process)", got)
	}
	if s.Asleep(c.ID()) {
		t.Fatal("still asleep after a connection")
	}
	if got := calls(); strings.Join(got, ",") != "asleep,awake" {
		t.Fatalf("hooks %v, want [asleep awake]", got)
	}
	// Wake without a connection; then Stop while asleep ends it and
	// closes the socket.
	waitUntil(t, "it sleeps again", func() bool { return s.Asleep(c.ID()) })
	s.Wake(c.ID())
	waitUntil(t, "Wake starts it", func() bool { return s.Running(c.ID()) })
	waitUntil(t, "it sleeps a third time", func() bool { return s.Asleep(c.ID()) })
	done := make(chan struct{})
	go func() { s.Stop(c.ID()); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop of a sleeping control plane hangs")
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("the socket of a stopped control plane still accepts")
	}
}

// Requests noted in the activity log keep a control plane awake.
func TestIdleSleepKeptAwakeByActivity(t *testing.T) {
	s, c, _, calls := sleepyCluster(t, 2*time.Second)
	waitUntil(t, "the first run serves", func() bool { return s.Running(c.ID()) })
	pid := s.Pid(c.ID())
	for range 20 { // 4 s of use, twice the idle time
		if err := os.WriteFile(c.activityPath(), []byte("request\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s.Asleep(c.ID()) || s.Pid(c.ID()) != pid || len(calls()) != 0 {
		t.Fatalf("a used control plane slept (asleep %v, pid %d → %d, hooks %v)", s.Asleep(c.ID()), pid, s.Pid(c.ID()), calls())
	}
	waitUntil(t, "it sleeps once unused", func() bool { return s.Asleep(c.ID()) })
}
