// Package kubetest runs the node agent against a real, embedded Kubernetes
// control plane on loopback. It lives apart from package nodeagent so that
// the agent's own tests do not link Kubernetes.
package kubetest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/kube"
	"github.com/aksbox/aksbox/internal/pki"
	"github.com/aksbox/aksbox/internal/store"
)

// cluster is a running control plane and an admin client for it.
type cluster struct {
	ca    *pki.CA
	port  int
	admin *http.Client
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// startCluster runs kube-apiserver (listening on 127.0.0.1 only, with a
// certificate for serverName), the controller manager and the scheduler,
// with their data in an embedded etcd reached over a unix socket.
func startCluster(t *testing.T, serverName string, log *slog.Logger) *cluster {
	dir := t.TempDir()
	st, err := store.Open(t.Context(), filepath.Join(dir, "etcd"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	ca := must[*pki.CA](t)(pki.NewCA(pki.CAOptions{CommonName: "ca"}))
	frontCA := must[*pki.CA](t)(pki.NewCA(pki.CAOptions{CommonName: "front-proxy-ca"}))
	issue := func(ca *pki.CA, spec pki.LeafSpec) *pki.Pair { return must[*pki.Pair](t)(ca.Issue(spec)) }
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pair := func(name string, p *pki.Pair) (string, string) {
		return write(name+".crt", p.CertPEM), write(name+".key", p.KeyPEM)
	}
	port := freePort(t)
	server := "https://127.0.0.1:" + strconv.Itoa(port)
	kubeconfig := func(name, user string) string {
		p := issue(ca, pki.LeafSpec{CommonName: user, Usage: pki.UsageClient})
		return write(name+".kubeconfig", fmt.Appendf(nil, kubeconfigTemplate, server,
			b64(ca.CertPEM()), b64(p.CertPEM), b64(p.KeyPEM)))
	}

	saKey := must[crypto.Signer](t)(pki.GenerateKey(pki.KeyECDSAP256))
	saKeyPEM := must[[]byte](t)(pki.EncodeKeyPEM(saKey))
	saPubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must[[]byte](t)(x509.MarshalPKIXPublicKey(saKey.Public()))})
	cfg := kube.Config{
		BindAddress:                 netip.MustParseAddr("127.0.0.1"),
		Port:                        port,
		EtcdServers:                 []string{"unix://" + st.Socket()},
		EtcdPrefix:                  "/clusters/test",
		ServiceCIDR:                 netip.MustParsePrefix("10.0.0.0/16"),
		ClusterCIDR:                 netip.MustParsePrefix("10.244.0.0/16"),
		DNSServiceIP:                netip.MustParseAddr("10.0.0.10"),
		CACert:                      write("ca.crt", ca.CertPEM()),
		CAKey:                       write("ca.key", must[[]byte](t)(pki.EncodeKeyPEM(ca.Key))),
		FrontProxyCACert:            write("front-proxy-ca.crt", frontCA.CertPEM()),
		ServiceAccountKey:           write("sa.key", saKeyPEM),
		ServiceAccountPublicKey:     write("sa.pub", saPubPEM),
		TokenAuthFile:               write("tokens.csv", []byte("unused-token,nobody,nobody,\"\"\n")),
		ControllerManagerKubeconfig: kubeconfig("controller-manager", "system:kube-controller-manager"),
		SchedulerKubeconfig:         kubeconfig("scheduler", "system:kube-scheduler"),
		WorkDir:                     filepath.Join(dir, "work"),
		ReadyFile:                   filepath.Join(dir, "ready"),
	}
	cfg.ServingCert, cfg.ServingKey = pair("apiserver", issue(ca, pki.LeafSpec{
		CommonName:  "kube-apiserver",
		DNSNames:    []string{serverName, "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}))
	cfg.FrontProxyClientCert, cfg.FrontProxyClientKey = pair("front-proxy-client",
		issue(frontCA, pki.LeafSpec{CommonName: "front-proxy-client", Usage: pki.UsageClient}))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- kube.Run(ctx, cfg, log) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("control plane: %v", err)
		}
	})
	deadline := time.After(3 * time.Minute)
	for {
		if _, err := os.Stat(cfg.ReadyFile); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("control plane stopped before it was ready: %v", err)
		case <-deadline:
			t.Fatal("control plane not ready after 3 minutes")
		case <-time.After(100 * time.Millisecond):
		}
	}

	admin := issue(ca, pki.LeafSpec{CommonName: "admin", Organization: []string{"system:masters"}, Usage: pki.UsageClient})
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs:      ca.Pool(),
		Certificates: []tls.Certificate{admin.TLSCertificate()},
	}}}
	t.Cleanup(client.CloseIdleConnections)
	return &cluster{ca: ca, port: port, admin: client}
}

const kubeconfigTemplate = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: u
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
`

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// do sends an admin request and decodes the answer; it returns the status.
func (c *cluster) do(t *testing.T, method, path string, in any, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, "https://127.0.0.1:"+strconv.Itoa(c.port)+path, body)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.admin.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	if resp.StatusCode/100 != 2 && !strings.Contains(path, "?quiet") {
		t.Logf("%s %s: %s %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return resp.StatusCode
}
