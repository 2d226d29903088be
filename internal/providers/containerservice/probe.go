package containerservice

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/nodeagent"
	"github.com/aksbox/aksbox/internal/providers/network"
)

// kubeClient is an admin client of the cluster's API server that connects
// from inside a node's namespace to the private endpoint, as the node would.
func (p *Provider) kubeClient(ctx context.Context, c *Cluster, l *layout, cl *controlplane.Cluster, fromVM string) (*http.Client, string, error) {
	ip, err := p.apiAddress(ctx, c, l)
	if l.apiSubnet != "" {
		ip, err = p.endpointIP(ctx, l) // as the nodes reach it
	}
	if err != nil {
		return nil, "", err
	}
	cert, key, err := cl.AdminCredentials()
	if err != nil {
		return nil, "", err
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return nil, "", err
	}
	dial := nodeagent.HostDial // a public cluster's public IP is reached from the host: loopback only
	name := serverName(c, ip.String())
	if c.Private() || l.apiSubnet != "" {
		dial = p.dialIn(p.fab.HostNamespace(fromVM))
	}
	if l.apiSubnet != "" {
		name = ip.String()
	}
	target := net.JoinHostPort(ip.String(), "443")
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dial(ctx, network, target)
		},
		TLSClientConfig: &tls.Config{RootCAs: caPool(cl.CACert()), Certificates: []tls.Certificate{pair}, ServerName: name},
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, "https://" + target, nil
}

func serverName(c *Cluster, fallback string) string {
	if n := apiServerName(c); n != "" {
		return n
	}
	return fallback
}

// apiAddress is where clients reach the API server: the private
// endpoint's address, or the public IP of a public cluster.
func (p *Provider) apiAddress(ctx context.Context, c *Cluster, l *layout) (netip.Addr, error) {
	if c.Private() {
		return p.endpointIP(ctx, l)
	}
	_, out, err := p.arm.Do(ctx, http.MethodGet, l.publicIP, network.ServiceAPIVersion, nil)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("reading the API server's public IP: %w", err)
	}
	return pipAddress(out)
}

// awaitReady waits until the API server answers through the private
// endpoint and every node is Ready, as AKS does before reporting Succeeded.
func (p *Provider) awaitReady(ctx context.Context, c *Cluster, l *layout, cl *controlplane.Cluster, nodes []node) error {
	if len(nodes) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	hc, base, err := p.kubeClient(ctx, c, l, cl, nodes[0].vm)
	if err != nil {
		return err
	}
	defer hc.CloseIdleConnections()
	want := map[string]bool{}
	for _, n := range nodes {
		want[n.name] = true
	}
	var last string
	wait := 20 * time.Millisecond // nodes register within a moment of their start
	for {
		ready, err := readyNodes(ctx, hc, base)
		if err == nil {
			n := 0
			for name := range want {
				if ready[name] {
					n++
				}
			}
			if n == len(want) {
				return nil
			}
			last = fmt.Sprintf("%d of %d nodes are Ready", n, len(want))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("the cluster did not become ready within %s: %s", readyTimeout, last)
			}
			return ctx.Err()
		case <-time.After(wait):
			wait = min(wait*3/2, 250*time.Millisecond)
		}
	}
}

// readyNodes lists the nodes whose Ready condition is True.
func readyNodes(ctx context.Context, hc *http.Client, base string) (map[string]bool, error) {
	var list struct {
		Items []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Status struct {
				Conditions []struct {
					Type, Status string
				} `json:"conditions"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := kubeGet(ctx, hc, base+"/api/v1/nodes", &list); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, n := range list.Items {
		for _, cond := range n.Status.Conditions {
			if cond.Type == "Ready" && cond.Status == "True" {
				out[n.Metadata.Name] = true
			}
		}
	}
	return out, nil
}

func kubeGet(ctx context.Context, hc *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("the API server is not reachable yet: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the API server answered %s: %s", resp.Status, strings.TrimSpace(string(data)))
	}
	return json.Unmarshal(data, v)
}

// deleteNode removes a scaled-away node's Node object, as AKS does.
func (p *Provider) deleteNode(ctx context.Context, c *Cluster, l *layout, cl *controlplane.Cluster, name string) {
	nodes := nodesOf(c, l)
	if len(nodes) == 0 {
		return
	}
	hc, base, err := p.kubeClient(ctx, c, l, cl, nodes[0].vm)
	if err != nil {
		return
	}
	defer hc.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, base+"/api/v1/nodes/"+name, nil)
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
	} else {
		p.log.Warn("removing a scaled-away node's Node object", "node", name, "err", err)
	}
}

func caPool(pem []byte) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return pool
}
