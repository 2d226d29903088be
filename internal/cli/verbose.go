package cli

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// verboseLog is an SDK pipeline policy that prints az's --verbose INFO
// lines for every HTTP try: URL and method, then status and time taken.
// Headers and bodies (tokens, secrets) are --debug's business.
type verboseLog struct{ w io.Writer }

func (v verboseLog) Do(req *policy.Request) (*http.Response, error) {
	r := req.Raw()
	fmt.Fprintf(v.w, "INFO: Request URL: '%s'\nINFO: Request method: '%s'\n", strings.TrimSuffix(r.URL.Redacted(), "?"), r.Method)
	start := time.Now()
	resp, err := req.Next()
	took := time.Since(start).Seconds()
	if err != nil {
		fmt.Fprintf(v.w, "INFO: Request failed after %.3f seconds: %v\n", took, err)
		return resp, err
	}
	fmt.Fprintf(v.w, "INFO: Response status: %d (%s %s in %.3f seconds)\n", resp.StatusCode, r.Method, r.URL.Path, took)
	return resp, err
}

// logPolicies are the pipeline policies the logging flags ask for:
// --verbose prints each request and response, --debug prints everything
// through azcore's own log (set up by the caller).
func (a *App) logPolicies() []policy.Policy {
	if a.Verbose && !a.Debug {
		return []policy.Policy{verboseLog{a.Stderr}}
	}
	return nil
}
