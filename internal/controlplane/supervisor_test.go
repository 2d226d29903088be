package controlplane

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/kube/config"
	"github.com/aksbox/aksbox/internal/nsexec"
	"github.com/aksbox/aksbox/internal/testenv"
	"golang.org/x/sys/unix"
)

// TestMain lets the test binary stand in for aksbox: the supervisor runs it
// as `<test binary> __controlplane --config FILE`, and fakeControlPlane
// plays the control plane.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == config.Subcommand {
		os.Exit(fakeControlPlane(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == nsexec.Subcommand {
		err := nsexec.Run(os.Args[2:], os.Environ())
		fmt.Fprintf(os.Stderr, "%s: %v\n", nsexec.Subcommand, err)
		os.Exit(127)
	}
	os.Exit(m.Run())
}

// fakeControlPlane records its pid and run in the work dir, crashes on its
// first run when the work dir holds a "crash" file (on every run with a
// "crash-always" file), and otherwise writes the
// ready file and waits for SIGTERM (which it ignores when there is an
// "ignore-term" file).
func fakeControlPlane(args []string) int {
	if (len(args) != 2 && len(args) != 4) || args[0] != "--config" || (len(args) == 4 && args[2] != "--"+config.ListenerFDFlag) {
		fmt.Fprintln(os.Stderr, "usage: --config FILE [--listener-fd N]")
		return 2
	}
	cfg, err := config.Load(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var ln net.Listener
	if len(args) == 4 {
		fd, _ := strconv.Atoi(args[3])
		if ln, err = net.FileListener(os.NewFile(uintptr(fd), "listener")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	work := cfg.WorkDir
	runs, _ := os.ReadFile(filepath.Join(work, "runs"))
	n, _ := strconv.Atoi(strings.TrimSpace(string(runs)))
	n++
	os.WriteFile(filepath.Join(work, "runs"), []byte(strconv.Itoa(n)), 0o600)
	os.WriteFile(filepath.Join(work, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o600)
	netns, _ := os.Readlink("/proc/self/ns/net")
	os.WriteFile(filepath.Join(work, "netns"), []byte(netns), 0o600)
	fmt.Printf("fake control plane run %d\n", n)
	if _, err := os.Stat(filepath.Join(work, "crash")); err == nil && n == 1 {
		fmt.Println("crashing")
		return 3
	}
	if _, err := os.Stat(filepath.Join(work, "crash-always")); err == nil {
		fmt.Println("crashing again")
		return 3
	}
	if ln != nil { // serve: greet each connection with the run, and note it as a request
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				fmt.Fprintf(c, "run %d\n", n)
				c.Close()
				f, _ := os.OpenFile(cfg.ActivityLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
				fmt.Fprintln(f, "request")
				f.Close()
			}
		}()
	}
	// As the real control plane: the start's priority until ready.
	os.WriteFile(filepath.Join(work, "sched-start"), []byte(fmt.Sprint(threadScheds(os.Getpid()))), 0o600)
	if err := EndStartPriority(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.WriteFile(filepath.Join(work, "sched-ready"), []byte(fmt.Sprint(threadScheds(os.Getpid()))), 0o600)
	os.WriteFile(cfg.ReadyFile, []byte("ready\n"), 0o600)
	for range term {
		if _, err := os.Stat(filepath.Join(work, "ignore-term")); err == nil {
			continue
		}
		fmt.Println("terminated")
		return 0
	}
	return 0
}

func testSupervisor(t *testing.T) *Supervisor {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := NewSupervisor(self, slog.New(slog.NewTextHandler(t.Output(), nil)))
	s.minBackoff, s.grace = 100*time.Millisecond, time.Second
	t.Cleanup(s.StopAll)
	return s
}

// fakeCluster prepares a cluster whose process runs in this namespace and
// listens nowhere (the fake does not serve).
func fakeCluster(t *testing.T, id string) (*Cluster, string) {
	t.Helper()
	spec := testSpec(t.TempDir())
	spec.ClusterID = id
	spec.Address, spec.Netns = netip.MustParseAddr("127.0.0.1"), "" // loopback: the host's namespace
	c := prepare(t, spec)
	work := filepath.Join(spec.Dir, runDir)
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	return c, work
}

func pidOf(t *testing.T, work string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(work, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(data))
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func waitReady(t *testing.T, s *Supervisor, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.WaitReady(ctx, id); err != nil {
		t.Fatal(err)
	}
}

func TestSupervisorRestartsACrashedProcess(t *testing.T) {
	s := testSupervisor(t)
	c, work := fakeCluster(t, "cluster-crash")
	os.WriteFile(filepath.Join(work, "crash"), nil, 0o600)
	if err := s.Start(c); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s, "CLUSTER-CRASH") // ids are case-insensitive, as ARM's
	if runs, _ := os.ReadFile(filepath.Join(work, "runs")); string(runs) != "2" {
		t.Errorf("runs = %q, want 2 (a crash and a restart)", runs)
	}
	if prev, _ := os.ReadFile(c.LogPath() + ".1"); !strings.Contains(string(prev), "crashing") {
		t.Errorf("previous log = %q, want the crashed run's output", prev)
	}
	if cur, _ := os.ReadFile(c.LogPath()); !strings.Contains(string(cur), "run 2") {
		t.Errorf("log = %q, want the second run's output", cur)
	}
	if !s.Running(c.ID()) {
		t.Errorf("Running = false while the process runs")
	}

	// Killing the process from outside is a crash too.
	pid := pidOf(t, work)
	syscall.Kill(pid, syscall.SIGKILL)
	deadline := time.Now().Add(30 * time.Second)
	for pidOf(t, work) == pid {
		if time.Now().After(deadline) {
			t.Fatal("killed process not restarted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitReady(t, s, c.ID())

	pid = pidOf(t, work)
	if err := s.Stop(c.ID()); err != nil {
		t.Fatal(err)
	}
	if alive(pid) || s.Running(c.ID()) {
		t.Errorf("process alive after Stop")
	}
	if cur, _ := os.ReadFile(c.LogPath()); !strings.Contains(string(cur), "terminated") {
		t.Errorf("log = %q, want a SIGTERM stop", cur)
	}
	if err := s.Stop(c.ID()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// A control plane that crashes at once on every start is restarted with a
// growing back-off, not in a loop that eats the CPU, and comes up when the
// cause is gone.
func TestSupervisorBacksOffACrashLoop(t *testing.T) {
	s := testSupervisor(t)
	s.maxBackoff = 400 * time.Millisecond
	c, work := fakeCluster(t, "cluster-loop")
	os.WriteFile(filepath.Join(work, "crash-always"), nil, 0o600)
	if err := s.Start(c); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	runs, _ := os.ReadFile(filepath.Join(work, "runs"))
	// Back-offs of 0.1, 0.2, 0.4, 0.4, ... s allow about 9 starts in 3 s;
	// without them a crash loop makes hundreds.
	if n, _ := strconv.Atoi(string(runs)); n < 3 || n > 12 {
		t.Fatalf("%d starts in 3 s of a crash loop, want 3 to 12 (restarted, with back-off)", n)
	}
	os.Remove(filepath.Join(work, "crash-always"))
	waitReady(t, s, c.ID())
}

func TestSupervisorStartIsIdempotent(t *testing.T) {
	s := testSupervisor(t)
	c, work := fakeCluster(t, "cluster-idem")
	for range 3 {
		if err := s.Start(c); err != nil {
			t.Fatal(err)
		}
	}
	waitReady(t, s, c.ID())
	pid := pidOf(t, work)
	if got := s.Pid(c.ID()); got != pid {
		t.Errorf("Pid = %d, want %d", got, pid)
	}
	if err := s.Start(c); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if runs, _ := os.ReadFile(filepath.Join(work, "runs")); string(runs) != "1" || pidOf(t, work) != pid {
		t.Errorf("Start of a running cluster started another process (runs %q)", runs)
	}

	// Prepared again with another address: the process restarts with it.
	spec := c.Spec()
	spec.Address, spec.Netns = netip.MustParseAddr("127.0.0.2"), ""
	c2 := prepare(t, spec)
	if err := s.Start(c2); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s, c.ID())
	if pidOf(t, work) == pid || alive(pid) {
		t.Errorf("changed configuration did not restart the process")
	}
}

func TestSupervisorKillsAfterGrace(t *testing.T) {
	s := testSupervisor(t)
	c, work := fakeCluster(t, "cluster-stubborn")
	os.WriteFile(filepath.Join(work, "ignore-term"), nil, 0o600)
	if err := s.Start(c); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s, c.ID())
	pid := pidOf(t, work)
	start := time.Now()
	s.StopAll()
	if alive(pid) {
		t.Errorf("process alive after StopAll")
	}
	if d := time.Since(start); d < s.grace {
		t.Errorf("stopped after %v, before the grace period", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.WaitReady(ctx, c.ID()); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitReady of a stopped cluster = %v, want an immediate error", err)
	}
}

func TestSupervisorRunsInTheNamespace(t *testing.T) {
	testenv.Root(t)
	testenv.Tool(t, "ip", "install iproute2")
	b := make([]byte, 4)
	rand.Read(b)
	ns := "cptest-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns, err, out)
		}
	})

	s := testSupervisor(t)
	spec := testSpec(t.TempDir())
	spec.Netns = ns
	c := prepare(t, spec)
	work := filepath.Join(spec.Dir, runDir)
	os.MkdirAll(work, 0o700)
	if err := s.Start(c); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s, c.ID())
	var want syscall.Stat_t
	if err := syscall.Stat(filepath.Join("/var/run/netns", ns), &want); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(work, "netns"))
	if string(got) != fmt.Sprintf("net:[%d]", want.Ino) {
		t.Errorf("process in %s, want net:[%d] (%s)", got, want.Ino, ns)
	}
	pid := pidOf(t, work)
	if err := s.Stop(c.ID()); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("process alive after Stop")
	}
}

// A control plane starts above the normal priority and comes down to it,
// under the batch policy, once ready; no thread of the supervisor keeps the
// raised priority.
func TestSupervisorStartsAboveNormalPriority(t *testing.T) {
	testenv.Root(t) // raising a priority needs the privilege
	s := testSupervisor(t)
	c, work := fakeCluster(t, "cluster-nice")
	if err := s.Start(c); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s, c.ID())
	for file, want := range map[string]string{
		"sched-start": sched(unix.SCHED_NORMAL, startNice),
		"sched-ready": sched(unix.SCHED_BATCH, 0),
	} {
		got, _ := os.ReadFile(filepath.Join(work, file))
		threads := strings.Fields(strings.Trim(string(got), "[]"))
		if len(threads) == 0 || slices.ContainsFunc(threads, func(n string) bool { return n != want }) {
			t.Errorf("%s: the process's threads have policy/nice %s, want all %s", file, got, want)
		}
	}
	if own := threadNices(os.Getpid()); slices.ContainsFunc(own, func(n int) bool { return n < 0 }) {
		t.Errorf("the supervisor's threads have nice values %v, want none below 0", own)
	}
}
