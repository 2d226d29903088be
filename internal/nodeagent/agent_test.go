package nodeagent

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/pki"
)

const (
	testHost = "c1-dns-0a1b2c3d.4e5f-6a7b.privatelink.eastus.azmk8s.io"
	testNode = "aks-nodepool1-12345678-vmss000000"
)

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fakeCluster is a fake API server behind TLS with client certificates, on
// loopback, whose name resolves through a DNS server on loopback.
type fakeCluster struct {
	api   *fakeAPI
	conf  Config
	dials *dialLog
	port  string
}

func startFakeCluster(t *testing.T) *fakeCluster {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "ca"})
	if err != nil {
		t.Fatal(err)
	}
	srvCert, err := ca.Issue(pki.LeafSpec{CommonName: "apiserver", DNSNames: []string{testHost}})
	if err != nil {
		t.Fatal(err)
	}
	nodeCert, err := ca.Issue(pki.LeafSpec{CommonName: "system:node:" + testNode, Organization: []string{"system:nodes"}, Usage: pki.UsageClient})
	if err != nil {
		t.Fatal(err)
	}
	api := newFakeAPI()
	srv := httptest.NewUnstartedServer(api)
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{srvCert.TLSCertificate()},
		ClientCAs:    ca.Pool(),
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dnsAddr := startDNS(t, map[string]netip.Addr{testHost: netip.MustParseAddr(host)})
	dials := &dialLog{}
	return &fakeCluster{api: api, dials: dials, port: port, conf: Config{
		Server:         "https://" + testHost + ":" + port,
		CA:             ca.CertPEM(),
		Cert:           nodeCert.CertPEM,
		Key:            nodeCert.KeyPEM,
		NodeName:       testNode,
		NodeIP:         netip.MustParseAddr("10.224.0.4"), // reported only; never dialed
		PodRange:       netip.MustParsePrefix("10.244.0.0/24"),
		PodCIDR:        "10.244.0.0/24",
		Labels:         map[string]string{"agentpool": "nodepool1", "kubernetes.azure.com/agentpool": "nodepool1"},
		Dial:           dials.Dial,
		DNS:            dnsAddr,
		Log:            testLogger(t),
		LeaseDuration:  2 * time.Second,
		StatusInterval: time.Second,
	}}
}

// start runs the agent until the returned stop function is called; stop
// fails the test if Run does not return nil promptly.
func (fc *fakeCluster) start(t *testing.T, c Config) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, c) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
}

// eventually polls check until it returns nil or the timeout passes.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// podRunning checks that pod ns/name is Running with the given IP ("" for any)
// and returns its IP.
func (fc *fakeCluster) podRunning(ns, name, ip string) (string, error) {
	p := fc.api.get(podsOf, ns+"/"+name)
	if p == nil {
		return "", fmt.Errorf("pod %s/%s missing", ns, name)
	}
	got := str(p, "status", "podIP")
	if str(p, "status", "phase") != "Running" || (ip != "" && got != ip) {
		return "", fmt.Errorf("pod %s/%s: phase %q ip %q, want Running %q", ns, name, str(p, "status", "phase"), got, ip)
	}
	return got, nil
}

func nodeReady(node map[string]any) error {
	if node == nil {
		return fmt.Errorf("node not registered")
	}
	conds, _ := node["status"].(map[string]any)["conditions"].([]any)
	for _, c := range conds {
		c := c.(map[string]any)
		if c["type"] == "Ready" && c["status"] == "True" && c["reason"] == "KubeletReady" {
			return nil
		}
	}
	return fmt.Errorf("node not ready: %v", conds)
}

// checkDials fails the test if the agent dialed anything but the DNS server
// and the API server.
func (fc *fakeCluster) checkDials(t *testing.T) {
	for _, d := range fc.dials.list() {
		switch d {
		case "udp " + fc.conf.DNS, "tcp " + fc.conf.DNS, "tcp 127.0.0.1:" + fc.port:
		default:
			t.Errorf("unexpected dial %q", d)
		}
	}
	if !strings.Contains(strings.Join(fc.dials.list(), ","), "udp "+fc.conf.DNS) {
		t.Error("the API server's name was never resolved through DNS")
	}
}
