package kubetest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/aksbox/aksbox/internal/nodeagent"
	"github.com/aksbox/aksbox/internal/pki"
)

const (
	serverName = "c1-dns-0a1b2c3d.4e5f-6a7b.privatelink.eastus.azmk8s.io"
	nodeName   = "aks-nodepool1-12345678-vmss000000"
)

// TestNodeAgentAgainstKubernetes registers a node with a real control plane
// (Node authorizer and NodeRestriction admission included) and checks what
// the cluster makes of it: the node is Ready, its lease is held, the CoreDNS
// deployment becomes available on it, the kube-dns endpoints list the pods,
// and a pod deleted by a user is finished off by the agent.
func TestNodeAgentAgainstKubernetes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Kubernetes control plane")
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	c := startCluster(t, serverName, log.With("side", "control-plane"))
	dnsAddr := startDNS(t, serverName)

	nodeCert, err := c.ca.Issue(pki.LeafSpec{CommonName: "system:node:" + nodeName, Organization: []string{"system:nodes"}, Usage: pki.UsageClient})
	if err != nil {
		t.Fatal(err)
	}
	dials := &dialLog{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- nodeagent.Run(ctx, nodeagent.Config{
			Server:   fmt.Sprintf("https://%s:%d", serverName, c.port),
			CA:       c.ca.CertPEM(),
			Cert:     nodeCert.CertPEM,
			Key:      nodeCert.KeyPEM,
			NodeName: nodeName,
			NodeIP:   netip.MustParseAddr("10.224.0.4"), // reported only; never dialed
			PodRange: netip.MustParsePrefix("10.244.0.0/24"),
			PodCIDR:  "10.244.0.0/24",
			Labels: map[string]string{
				"agentpool": "nodepool1", "kubernetes.azure.com/agentpool": "nodepool1",
				"kubernetes.azure.com/mode": "system", "node.kubernetes.io/instance-type": "Standard_DS2_v2",
			},
			Dial: dials.Dial,
			DNS:  dnsAddr,
			Log:  log.With("side", "node"),
		})
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("node agent: %v", err)
			}
		}
	}
	defer stop()

	eventually(t, "node ready", func() error {
		var n struct {
			Status struct {
				Conditions []struct{ Type, Status string }
				NodeInfo   struct{ KubeletVersion string }
			}
		}
		if c.do(t, http.MethodGet, "/api/v1/nodes/"+nodeName, nil, &n) != http.StatusOK {
			return fmt.Errorf("no node")
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == "Ready" && cond.Status == "True" {
				return nil
			}
		}
		return fmt.Errorf("conditions %v", n.Status.Conditions)
	})
	eventually(t, "node lease", func() error {
		var l struct {
			Spec struct{ HolderIdentity, RenewTime string }
		}
		if c.do(t, http.MethodGet, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/"+nodeName, nil, &l) != http.StatusOK ||
			l.Spec.HolderIdentity != nodeName {
			return fmt.Errorf("lease %+v", l)
		}
		return nil
	})
	eventually(t, "coredns available", func() error {
		var d struct {
			Status struct{ AvailableReplicas int }
		}
		c.do(t, http.MethodGet, "/apis/apps/v1/namespaces/kube-system/deployments/coredns", nil, &d)
		if d.Status.AvailableReplicas != 2 {
			return fmt.Errorf("%d available", d.Status.AvailableReplicas)
		}
		return nil
	})
	eventually(t, "kube-dns endpoints", func() error {
		var ep struct {
			Subsets []struct {
				Addresses []struct{ IP, NodeName string }
			}
		}
		c.do(t, http.MethodGet, "/api/v1/namespaces/kube-system/endpoints/kube-dns", nil, &ep)
		n := 0
		for _, s := range ep.Subsets {
			for _, a := range s.Addresses {
				if !netip.MustParsePrefix("10.244.0.0/24").Contains(netip.MustParseAddr(a.IP)) || a.NodeName != nodeName {
					return fmt.Errorf("endpoint %+v", a)
				}
				n++
			}
		}
		if n != 2 {
			return fmt.Errorf("%d ready endpoints", n)
		}
		return nil
	})

	pod := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "web", "namespace": "default"},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx"}}},
	}
	eventually(t, "pod created", func() error { // once the default service account exists
		if code := c.do(t, http.MethodPost, "/api/v1/namespaces/default/pods?quiet", pod, nil); code != http.StatusCreated {
			return fmt.Errorf("status %d", code)
		}
		return nil
	})
	eventually(t, "pod running", func() error {
		var p struct{ Status struct{ Phase, PodIP string } }
		c.do(t, http.MethodGet, "/api/v1/namespaces/default/pods/web", nil, &p)
		if p.Status.Phase != "Running" || p.Status.PodIP == "" {
			return fmt.Errorf("status %+v", p.Status)
		}
		return nil
	})
	if code := c.do(t, http.MethodDelete, "/api/v1/namespaces/default/pods/web", nil, nil); code != http.StatusOK {
		t.Fatalf("deleting pod: %d", code)
	}
	eventually(t, "pod gone well within its grace period", func() error {
		if code := c.do(t, http.MethodGet, "/api/v1/namespaces/default/pods/web?quiet", nil, nil); code != http.StatusNotFound {
			return fmt.Errorf("status %d", code)
		}
		return nil
	})

	stop()
	if code := c.do(t, http.MethodGet, "/api/v1/nodes/"+nodeName, nil, nil); code != http.StatusOK {
		t.Errorf("node after the agent stopped: %d", code)
	}
	for _, d := range dials.list() {
		if d != "udp "+dnsAddr && d != "tcp "+dnsAddr && d != fmt.Sprintf("tcp 127.0.0.1:%d", c.port) {
			t.Errorf("unexpected dial %q", d)
		}
	}
}

func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startDNS answers A queries for name with 127.0.0.1 and NXDOMAIN for the
// rest, on 127.0.0.1 over UDP.
func startDNS(t *testing.T, name string) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		qn := q.Question[0]
		switch {
		case !strings.EqualFold(qn.Name, name+"."):
			m.Rcode = dns.RcodeNameError
		case qn.Qtype == dns.TypeA:
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: qn.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 10}, A: net.IPv4(127, 0, 0, 1)}}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// dialLog dials loopback addresses only and records every dial.
type dialLog struct {
	mu    sync.Mutex
	calls []string
}

func (d *dialLog) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.calls = append(d.calls, network+" "+addr)
	d.mu.Unlock()
	if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("test dials loopback only, not %s", addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (d *dialLog) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}
