package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/aksbox/aksbox/internal/testenv"
)

// The AKS benchmarks run as whole-binary tests (go test -bench AKS
// -benchtime 1x ./test/e2e); their results, with the machine, are in
// BENCHMARKS.md.

// benchLab is an aksLab for a benchmark.
func benchLab(b *testing.B, rg string) (*instanceT, *aksLab, string) {
	b.Helper()
	return benchLabWith(b, rg)
}

// benchLabWith is benchLab with extra serve flags.
func benchLabWith(b *testing.B, rg string, flags ...string) (*instanceT, *aksLab, string) {
	b.Helper()
	testenv.Root(b)
	testenv.Tool(b, "kubectl", "install kubectl")
	in := start(b, append([]string{"--provider-registration-delay", "0s", "--feature-registration-delay", "0s"}, flags...)...)
	l := newAKSLab(b, in, rg)
	keyPath, authorized := writeKey(b)
	l.key = authorized
	return in, l, keyPath
}

// BenchmarkAKSCreateToKubectl: from 'aks create' (the PUT) of the seed's
// private cluster with 3 nodes until the real kubectl on a jump box in
// the cluster VNet, over the real ssh, lists 3 Ready nodes; against the
// floor, a bare start of the same control plane process and etcd until
// its /readyz answers. The server keeps a warm control plane, and a first
// cluster of the seed's shape has taught the pool that shape, so the
// measured one adopts a warm control plane. Then the cluster idles 30 s and
// its memory is read: its control plane process's PSS plus what the server
// grew by (its node agents and the cluster's network). BENCH_LOG=1 logs
// the server's output.
func BenchmarkAKSCreateToKubectl(b *testing.B) {
	in, l, keyPath := benchLabWith(b, "bench", "--warm-control-planes", "1")
	floor := bareStart(b)
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	jumpIP := l.publicVM("jump", "cluster-vnet")
	// A first cluster of the seed's shape (its service CIDR), which the
	// warm pool then keeps ready for the next.
	l.vnet("warmup-vnet", "10.3.0.0/16", "10.3.1.0/24")
	if _, err := l.create("warmup", l.seedCluster(l.subnetID("warmup-vnet"), 1)); err != nil {
		b.Fatalf("creating the first cluster: %v\n%s", err, in.log)
	}
	waitWarm(b, in, "10.2.0.0/24")
	others := controlPlanePids(in) // the first cluster's
	before := pss(in.cmd.Process.Pid)
	b.ResetTimer()
	begin := time.Now()
	p, err := l.aks.NewManagedClustersClient().BeginCreateOrUpdate(l.ctx, l.rg, "bench", l.seedCluster(l.subnetID("cluster-vnet"), 3), nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.PollUntilDone(l.ctx, &runtimePoll); err != nil {
		b.Fatal(err)
	}
	created := time.Since(begin)
	cred, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, l.rg, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	for {
		out, err := sshRun(keyPath, jumpIP, "cat > kc && kubectl --kubeconfig kc --request-timeout=5s get nodes", string(cred.Kubeconfigs[0].Value))
		if err == nil && strings.Count(out, " Ready ") == 3 {
			break
		}
		if time.Since(begin) > 5*time.Minute {
			b.Fatalf("no 3 Ready nodes from the jump box: %v\n%s", err, out)
		}
	}
	total := time.Since(begin)
	b.StopTimer()
	if os.Getenv("BENCH_LOG") != "" {
		b.Logf("begin %s\n%s", begin.Format(time.RFC3339Nano), in.log.String())
	}
	b.ReportMetric(created.Seconds(), "s-to-Succeeded")
	b.ReportMetric(total.Seconds(), "s-to-kubectl")
	b.ReportMetric(floor.Seconds(), "s-floor")
	b.ReportMetric(total.Seconds()/floor.Seconds(), "ratio")
	time.Sleep(30 * time.Second)
	var cp int64
	for _, f := range controlPlanePids(in) {
		if !slices.Contains(others, f) {
			pid, _ := strconv.Atoi(f)
			cp += pss(pid)
		}
	}
	grown := pss(in.cmd.Process.Pid) - before
	b.ReportMetric(float64(cp)/1024, "MB-controlplane-PSS")
	b.ReportMetric(float64(grown)/1024, "MB-server-growth-PSS")
	b.ReportMetric(float64(cp+grown)/1024, "MB-cluster-PSS")
}

// BenchmarkAKSTenConcurrent creates ten private clusters (one node each,
// each in a VNet of its own: two system zones of one name cannot be
// linked to one VNet, as in Azure) at once and waits for all to be Succeeded (nodes Ready); it reports the
// total time and the memory of all control planes.
func BenchmarkAKSTenConcurrent(b *testing.B) {
	in, l, _ := benchLab(b, "ten")
	for i := 0; i < 10; i++ {
		l.vnet("vnet"+strconv.Itoa(i), "10.1"+strconv.Itoa(i)+".0.0/16", "10.1"+strconv.Itoa(i)+".1.0/24")
	}
	before := pss(in.cmd.Process.Pid)
	b.ResetTimer()
	begin := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			mc := l.seedCluster(l.subnetID("vnet"+strconv.Itoa(i)), 1)
			mc.Properties.DNSPrefix = toPtr("c" + strconv.Itoa(i))
			p, err := l.aks.NewManagedClustersClient().BeginCreateOrUpdate(l.ctx, l.rg, "c"+strconv.Itoa(i), mc, nil)
			if err == nil {
				var resp armcontainerservice.ManagedClustersClientCreateOrUpdateResponse
				resp, err = p.PollUntilDone(l.ctx, &runtimePoll)
				if err == nil && deref(resp.Properties.ProvisioningState) != "Succeeded" {
					err = fmt.Errorf("cluster %d is %s", i, deref(resp.Properties.ProvisioningState))
				}
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	total := time.Since(begin)
	b.StopTimer()
	time.Sleep(30 * time.Second)
	cp := controlPlanePSS(in)
	grown := pss(in.cmd.Process.Pid) - before
	b.ReportMetric(total.Seconds(), "s-all-Ready")
	b.ReportMetric(float64(cp+grown)/1024, "MB-total-PSS")
}

// bareStart is the floor: a new etcd and the control plane process on
// loopback, until the API server's /readyz answers 200.
func bareStart(b *testing.B) time.Duration {
	b.Helper()
	dir := b.TempDir()
	port := freePort(b)
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(dir, "etcd"), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cl, err := controlplane.Prepare(controlplane.Spec{ClusterID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/floor",
		Dir: filepath.Join(dir, "cp"), Address: netip.MustParseAddr("127.0.0.1"), Port: port, PrivateFQDN: "floor.local",
		ServiceCIDR: netip.MustParsePrefix("10.0.0.0/16"), DNSServiceIP: netip.MustParseAddr("10.0.0.10"),
		EtcdSocket: st.Socket(), EtcdPrefix: "/floor/registry"})
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(binary, "__controlplane", "--config", cl.ConfigPath())
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: poolOf(cl.CACert()), ServerName: "floor.local"}}}
	url := "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/readyz"
	for ctx.Err() == nil {
		if resp, err := hc.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(begin)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatal("the bare control plane never became ready")
	return 0
}

// freePort is a TCP port free on 127.0.0.1 a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func poolOf(pem []byte) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(pem)
	return p
}

// pss is a process's proportional set size in KiB (0 if unreadable).
func pss(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// controlPlanePSS sums the PSS of the instance's control plane processes.
func controlPlanePSS(in *instanceT) int64 {
	var total int64
	for _, f := range controlPlanePids(in) {
		pid, _ := strconv.Atoi(f)
		total += pss(pid)
	}
	return total
}

// BenchmarkAKSDensity: private clusters of 3 nodes, a VNet each, created
// one after another until the machine's available memory falls below
// 4 GiB, a create takes over three times the first (the median of the last
// five), or 80 exist. Reported: how many, the first and the last creates
// (PUT until Succeeded), and after 30 s idle the PSS of all control planes
// and of the server, per cluster. BENCH_LOG=1 prints the server's log.
func BenchmarkAKSDensity(b *testing.B) {
	const most, floorKiB = 80, 4 << 20
	in, l, _ := benchLab(b, "dense")
	before := pss(in.cmd.Process.Pid)
	availBefore := memAvailable()
	b.ResetTimer()
	var first, last, firstStart time.Duration
	var creates, starts []time.Duration
	lastFive := func(d []time.Duration) []time.Duration { return d[max(0, len(d)-5):] } // one slow create does not stop the run
	n := 0
	for n < most && memAvailable() > floorKiB && (first == 0 || median(lastFive(creates)) < 3*first) {
		name := "d" + strconv.Itoa(n)
		l.vnet(name, fmt.Sprintf("10.%d.0.0/16", 10+n), fmt.Sprintf("10.%d.1.0/24", 10+n))
		before, _ := filepath.Glob(filepath.Join(string(in.dir), "clusters", "*", "controlplane.log"))
		last = l.timedCreate(b, name)
		cpStart := controlPlaneStart(b, in, before)
		if first == 0 {
			first, firstStart = last, cpStart
		}
		// Not b.Logf, which keeps only a benchmark's first ten lines.
		fmt.Fprintf(os.Stderr, "cluster %d: created in %s, its control plane started in %s\n", n+1, last.Round(time.Millisecond), cpStart)
		creates = append(creates, last)
		starts = append(starts, cpStart)
		n++
	}
	b.StopTimer()
	if os.Getenv("BENCH_LOG") != "" {
		fmt.Fprintf(os.Stderr, "server log:\n%s", in.log.String())
	}
	// Runs stop at different counts (the rule follows the first create);
	// the creates of each ten clusters compare better.
	var tens []string
	for i := 0; i < len(creates); i += 10 {
		tens = append(tens, median(creates[i:min(i+10, len(creates))]).Round(10*time.Millisecond).String())
	}
	fmt.Fprintf(os.Stderr, "median create of each ten clusters: %s\n", strings.Join(tens, " "))
	time.Sleep(30 * time.Second)
	cp, server := controlPlanePSS(in), pss(in.cmd.Process.Pid)
	b.ReportMetric(float64(n), "clusters")
	b.ReportMetric(first.Seconds(), "s-first-create")
	b.ReportMetric(last.Seconds(), "s-last-create")
	b.ReportMetric(median(lastFive(creates)).Seconds(), "s-last-5-creates-median")
	if n > 0 {
		b.ReportMetric(median(creates[max(0, n-10):]).Seconds()/first.Seconds(), "last-10-creates-median/first")
	}
	b.ReportMetric(firstStart.Seconds(), "s-first-control-plane-start")
	b.ReportMetric(median(lastFive(starts)).Seconds(), "s-last-5-control-plane-starts-median")
	b.ReportMetric(float64(cp)/1024/float64(n), "MB-control-plane-PSS/cluster")
	b.ReportMetric(float64(cp+server-before)/1024/float64(n), "MB-PSS/cluster")
	b.ReportMetric(float64(server)/1024, "MB-server-PSS")
	b.ReportMetric(float64(availBefore-memAvailable())/1024/float64(n), "MB-available-used/cluster")
}

// controlPlaneStart is how long the control plane process of the cluster
// just created took from its start until ready, by its own log: the one
// log under clusters/ not in before.
func controlPlaneStart(b *testing.B, in *instanceT, before []string) time.Duration {
	b.Helper()
	logs, _ := filepath.Glob(filepath.Join(string(in.dir), "clusters", "*", "controlplane.log"))
	for _, f := range logs {
		if slices.Contains(before, f) {
			continue
		}
		// The cluster answers before its add-ons are applied, which ends
		// the control plane's start.
		var data []byte
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			data, _ = os.ReadFile(f)
			for _, line := range strings.Split(string(data), "\n") {
				if _, after, ok := strings.Cut(line, `msg="control plane ready"`); ok {
					if _, v, ok := strings.Cut(after, " after="); ok {
						if d, err := time.ParseDuration(strings.Fields(v)[0]); err == nil {
							return d
						}
					}
				}
			}
		}
		b.Fatalf("%s does not say within a minute when the control plane was ready:\n%s", f, data)
	}
	b.Fatalf("no new control plane log among %v", logs)
	return 0
}

// timedCreate creates the seed's private cluster of 3 nodes named name,
// with that DNS prefix, in the subnet of the VNet of that name, and
// returns how long it took (PUT until Succeeded).
func (l *aksLab) timedCreate(b *testing.B, name string) time.Duration {
	b.Helper()
	mc := l.seedCluster(l.subnetID(name), 3)
	mc.Properties.DNSPrefix = toPtr(name)
	begin := time.Now()
	if _, err := l.create(name, mc); err != nil {
		b.Fatalf("cluster %s: %v", name, err)
	}
	return time.Since(begin)
}

// memAvailable is the machine's MemAvailable in KiB.
func memAvailable() int64 {
	data, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
