package arm

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// DefaultPageSize is how many items a list returns before a nextLink.
var DefaultPageSize = 100

// WritePage sends one page of items as {"value":[...],"nextLink":"..."},
// honouring $top and continuing from $skiptoken.
func WritePage(w http.ResponseWriter, r *Request, items []json.RawMessage) error {
	q := r.URL.Query()
	start := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return BadRequest("InvalidSkipToken", "The $skiptoken '%s' is not one this server issued; start the list again without it.", tok)
		}
		start = n
	}
	size := DefaultPageSize
	if top := q.Get("$top"); top != "" {
		n, err := strconv.Atoi(top)
		if err != nil || n < 1 {
			return BadRequest("InvalidTopParameter", "The $top '%s' must be a positive whole number.", top)
		}
		if n < size {
			size = n
		}
	}
	if start > len(items) {
		start = len(items)
	}
	end := min(start+size, len(items))
	page := struct {
		Value    []json.RawMessage `json:"value"`
		NextLink string            `json:"nextLink,omitempty"`
	}{Value: items[start:end]}
	if page.Value == nil {
		page.Value = []json.RawMessage{}
	}
	if end < len(items) && q.Get("$top") == "" {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("$skiptoken", strconv.Itoa(end))
		page.NextLink = r.BaseURL + r.URL.Path + "?" + next.Encode()
	}
	WriteJSON(w, http.StatusOK, page)
	return nil
}
