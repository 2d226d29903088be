package e2e

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

var runtimePoll = runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func newReq(method, url, token string) (*http.Request, error) {
	req, err := http.NewRequest(method, url, nil)
	if err == nil {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
