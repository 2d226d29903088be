package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// armFailure is an ARM error as the CLI shows it.
type armFailure struct {
	Status  int
	Code    string
	Message string
}

// asARMFailure extracts the ARM error envelope of a failed call, if any.
func asARMFailure(err error) (armFailure, bool) {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return armFailure{}, false
	}
	f := armFailure{Status: re.StatusCode, Code: re.ErrorCode}
	if re.RawResponse != nil {
		if body, berr := runtime.Payload(re.RawResponse); berr == nil {
			var env struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal(body, &env) == nil && env.Error.Code != "" {
				f.Code, f.Message = env.Error.Code, env.Error.Message
			}
		}
	}
	if f.Message == "" {
		f.Message = http.StatusText(re.StatusCode)
	}
	return f, true
}

// printARMError prints err the way az does and returns the exit code:
// 3 for a resource that was not found, 1 otherwise.
func printARMError(w io.Writer, err error) int {
	if f, ok := asARMFailure(err); ok {
		fmt.Fprintf(w, "ERROR: (%s) %s\nCode: %s\nMessage: %s\n", f.Code, f.Message, f.Code, f.Message)
		if f.Status == http.StatusNotFound {
			return 3
		}
		return 1
	}
	msg := err.Error()
	// azidentity errors are long; keep their first line and the cause.
	if i := strings.Index(msg, "\n"); i > 0 && strings.Contains(msg, "ClientSecretCredential") {
		msg = msg[:i]
	}
	fmt.Fprintf(w, "ERROR: %s\n", msg)
	return 1
}

// isNotFound tells whether err is an ARM 404.
func isNotFound(err error) bool {
	f, ok := asARMFailure(err)
	return ok && f.Status == http.StatusNotFound
}
