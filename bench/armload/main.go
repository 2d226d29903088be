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
// {sub} is replaced by the instance's subscription. With -put BODY it sends
// PUTs of that body instead, to the path with {i} replaced by a request's
// number modulo 1000 (so concurrent writes go to different resources) and
// {n} in the body by the request's number (so each PUT changes something),
// and the limit writes each request's body to a file and fsyncs it before
// answering, as a store that makes each write durable must at least do.
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
	if len(os.Args) >= 3 && os.Args[1] == "-limit" {
		if err := serveLimit(os.Args[2], len(os.Args) == 4 && os.Args[3] == "-fsync"); err != nil {
			fmt.Fprintln(os.Stderr, "armload -limit:", err)
			os.Exit(1)
		}
		return
	}
	stateDir := flag.String("state-dir", instance.DefaultDir().Path(), "state directory of the running instance")
	path := flag.String("path", "/subscriptions/{sub}/resourcegroups/g?api-version=2021-04-01", "what to GET")
	conns := flag.String("conns", "1,8,50,200", "numbers of connections, comma-separated")
	n := flag.Int("n", 20000, "requests per measurement (after 500 to warm up)")
	put := flag.String("put", "", "send PUTs of this body instead of GETs")
	flag.Parse()
	if err := run(instance.Dir(*stateDir), *path, *conns, *n, *put); err != nil {
		fmt.Fprintln(os.Stderr, "armload:", err)
		os.Exit(1)
	}
}

func run(dir instance.Dir, path, connList string, n int, put string) error {
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
	aksbox := target{url: srv.Endpoint + path, token: tok.Token, tls: client.Transport.(*http.Transport).TLSClientConfig, put: put}
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
	args := []string{"-limit", f.Name()}
	if put != "" {
		args = append(args, "-fsync")
	}
	lim := exec.Command(self, args...)
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
	limit := target{url: "https://" + strings.TrimSpace(addr) + "/", token: tok.Token, tls: &tls.Config{InsecureSkipVerify: true}, put: put}

	method := http.MethodGet
	if put != "" {
		method = http.MethodPut
	}
	fmt.Printf("%s %s (%d bytes), %d requests per row, HTTP/1.1 keep-alive\n\n", method, path, len(body), n)
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
	put        string // the body of PUTs; "": GETs
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

// send sends request number i: a GET, or a PUT of t.put.
func (t target) send(c *http.Client, i int64) ([]byte, error) {
	method, url, body := http.MethodGet, t.url, io.Reader(nil)
	if t.put != "" {
		n := strconv.FormatInt(i, 10)
		method, url, body = http.MethodPut, strings.ReplaceAll(url, "{i}", strconv.FormatInt(i%1000, 10)), strings.NewReader(strings.ReplaceAll(t.put, "{n}", n))
	}
	req, _ := http.NewRequest(method, url, body)
	req.Header.Set("Authorization", "Bearer "+t.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode/100 != 2 {
		err = fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return b, err
}

func (t target) once() ([]byte, error) { return t.send(t.client(), 0) }

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
				for {
					req := left.Add(-1)
					if req < 0 {
						return
					}
					t0 := time.Now()
					if _, err := t.send(c, req); err != nil {
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

// serveLimit is the limit: the least a Go TLS server does to answer a
// request with the body's bytes; with fsync, it first writes the request's
// body to a file and fsyncs it.
func serveLimit(bodyFile string, fsync bool) error {
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
	log, err := os.CreateTemp("", "armload-log-")
	if err != nil {
		return err
	}
	defer os.Remove(log.Name())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	var mu sync.Mutex
	s := &http.Server{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}, MinVersion: tls.VersionTLS12},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in, _ := io.ReadAll(r.Body)
			if fsync {
				mu.Lock()
				_, err := log.Write(in)
				if err == nil {
					err = log.Sync()
				}
				mu.Unlock()
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write(body)
		}),
	}
	return s.ServeTLS(ln, "", "")
}
