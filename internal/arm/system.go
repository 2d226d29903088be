package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"
)

// SystemCaller is the principal of requests a resource provider makes to the
// front door on its own behalf, as Azure's first-party services do: the
// container service building a cluster's node resource group, say.
var SystemCaller = Caller{ClientID: "aksbox-system", ObjectID: "aksbox-system"}

type systemKey struct{}

// IsSystem tells whether ctx carries a request made by aksbox itself. Only
// in-process code can set it: nothing a client sends reaches it.
func IsSystem(ctx context.Context) bool { return ctx.Value(systemKey{}) != nil }

// Client sends ARM requests to the front door in process, as SystemCaller:
// they are routed, validated and realized exactly as a client's, without a
// token and without the subscription's provider registrations.
type Client struct {
	h http.Handler
	// Poll is how often a waiting call looks at the resource again.
	Poll time.Duration
}

// Client returns an in-process client of this front door.
func (s *Server) Client() *Client { return &Client{h: s, Poll: 50 * time.Millisecond} }

// Do sends one request and returns the status and body; an error status
// comes back as the *Error of its envelope.
func (c *Client) Do(ctx context.Context, method, path, apiVersion string, body any) (int, json.RawMessage, error) {
	status, _, out, err := c.send(ctx, method, path+"?api-version="+apiVersion, body)
	return status, out, err
}

// send is Do of a path with its query, which also returns the headers.
func (c *Client) send(ctx context.Context, method, target string, body any) (int, http.Header, json.RawMessage, error) {
	var rd *bytes.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("encoding the %s %s request: %w", method, target, err)
		}
		rd = bytes.NewReader(data)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequestWithContext(context.WithValue(ctx, systemKey{}, true), method, target, rd)
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, req)
	out := json.RawMessage(w.Body.Bytes())
	if w.Code >= 400 {
		var eb ErrorBody
		if json.Unmarshal(out, &eb) == nil && eb.Error != nil {
			eb.Error.Status = w.Code
			return w.Code, w.Header(), out, eb.Error
		}
		return w.Code, w.Header(), out, Errorf(w.Code, "InternalServerError", "%s %s answered %d: %s", method, target, w.Code, strings.TrimSpace(string(out)))
	}
	return w.Code, w.Header(), out, nil
}

// Put creates or updates the resource at path and waits until its
// provisioning has ended; a Failed resource is an error naming it.
func (c *Client) Put(ctx context.Context, path, apiVersion string, body any) (json.RawMessage, error) {
	_, h, _, err := c.send(ctx, http.MethodPut, path+"?api-version="+apiVersion, body)
	if err != nil {
		return nil, err
	}
	c.awaitOperation(ctx, h)
	return c.Await(ctx, path, apiVersion)
}

// awaitOperation waits for the asynchronous operation a response named to
// end. Its status answers when the operation ends (Operations.Poll), so
// the waiter learns of the end at once instead of up to a Poll later. What
// the operation came to is left to the caller, who reads the resource.
func (c *Client) awaitOperation(ctx context.Context, h http.Header) {
	u, err := url.Parse(h.Get("Azure-AsyncOperation"))
	if err != nil || u.Path == "" {
		return
	}
	for ctx.Err() == nil {
		_, _, out, err := c.send(ctx, http.MethodGet, u.RequestURI(), nil)
		var op struct{ Status string }
		if err != nil || json.Unmarshal(out, &op) != nil || op.Status != "InProgress" {
			return
		}
	}
}

// Await waits until the resource at path is no longer being provisioned
// and returns it; Failed is an error.
func (c *Client) Await(ctx context.Context, path, apiVersion string) (json.RawMessage, error) {
	for {
		_, out, err := c.Do(ctx, http.MethodGet, path, apiVersion, nil)
		if err != nil {
			return nil, err
		}
		switch State(out) {
		case Failed:
			return out, fmt.Errorf("%s failed to provision", path)
		case "", Succeeded:
			return out, nil
		}
		if err := sleep(ctx, c.Poll); err != nil {
			return nil, err
		}
	}
}

// Delete deletes the resource at path and waits until it is gone.
// Deleting what does not exist succeeds.
func (c *Client) Delete(ctx context.Context, path, apiVersion string) error {
	status, h, _, err := c.send(ctx, http.MethodDelete, path+"?api-version="+apiVersion, nil)
	if status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	c.awaitOperation(ctx, h)
	for {
		status, out, err := c.Do(ctx, http.MethodGet, path, apiVersion, nil)
		if status == http.StatusNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if State(out) == Failed {
			return fmt.Errorf("deleting %s failed; it is left Failed", path)
		}
		if err := sleep(ctx, c.Poll); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
