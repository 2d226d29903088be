package e2e

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkAKSSleepingDensity: with --idle-sleep 3s, private clusters of 3
// nodes, a VNet each, are created one after another and left to sleep,
// until the machine's available memory falls below 4 GiB, a create takes
// over three times the first (the median of the last five), or AKSBOX_BENCH_SLEEPING (default 300)
// exist. Reported: how many, the first and last create, the memory per
// sleeping cluster (what MemAvailable fell by, and the PSS of the server
// and every process of the instance), and the wake: the real kubectl on a
// jump box in the first cluster's VNet, timed inside the jump box, against
// the same request to the cluster once awake.
func BenchmarkAKSSleepingDensity(b *testing.B) {
	most := 300
	if v, err := strconv.Atoi(os.Getenv("AKSBOX_BENCH_SLEEPING")); err == nil && v > 0 {
		most = v
	}
	const floorKiB = 4 << 20
	in, l, keyPath := benchLabWith(b, "sleepers", "--idle-sleep", "3s")
	availBefore, before := memAvailable(), instancePSS(in)
	vnet := func(n int) (string, string) {
		p := fmt.Sprintf("10.%d.%d.0/24", 100+n/250, n%250)
		return p, p
	}
	prefix, subnet := vnet(0)
	l.vnet("s0", prefix, subnet)
	jumpIP := l.publicVM("jump", "s0")
	b.ResetTimer()
	var first, last, slowest time.Duration
	var recent []time.Duration // the last five creates: one slow create does not stop the run
	n := 0
	for n < most && memAvailable() > floorKiB && (first == 0 || median(recent) < 3*first) {
		name := "s" + strconv.Itoa(n)
		if n > 0 {
			prefix, subnet := vnet(n)
			l.vnet(name, prefix, subnet)
		}
		last = l.timedCreate(b, name)
		if first == 0 {
			first = last
		}
		slowest = max(slowest, last)
		recent = append(recent, last)[max(0, len(recent)+1-5):]
		n++
		if n%25 == 0 {
			fmt.Fprintf(os.Stderr, "%d clusters, last create %s, %d control planes awake, MemAvailable %d MiB\n", n, last.Round(time.Millisecond), len(controlPlanePids(in)), memAvailable()>>10)
		}
	}
	b.StopTimer()
	deadline := time.Now().Add(2 * time.Minute)
	for len(controlPlanePids(in)) != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	awake := len(controlPlanePids(in))
	time.Sleep(10 * time.Second)
	used, pssNow := availBefore-memAvailable(), instancePSS(in)

	cred, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, l.rg, "s0", nil)
	if err != nil {
		b.Fatal(err)
	}
	if out, err := sshRun(keyPath, jumpIP, "cat > kc", string(cred.Kubeconfigs[0].Value)); err != nil {
		b.Fatalf("copying the kubeconfig: %v\n%s", err, out)
	}
	// Milliseconds of one kubectl get nodes, timed on the jump box.
	timed := func() float64 {
		out, err := sshRun(keyPath, jumpIP, `s=$(date +%s%N); kubectl --kubeconfig kc --request-timeout=30s get nodes >/dev/null || exit 1; e=$(date +%s%N); echo $(( (e-s)/1000000 ))`, "")
		if err != nil {
			b.Fatalf("kubectl on the jump box: %v\n%s", err, out)
		}
		ms, _ := strconv.ParseFloat(strings.TrimSpace(out), 64)
		return ms
	}
	var wakes, warm []float64
	for range 3 {
		for len(controlPlanePids(in)) != 0 { // asleep again
			time.Sleep(500 * time.Millisecond)
		}
		wakes = append(wakes, timed())
		warm = append(warm, timed())
	}
	sort.Float64s(wakes)
	sort.Float64s(warm)
	b.ReportMetric(float64(n), "clusters")
	b.ReportMetric(float64(awake), "awake-after-2min")
	b.ReportMetric(first.Seconds(), "s-first-create")
	b.ReportMetric(median(recent).Seconds(), "s-last-5-creates-median")
	b.ReportMetric(slowest.Seconds(), "s-slowest-create")
	b.ReportMetric(float64(used)/1024/float64(n), "MB-available-used/cluster")
	b.ReportMetric(float64(pssNow-before)/1024/float64(n), "MB-PSS/cluster")
	b.ReportMetric(float64(pss(in.cmd.Process.Pid))/1024, "MB-server-PSS")
	b.ReportMetric(wakes[1], "ms-wake-kubectl-median")
	b.ReportMetric(wakes[2], "ms-wake-kubectl-max")
	b.ReportMetric(warm[1], "ms-awake-kubectl-median")
}

// median of a few durations (0 for none).
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// instancePSS is the PSS in KiB of the server and all its descendants
// (control planes, VMs' processes).
func instancePSS(in *instanceT) int64 {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := statFields("/proc/" + e.Name() + "/stat"); len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	root := in.cmd.Process.Pid
	var total int64
	for pid := range parent {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				total += pss(pid)
				break
			}
		}
	}
	return total
}
