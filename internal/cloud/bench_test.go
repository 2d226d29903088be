package cloud

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aksbox/aksbox/internal/identity"
	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/pki"
	"github.com/aksbox/aksbox/internal/testenv"
)

// benchInstance runs an instance in-process on a free loopback port.
func benchInstance(tb testing.TB) (endpoint, sub, token string, client *http.Client) {
	tb.Helper()
	dir := instance.Dir(tb.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Dir: dir, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), PageSize: 10000,
			Ready: func(ep string) { ready <- ep }})
	}()
	select {
	case endpoint = <-ready:
	case err := <-done:
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		<-done
		removeNamespaces(tb, FabricPrefix(dir))
	})
	ca, err := pki.LoadOrCreateCA(dir.PKIDir(), "ca")
	if err != nil {
		tb.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = ca.Pool()
	tr.MaxIdleConnsPerHost = 512
	client = &http.Client{Transport: tr}
	d, err := identity.LoadOrCreateDirectory(dir.IdentityFile())
	if err != nil {
		tb.Fatal(err)
	}
	cred, err := azidentity.NewClientSecretCredential(d.TenantID(), d.Principals()[0].ClientID, d.Principals()[0].Secret,
		&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: azcore.ClientOptions{
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: endpoint + "/"}, Transport: client}})
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}})
	if err != nil {
		tb.Fatal(err)
	}
	return endpoint, d.Subscriptions()[0].SubscriptionID, tok.Token, client
}

// runLoad sends b.N requests from `clients` concurrent clients and reports
// requests/s and latency percentiles.
func runLoad(b *testing.B, clients int, do func(i int) error) {
	lat := make([]time.Duration, b.N)
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := int(next)
				next++
				mu.Unlock()
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if err := do(i); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func send(client *http.Client, method, url, token, body string) error {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d", method, url, resp.StatusCode)
	}
	return nil
}

// BenchmarkGroupGet: authenticated GET of one resource group by 200
// concurrent clients.
func BenchmarkGroupGet(b *testing.B) {
	ep, sub, tok, client := benchInstance(b)
	url := ep + "/subscriptions/" + sub + "/resourcegroups/bench?api-version=2021-04-01"
	if err := send(client, "PUT", url, tok, `{"location":"westus2"}`); err != nil {
		b.Fatal(err)
	}
	runLoad(b, 200, func(int) error { return send(client, "GET", url, tok, "") })
}

// BenchmarkGroupPut: authenticated PUTs (creates and tag updates) of 50
// groups by 200 concurrent clients.
func BenchmarkGroupPut(b *testing.B) {
	ep, sub, tok, client := benchInstance(b)
	base := ep + "/subscriptions/" + sub + "/resourcegroups/"
	runLoad(b, 200, func(i int) error {
		return send(client, "PUT", fmt.Sprintf("%sbench-%d?api-version=2021-04-01", base, i%50), tok,
			fmt.Sprintf(`{"location":"westus2","tags":{"n":"%d"}}`, i))
	})
}

// BenchmarkGroupGet8: the same GET with 8 concurrent clients, to show
// latency when the two cores are not saturated by queueing.
func BenchmarkGroupGet8(b *testing.B) {
	ep, sub, tok, client := benchInstance(b)
	url := ep + "/subscriptions/" + sub + "/resourcegroups/bench?api-version=2021-04-01"
	if err := send(client, "PUT", url, tok, `{"location":"westus2"}`); err != nil {
		b.Fatal(err)
	}
	runLoad(b, 8, func(int) error { return send(client, "GET", url, tok, "") })
}

// removeNamespaces deletes what an instance left in the kernel (a stopped
// instance keeps its namespaces, as the store is the truth).
func removeNamespaces(tb testing.TB, prefix string) {
	entries, _ := os.ReadDir("/var/run/netns")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix+"-") {
			if out, err := exec.Command("ip", "netns", "del", e.Name()).CombinedOutput(); err != nil {
				tb.Errorf("removing %s: %v %s", e.Name(), err, out)
			}
			_ = os.RemoveAll("/etc/netns/" + e.Name())
		}
	}
}

// BenchmarkVNetGet: the GET of a virtual network with one subnet, whose
// body is a view over other records, by 8 concurrent clients.
func BenchmarkVNetGet(b *testing.B) {
	testenv.Root(b)
	ep, sub, tok, client := benchInstance(b)
	for _, s := range []struct{ url, body string }{
		{"/providers/Microsoft.Network/register?api-version=2021-04-01", ""},
		{"/resourcegroups/bench?api-version=2021-04-01", `{"location":"westus2"}`},
	} {
		method := "PUT"
		if s.body == "" {
			method = "POST"
		}
		if err := send(client, method, ep+"/subscriptions/"+sub+s.url, tok, s.body); err != nil {
			b.Fatal(err)
		}
	}
	url := ep + "/subscriptions/" + sub + "/resourceGroups/bench/providers/Microsoft.Network/virtualNetworks/v?api-version=2024-07-01"
	if err := send(client, "PUT", url, tok, `{"location":"westus2","properties":{"addressSpace":{"addressPrefixes":["10.9.0.0/16"]},"subnets":[{"name":"s","properties":{"addressPrefix":"10.9.1.0/24"}}]}}`); err != nil {
		b.Fatal(err)
	}
	runLoad(b, 8, func(int) error { return send(client, "GET", url, tok, "") })
}
