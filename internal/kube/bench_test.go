package kube

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/aksbox/aksbox/internal/controlplane"
)

// TestMain lets the test binary stand in for aksbox: package controlplane's
// supervisor runs it as `<test binary> __controlplane --config FILE`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == Subcommand {
		os.Exit(Main(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// BenchmarkControlPlaneProcess runs a control plane the way aksbox does —
// a process of its own, started by the supervisor — and reports the time
// from start to ready and the CPU time the process took for it, then,
// after it has idled with three nodes whose agents renew their leases
// every 10 seconds, the process's memory from
// /proc/<pid>/smaps_rollup (RSS, PSS, and PSS split into anonymous and
// file-backed pages) and its CPU use while idle. Each iteration takes the
// idle time, so run it with -benchtime=1x; AKSBOX_BENCH_IDLE sets the idle
// time (default 1m).
//
// The control plane is this test binary, whose pages the benchmark process
// (which also runs the etcd, as aksbox serve does) shares: file-backed PSS
// is then split between the two, as between aksbox serve and its control
// planes. AKSBOX_BENCH_BINARY=path/to/aksbox runs that binary instead, so
// that nothing is shared.
func BenchmarkControlPlaneProcess(b *testing.B) {
	idle := time.Minute
	if v := os.Getenv("AKSBOX_BENCH_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		idle = d
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	if v := os.Getenv("AKSBOX_BENCH_BINARY"); v != "" {
		self = v
	}
	var ready, startCPU, rss, pss, anon, file, cpu float64
	for range b.N {
		cl, cfg := testCluster(b)
		sup := controlplane.NewSupervisor(self, slog.New(slog.DiscardHandler))
		start := time.Now()
		if err := sup.Start(cl); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if err := sup.WaitReady(ctx, cl.ID()); err != nil {
			b.Fatal(err)
		}
		cancel()
		ready += time.Since(start).Seconds()
		pid := sup.Pid(cl.ID())
		startCPU += cpuSeconds(b, pid)

		cs := adminClient(b, cl, cfg)
		nodes := []string{"aks-nodepool1-1-vmss000000", "aks-nodepool1-1-vmss000001", "aks-nodepool1-1-vmss000002"}
		for _, n := range nodes {
			createNode(b, cs, n)
		}
		renewLeases(b, cs, nodes)
		// The first seconds after start are not idle; CPU counts after them.
		settle := min(idle/4, 15*time.Second)
		deadline := time.Now().Add(idle)
		time.Sleep(settle)
		cpu0, t0 := cpuSeconds(b, pid), time.Now()
		for time.Now().Before(deadline) {
			time.Sleep(10 * time.Second)
			renewLeases(b, cs, nodes)
		}
		cpu += (cpuSeconds(b, pid) - cpu0) / time.Since(t0).Seconds() * 100
		m := smapsRollup(b, pid)
		rss, pss, anon, file = rss+m["Rss"], pss+m["Pss"], anon+m["Pss_Anon"], file+m["Pss_File"]
		sup.StopAll()
	}
	n := float64(b.N)
	b.ReportMetric(ready/n, "s-to-ready")
	b.ReportMetric(startCPU/n, "CPU-s-to-ready")
	b.ReportMetric(rss/n/1024, "RSS-MiB")
	b.ReportMetric(pss/n/1024, "PSS-MiB")
	b.ReportMetric(anon/n/1024, "PSS-anon-MiB")
	b.ReportMetric(file/n/1024, "PSS-file-MiB")
	b.ReportMetric(cpu/n, "idle-CPU-%")
}

// renewLeases renews the node leases, as kubelets do every 10 seconds.
func renewLeases(tb testing.TB, cs *kubernetes.Clientset, nodes []string) {
	tb.Helper()
	ctx := context.Background()
	leases := cs.CoordinationV1().Leases("kube-node-lease")
	for _, n := range nodes {
		now := metav1.NewMicroTime(time.Now())
		lease, err := leases.Get(ctx, n, metav1.GetOptions{})
		if err != nil {
			holder, seconds := n, int32(40)
			_, err = leases.Create(ctx, &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: n},
				Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, RenewTime: &now},
			}, metav1.CreateOptions{})
		} else {
			lease.Spec.RenewTime = &now
			_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		}
		if err != nil {
			tb.Fatalf("renewing lease of %s: %v", n, err)
		}
	}
}

// smapsRollup reads the kB values of /proc/<pid>/smaps_rollup.
func smapsRollup(tb testing.TB, pid int) map[string]float64 {
	tb.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			v, _ := strconv.ParseFloat(f[1], 64)
			m[strings.TrimSuffix(f[0], ":")] = v
		}
	}
	return m
}

// cpuSeconds is the user and system CPU time of a process.
func cpuSeconds(tb testing.TB, pid int) float64 {
	tb.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ
}
