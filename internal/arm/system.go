package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	var rd *bytes.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("encoding the %s %s request: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequestWithContext(context.WithValue(ctx, systemKey{}, true), method, path+"?api-version="+apiVersion, rd)
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, req)
	out := json.RawMessage(w.Body.Bytes())
	if w.Code >= 400 {
		var eb ErrorBody
		if json.Unmarshal(out, &eb) == nil && eb.Error != nil {
			eb.Error.Status = w.Code
			return w.Code, out, eb.Error
		}
		return w.Code, out, Errorf(w.Code, "InternalServerError", "%s %s answered %d: %s", method, path, w.Code, strings.TrimSpace(string(out)))
	}
	return w.Code, out, nil
}

// Put creates or updates the resource at path and waits until its
// provisioning has ended; a Failed resource is an error naming it.
func (c *Client) Put(ctx context.Context, path, apiVersion string, body any) (json.RawMessage, error) {
	if _, _, err := c.Do(ctx, http.MethodPut, path, apiVersion, body); err != nil {
		return nil, err
	}
	return c.Await(ctx, path, apiVersion)
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
	status, _, err := c.Do(ctx, http.MethodDelete, path, apiVersion, nil)
	if status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
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
