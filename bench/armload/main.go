// Command armload measures an aksbox instance's ARM read path against the
// limit of the machine it runs on. It is a load generator in a process of
// its own: for each number of connections it sends GETs of one resource
// with a bearer token over keep-alive HTTPS/1.1 connections, one request at
// a time per connection, first to aksbox, then to the limit — a minimal Go
// net/http TLS server, in a process of its own too, answering the same
// bytes — and reports requests per second, p50 and p99 of both and their
// ratios.
//
//	armload -state-dir DIR -path '/subscriptions/{sub}/resourcegroups/g?api-version=2021-04-01' -conns 1,8,50,200 -n 20000
//
// {sub} is replaced by the instance's subscription.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aksbox/aksbox/internal/cli"
	"github.com/aksbox/aksbox/internal/identity"
	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/pki"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-limit" {
		if err := serveLimit(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "armload -limit:", err)
			os.Exit(1)
		}
		return
	}
	stateDir := flag.String("state-dir", instance.DefaultDir().Path(), "state directory of the running instance")
	path := flag.String("path", "/subscriptions/{sub}/resourcegroups/g?api-version=2021-04-01", "what to GET")
	conns := flag.String("conns", "1,8,50,200", "numbers of connections, comma-separated")
	n := flag.Int("n", 20000, "requests per measurement (after 500 to warm up)")
	flag.Parse()
	if err := run(instance.Dir(*stateDir), *path, *conns, *n); err != nil {
		fmt.Fprintln(os.Stderr, "armload:", err)
		os.Exit(1)
	}
}

func run(dir instance.Dir, path, connList string, n int) error {
	srv, err := dir.ReadServer()
	if err != nil {
		return fmt.Errorf("no running instance in %s: %w", dir, err)
	}
	d, err := identity.LoadOrCreateDirectory(dir.IdentityFile())
	if err != nil {
		return err
	}
	path = strings.ReplaceAll(path, "{sub}", d.Subscriptions()[0].SubscriptionID)
	client, err := cli.HTTPClient(dir.CAFile())
	if err != nil {
		return err
	}
	p := d.Principals()[0]
	cred, err := azidentity.NewClientSecretCredential(d.TenantID(), p.ClientID, p.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: cli.Cloud(srv.Endpoint), Transport: client}, DisableInstanceDiscovery: true})
	if err != nil {
		return err
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}})
	if err != nil {
		return err
	}
	aksbox := target{url: srv.Endpoint + path, token: tok.Token, tls: client.Transport.(*http.Transport).TLSClientConfig}
	body, err := aksbox.once()
	if err != nil {
		return err
	}

	// The limit, in a process of its own, answering the same bytes.
	f, err := os.CreateTemp("", "armload-body-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	f.Write(body)
	f.Close()
	self, _ := os.Executable()
	lim := exec.Command(self, "-limit", f.Name())
	out, _ := lim.StdoutPipe()
	lim.Stderr = os.Stderr
	if err := lim.Start(); err != nil {
		return err
	}
	defer func() { lim.Process.Kill(); lim.Wait() }()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("the limit server did not start: %w", err)
	}
	limit := target{url: "https://" + strings.TrimSpace(addr) + "/", token: tok.Token, tls: &tls.Config{InsecureSkipVerify: true}}

	fmt.Printf("GET %s (%d bytes), %d requests per row, HTTP/1.1 keep-alive\n\n", path, len(body), n)
	fmt.Println("| connections | aksbox req/s | p50 | p99 | limit req/s | p50 | p99 | throughput ratio | p99 ratio |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, c := range strings.Split(connList, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || k < 1 {
			return fmt.Errorf("bad connection count %q", c)
		}
		a, err := aksbox.load(k, n)
		if err != nil {
			return err
		}
		l, err := limit.load(k, n)
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %.0f | %s | %s | %.0f | %s | %s | %.2f | %.2f |\n", k, a.rate, ms(a.p50), ms(a.p99),
			l.rate, ms(l.p50), ms(l.p99), a.rate/l.rate, float64(a.p99)/float64(l.p99))
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

type target struct {
	url, token string
	tls        *tls.Config
}

type result struct {
	rate     float64
	p50, p99 time.Duration
}

func (t target) client() *http.Client {
	cfg := t.tls.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: cfg, MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1,
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1
	}}
}

func (t target) get(c *http.Client) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, t.url, nil)
	req.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %s", t.url, resp.StatusCode, b)
	}
	return b, err
}

func (t target) once() ([]byte, error) { return t.get(t.client()) }

// load sends n requests over k connections (after 500 to warm them up).
func (t target) load(k, n int) (result, error) {
	clients := make([]*http.Client, k)
	for i := range clients {
		clients[i] = t.client()
	}
	var left atomic.Int64
	var firstErr error
	var mu sync.Mutex
	lat := make([][]time.Duration, k)
	drive := func(count int, record bool) time.Duration {
		left.Store(int64(count))
		var wg sync.WaitGroup
		start := time.Now()
		for i, c := range clients {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					t0 := time.Now()
					if _, err := t.get(c); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					if record {
						lat[i] = append(lat[i], time.Since(t0))
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	drive(500, false)
	elapsed := drive(n, true)
	if firstErr != nil {
		return result{}, firstErr
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	return result{rate: float64(len(all)) / elapsed.Seconds(), p50: all[len(all)/2], p99: all[len(all)*99/100]}, nil
}

// serveLimit is the limit: the least a Go TLS server does to answer a GET
// with the body's bytes.
func serveLimit(bodyFile string) error {
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		return err
	}
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "armload"})
	if err != nil {
		return err
	}
	leaf, err := ca.Issue(pki.LeafSpec{CommonName: "limit", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	s := &http.Server{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}, MinVersion: tls.VersionTLS12},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write(body)
		}),
	}
	return s.ServeTLS(ln, "", "")
}
