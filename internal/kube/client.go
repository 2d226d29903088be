package kube

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"k8s.io/client-go/rest"

	"github.com/aksbox/aksbox/internal/kube/config"
	"github.com/aksbox/aksbox/internal/pki"
)

// selfUser is the identity this process uses for its own requests (readiness,
// add-ons). Its certificate lives only in memory.
const selfUser = "aksbox:controlplane"

// selfClientConfig returns a client configuration for the API server of c
// with a short-lived system:masters certificate issued by the cluster CA.
func selfClientConfig(c config.Config) (*rest.Config, error) {
	certPEM, err := os.ReadFile(c.CACert)
	if err != nil {
		return nil, fmt.Errorf("reading ca certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(c.CAKey)
	if err != nil {
		return nil, fmt.Errorf("reading ca key: %w", err)
	}
	cert, err := pki.DecodeCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("decoding ca certificate: %w", err)
	}
	key, err := pki.DecodeKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("decoding ca key: %w", err)
	}
	ca := &pki.CA{Cert: cert, Key: key}
	pair, err := ca.Issue(pki.LeafSpec{
		CommonName:   selfUser,
		Organization: []string{"system:masters"},
		Usage:        pki.UsageClient,
		Validity:     7 * 24 * time.Hour,
	})
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host: "https://" + net.JoinHostPort(c.BindAddress.String(), strconv.Itoa(c.Port)),
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   certPEM,
			CertData: pair.CertPEM,
			KeyData:  pair.KeyPEM,
		},
		UserAgent: "aksbox-controlplane",
		QPS:       50,
		Burst:     100,
		Timeout:   30 * time.Second,
	}, nil
}

// waitReady polls the API server's /readyz until it answers 200, ctx ends,
// or failed is closed (the server stopped).
func waitReady(ctx context.Context, rc *rest.Config, failed <-chan struct{}) error {
	transport, err := rest.TransportFor(rc)
	if err != nil {
		return fmt.Errorf("building readiness client: %w", err)
	}
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rc.Host+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("readyz: %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for kube-apiserver: %w (last: %v)", ctx.Err(), last)
		case <-failed:
			return fmt.Errorf("kube-apiserver stopped before it was ready (last: %v)", last)
		case <-tick.C:
		}
	}
}
