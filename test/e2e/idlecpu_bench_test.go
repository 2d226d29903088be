package e2e

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// BenchmarkAKSIdleCPU: ten private clusters of 3 nodes, a VNet each, and a
// warm control plane of their shape; after 30 s without work, the CPU the
// control plane processes, the warm one and the server use in 30 s, as a
// share of one core, and the control planes' PSS. This is what bounds how many awake clusters two
// cores hold (BenchmarkAKSDensity).
func BenchmarkAKSIdleCPU(b *testing.B) {
	const clusters, window = 10, 30 * time.Second
	in, l, _ := benchLabWith(b, "idle", "--warm-control-planes", "1")
	for i := 0; i < clusters; i++ {
		name := "i" + strconv.Itoa(i)
		l.vnet(name, fmt.Sprintf("10.%d.0.0/16", 10+i), fmt.Sprintf("10.%d.1.0/24", 10+i))
		l.timedCreate(b, name)
	}
	waitWarm(b, in, "10.2.0.0/24")
	b.ResetTimer()
	time.Sleep(30 * time.Second)
	cps, warm := controlPlanePids(in), warmPids(in)
	if len(cps) != clusters || len(warm) != 1 {
		b.Fatalf("%d control planes and %d warm ones run, want %d and 1", len(cps), len(warm), clusters)
	}
	server := strconv.Itoa(in.cmd.Process.Pid)
	before := cpuTicks(append(append([]string{server}, cps...), warm...))
	time.Sleep(window)
	after := cpuTicks(append(append([]string{server}, cps...), warm...))
	b.StopTimer()
	share := func(pids []string) float64 {
		var t int64
		for _, p := range pids {
			t += after[p] - before[p]
		}
		return float64(t) / clockTicks / window.Seconds() * 100
	}
	b.ReportMetric(share(cps)/clusters, "%core/control-plane")
	b.ReportMetric(share(warm), "%core/warm-control-plane")
	b.ReportMetric(share([]string{server})/clusters, "%core-server/cluster")
	b.ReportMetric(float64(controlPlanePSS(in))/1024/clusters, "MB-PSS/control-plane")
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's times.
const clockTicks = 100

// cpuTicks is each process's user and system time, in clock ticks.
func cpuTicks(pids []string) map[string]int64 {
	out := map[string]int64{}
	for _, pid := range pids {
		// utime and stime are the 14th and 15th fields of the whole line.
		if f := statFields("/proc/" + pid + "/stat"); len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			out[pid] = u + s
		}
	}
	return out
}
