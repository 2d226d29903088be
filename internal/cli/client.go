package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aksbox/aksbox/internal/identity"
)

// ARMAudience is the token audience of the ARM endpoint.
const ARMAudience = "https://management.core.windows.net/"

// Conn is a connection to a running instance through the Azure SDK for Go.
type Conn struct {
	Endpoint     string
	TenantID     string
	ClientID     string
	Subscription string
	Cred         azcore.TokenCredential
	Options      *arm.ClientOptions
	pipeline     runtime.Pipeline
}

// HTTPClient trusts the instance's CA and nothing else.
func HTTPClient(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading the instance CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate found in %s", caFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr.Proxy = nil
	return &http.Client{Transport: tr, Timeout: 5 * time.Minute}, nil
}

// Cloud is the azcore cloud configuration of an endpoint.
func Cloud(endpoint string) cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: endpoint + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: endpoint, Audience: ARMAudience},
		},
	}
}

// Connect finds the running instance and logs in as its service principal.
func (a *App) Connect() (*Conn, error) {
	dir := a.Dir()
	srv, err := dir.ReadServer()
	if err != nil {
		return nil, err
	}
	d, err := identity.LoadOrCreateDirectory(dir.IdentityFile())
	if err != nil {
		return nil, fmt.Errorf("reading the instance's credentials: %w", err)
	}
	hc, err := HTTPClient(dir.CAFile())
	if err != nil {
		return nil, err
	}
	if a.Debug {
		azlog.SetListener(func(ev azlog.Event, msg string) { fmt.Fprintf(a.Stderr, "DEBUG: %s: %s\n", ev, msg) })
	}
	copts := azcore.ClientOptions{Cloud: Cloud(srv.Endpoint), Transport: hc, PerRetryPolicies: a.logPolicies()}
	p := d.Principals()[0]
	cred, err := azidentity.NewClientSecretCredential(d.TenantID(), p.ClientID, p.Secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: copts, DisableInstanceDiscovery: true})
	if err != nil {
		return nil, fmt.Errorf("making the credential: %w", err)
	}
	sub := a.Subscription
	if sub == "" {
		sub = d.Subscriptions()[0].SubscriptionID
	} else {
		for _, s := range d.Subscriptions() {
			if strings.EqualFold(s.DisplayName, sub) {
				sub = s.SubscriptionID
			}
		}
	}
	// The SDK's own registration policy is silent; the CLI's speaks as az's.
	opts, err := a.withAutoRegister(cred, &arm.ClientOptions{ClientOptions: copts, DisableRPRegistration: true})
	if err != nil {
		return nil, err
	}
	opts.PerCallPolicies = append(opts.PerCallPolicies, bodyExtras{})
	pl, err := armPipeline(cred, opts)
	if err != nil {
		return nil, err
	}
	return &Conn{Endpoint: srv.Endpoint, TenantID: d.TenantID(), ClientID: p.ClientID, Subscription: sub,
		Cred: cred, Options: opts, pipeline: pl}, nil
}

func armPipeline(cred azcore.TokenCredential, opts *arm.ClientOptions) (runtime.Pipeline, error) {
	c, err := arm.NewClient("aksbox", "v"+Version, cred, opts)
	if err != nil {
		return runtime.Pipeline{}, fmt.Errorf("making the ARM client: %w", err)
	}
	return c.Pipeline(), nil
}

// Do sends one ARM request through the SDK pipeline and decodes the JSON
// answer (nil for an empty one). Non-2xx answers become *azcore.ResponseError.
func (c *Conn) Do(ctx context.Context, method, path, apiVersion string, body any) (any, error) {
	resp, err := c.Send(ctx, method, path, apiVersion, body)
	if err != nil {
		return nil, err
	}
	return decodeBody(resp)
}

// Send is Do without decoding: the caller reads resp.
func (c *Conn) Send(ctx context.Context, method, path, apiVersion string, body any) (*http.Response, error) {
	req, err := runtime.NewRequest(ctx, method, c.Endpoint+path)
	if err != nil {
		return nil, err
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", apiVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return nil, err
		}
	}
	resp, err := c.pipeline.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, runtime.NewResponseError(resp)
	}
	return resp, nil
}

func decodeBody(resp *http.Response) (any, error) {
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding the answer: %w", err)
	}
	return v, nil
}

// toJSON turns an SDK model into plain decoded JSON for printing.
func toJSON(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return out, dec.Decode(&out)
}

// List follows nextLink pages of a list and returns every item.
func (c *Conn) List(ctx context.Context, path, apiVersion string) ([]any, error) {
	var all []any
	v, err := c.Do(ctx, http.MethodGet, path, apiVersion, nil)
	for {
		if err != nil {
			return nil, err
		}
		page, _ := v.(map[string]any)
		items, _ := page["value"].([]any)
		all = append(all, items...)
		next, _ := page["nextLink"].(string)
		if next == "" {
			break
		}
		v, err = c.get(ctx, next)
	}
	if all == nil {
		all = []any{}
	}
	return all, nil
}

// get fetches an absolute URL (a nextLink) through the pipeline.
func (c *Conn) get(ctx context.Context, u string) (any, error) {
	req, err := runtime.NewRequest(ctx, http.MethodGet, u)
	if err != nil {
		return nil, err
	}
	resp, err := c.pipeline.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, runtime.NewResponseError(resp)
	}
	return decodeBody(resp)
}
