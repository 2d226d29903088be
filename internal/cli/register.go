package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// registerAPIVersion is the Microsoft.Resources version of the register
// and get calls (az 2.45's own provider commands use it).
const registerAPIVersion = "2021-04-01"

// autoRegister is an SDK pipeline policy that does what az's pipeline
// does when ARM answers 409 MissingSubscriptionRegistration: it says so,
// registers the namespace, waits until the subscription is Registered,
// says so, and sends the request once more. If the register call fails
// the original answer stands.
type autoRegister struct {
	warn     func(format string, args ...any)
	pipeline runtime.Pipeline // without this policy: its calls are not retried here
	every    time.Duration    // between two reads of the registration state
	limit    time.Duration    // how long to wait for Registered
}

// withAutoRegister returns opts with the auto-registration policy added
// to every call; its own calls go through a pipeline made from opts.
func (a *App) withAutoRegister(cred azcore.TokenCredential, opts *arm.ClientOptions) (*arm.ClientOptions, error) {
	pl, err := armPipeline(cred, opts)
	if err != nil {
		return nil, err
	}
	with := *opts
	with.PerCallPolicies = append(append([]policy.Policy(nil), opts.PerCallPolicies...),
		&autoRegister{warn: a.Warn, pipeline: pl, every: time.Second, limit: 5 * time.Minute})
	return &with, nil
}

func (p *autoRegister) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil {
		return resp, err
	}
	ns := unregisteredNamespace(resp)
	sub := subscriptionOf(req.Raw().URL.Path)
	if ns == "" || sub == "" {
		return resp, nil
	}
	u := req.Raw().URL
	base := u.Scheme + "://" + u.Host + "/subscriptions/" + url.PathEscape(sub) + "/providers/" + url.PathEscape(ns)
	// The caller's context may carry per-call values (a captured
	// response, say) that belong to its request, not to these.
	ctx := bareContext{req.Raw().Context()}
	p.warn("Resource provider '%s' used by this operation is not registered. We are registering for you.", ns)
	state, err := p.providerState(ctx, http.MethodPost, base+"/register")
	if err != nil {
		p.warn("Registration failed. Please register manually.")
		return resp, nil
	}
	if err := p.waitRegistered(ctx, base, ns, state); err != nil {
		return nil, err
	}
	p.warn("Registration succeeded.")
	if err := req.RewindBody(); err != nil {
		return nil, fmt.Errorf("sending the request again: %w", err)
	}
	return req.Next()
}

// waitRegistered reads the namespace's state until it is Registered.
func (p *autoRegister) waitRegistered(ctx context.Context, base, ns, state string) error {
	deadline := time.Now().Add(p.limit)
	for !strings.EqualFold(state, "Registered") {
		if time.Now().After(deadline) {
			return fmt.Errorf("resource provider '%s' is still %s after %s; see 'aksbox provider show -n %s'", ns, state, p.limit, ns)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.every):
		}
		var err error
		if state, err = p.providerState(ctx, http.MethodGet, base); err != nil {
			return fmt.Errorf("reading the registration of %s: %w", ns, err)
		}
	}
	return nil
}

// providerState makes one provider call and returns its registrationState.
func (p *autoRegister) providerState(ctx context.Context, method, u string) (string, error) {
	req, err := runtime.NewRequest(ctx, method, u)
	if err != nil {
		return "", err
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", registerAPIVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := p.pipeline.Do(req)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", runtime.NewResponseError(resp)
	}
	var prov struct {
		RegistrationState string `json:"registrationState"`
	}
	if err := runtime.UnmarshalAsJSON(resp, &prov); err != nil {
		return "", err
	}
	return prov.RegistrationState, nil
}

var (
	namespaceName     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$`)
	namespaceInText   = regexp.MustCompile(`namespace '([^']+)'`)
	subscriptionInURL = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/`)
)

// unregisteredNamespace is the namespace a 409 MissingSubscriptionRegistration
// names (its first detail's target, else the message's "namespace '...'"),
// or "" for any other answer.
func unregisteredNamespace(resp *http.Response) string {
	if resp.StatusCode != http.StatusConflict {
		return ""
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return ""
	}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details []struct {
				Target string `json:"target"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || !strings.EqualFold(env.Error.Code, "MissingSubscriptionRegistration") {
		return ""
	}
	ns := ""
	if len(env.Error.Details) > 0 {
		ns = env.Error.Details[0].Target
	}
	if ns == "" {
		if m := namespaceInText.FindStringSubmatch(env.Error.Message); m != nil {
			ns = m[1]
		}
	}
	if !namespaceName.MatchString(ns) {
		return ""
	}
	return ns
}

// subscriptionOf is the subscription ID of an ARM path, or "".
func subscriptionOf(path string) string {
	if m := subscriptionInURL.FindStringSubmatch(path); m != nil {
		return m[1]
	}
	return ""
}

// bareContext keeps a context's deadline and cancellation, not its values.
type bareContext struct{ context.Context }

func (bareContext) Value(any) any { return nil }
