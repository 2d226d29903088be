package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxBody is the largest request body accepted (ARM's own limit is 4 MB).
const maxBody = 4 << 20

// Request is an authenticated, routed ARM request.
type Request struct {
	*http.Request
	vars       map[string]string
	APIVersion string
	Caller     Caller
	// BaseURL is scheme://host of this front door as the client reached it.
	BaseURL string
}

type apiVersionKey struct{}

// APIVersionOf is the api-version of the request ctx belongs to ("" outside
// one), for hooks such as Kind.View that shape a body per version.
func APIVersionOf(ctx context.Context) string {
	v, _ := ctx.Value(apiVersionKey{}).(string)
	return v
}

// Var is a path variable of the matched route (names are case-insensitive).
func (r *Request) Var(name string) string { return r.vars[strings.ToLower(name)] }

// Decode reads the JSON body into v. Errors are ARM's InvalidRequestContent
// naming what was wrong and where; an empty body is an error too.
func (r *Request) Decode(v any) error {
	data, err := readBody(r)
	if err != nil {
		return err
	}
	return DecodeJSON(data, v)
}

// ReadBody reads the raw body (for handlers that keep it, see Sent).
func (r *Request) ReadBody() ([]byte, error) { return readBody(r) }

// DecodeJSON decodes a request body, mapping errors to InvalidRequestContent.
func DecodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return BadRequest("InvalidRequestContent", "The request content was empty; a JSON object is required.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return BadRequest("InvalidRequestContent",
			"The request content was invalid and could not be deserialized: %s.", describeJSONError(err, data))
	}
	if dec.More() {
		return BadRequest("InvalidRequestContent",
			"The request content was invalid and could not be deserialized: unexpected data after the JSON object.")
	}
	return nil
}

func describeJSONError(err error, data []byte) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(data, se.Offset)
		return fmt.Sprintf("%s at line %d, position %d", se.Error(), line, col)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(the body)"
		}
		return fmt.Sprintf("the value at '%s' is a JSON %s but must be %s", field, te.Value, kind(te.Type.String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	default:
		return err.Error()
	}
}

func kind(goType string) string {
	switch {
	case goType == "string" || strings.HasSuffix(goType, "*string"):
		return "a string"
	case strings.HasPrefix(goType, "map[") || strings.HasPrefix(goType, "struct") || strings.Contains(goType, "."):
		return "an object"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "bool":
		return "a boolean (true or false)"
	default:
		return "a number"
	}
}

func position(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off-1 && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
