package nodeagent

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Content types of the Kubernetes API.
const (
	strategicMergePatch = "application/strategic-merge-patch+json"
	mergePatch          = "application/merge-patch+json"
	contentJSON         = "application/json"

	requestTimeout = 30 * time.Second
)

// client is a minimal Kubernetes REST client: JSON over HTTPS with a client
// certificate, dialing through the node's network namespace.
type client struct {
	base      *url.URL
	http      *http.Client
	transport *http.Transport
	userAgent string
}

func newClient(c Config) (*client, error) {
	base, _ := url.Parse(c.Server) // validated by withDefaults
	base.Path = strings.TrimSuffix(base.Path, "/")
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: base.Hostname()}
	if len(c.CA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(c.CA) {
			return nil, errors.New("nodeagent config: no certificate in CA PEM")
		}
		tlsConf.RootCAs = pool
	}
	if len(c.Cert) > 0 || len(c.Key) > 0 {
		pair, err := tls.X509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, fmt.Errorf("nodeagent config: client certificate: %w", err)
		}
		tlsConf.Certificates = []tls.Certificate{pair}
	}
	tr := &http.Transport{
		DialContext:         newDialer(c).DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		// Like client-go: ping an idle HTTP/2 connection so that a dead path
		// to the API server is noticed and the next request re-dials (and
		// re-resolves).
		HTTP2:               &http.HTTP2Config{SendPingTimeout: 30 * time.Second, PingTimeout: 15 * time.Second},
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{
		base:      base,
		http:      &http.Client{Transport: tr},
		transport: tr,
		userAgent: fmt.Sprintf("kubelet/%s (linux/amd64) kubernetes/aksbox", c.KubeletVersion),
	}, nil
}

func (c *client) close() { c.transport.CloseIdleConnections() }

// apiError is a non-2xx answer of the API server, with its Status document.
type apiError struct {
	Code    int
	Reason  string
	Message string
}

func (e *apiError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("api server: %d %s: %s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("api server: %d %s", e.Code, e.Reason)
}

// statusCode is the HTTP status of err if it is an apiError, else 0.
func statusCode(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

func isNotFound(err error) bool { return statusCode(err) == http.StatusNotFound }
func isConflict(err error) bool { return statusCode(err) == http.StatusConflict }
func isGone(err error) bool     { return statusCode(err) == http.StatusGone }

// statusDoc is the part of a metav1.Status the agent reads.
type statusDoc struct {
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
	Code    int    `json:"code"`
}

func (s statusDoc) err() *apiError {
	return &apiError{Code: s.Code, Reason: s.Reason, Message: s.Message}
}

// do sends one request with a body encoded from in (nil for none) of the
// given content type and decodes a 2xx answer into out (nil to discard). It
// bounds the request by requestTimeout.
func (c *client) do(ctx context.Context, method, path string, query url.Values, contentType string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := c.send(ctx, method, path, query, contentType, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decoding %s %s: %w", method, path, err)
	}
	return nil
}

// send sends one request and returns the response if it is 2xx; otherwise
// it reads the error document and returns an *apiError. The caller closes
// the body.
func (c *client) send(ctx context.Context, method, path string, query url.Values, contentType string, in any) (*http.Response, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", contentJSON)
	req.Header.Set("User-Agent", c.userAgent)
	if in != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var st statusDoc
	if json.Unmarshal(b, &st) != nil || st.Kind != "Status" {
		st = statusDoc{Message: strings.TrimSpace(string(b))}
	}
	st.Code = resp.StatusCode
	if st.Reason == "" {
		st.Reason = http.StatusText(resp.StatusCode)
	}
	return nil, st.err()
}

// dialer opens connections to the API server: it resolves the host name
// through the node's DNS on every dial and connects from the node's network.
type dialer struct {
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	resolver *resolver
	log      *slog.Logger
}

// newDialer is a dialer from the node's network through its DNS.
func newDialer(c Config) *dialer {
	return &dialer{dial: c.Dial, resolver: newResolver(c.Dial, c.Nameservers), log: c.Log.With("node", c.NodeName)}
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := lookup(ctx, d.resolver, host)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ip := range ips {
		target := net.JoinHostPort(ip.String(), port)
		conn, err := d.dial(ctx, network, target)
		if err == nil {
			d.log.Debug("connected", "host", host, "addr", target)
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("connecting to %s: %w", host, errors.Join(errs...))
}
