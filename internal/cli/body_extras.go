package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
)

// Properties newer than the SDK's api-version (API Server VNet Integration
// is in managedClusters 2025-03-01 and later; the SDK speaks 2025-02-01)
// travel as body extras: a PUT made with a context from withBodyExtras is
// sent at that api-version with the extras merged into its body.

type extrasKey struct{}

type bodyExtrasValue struct {
	apiVersion string
	extra      map[string]any
}

// withBodyExtras makes the PUTs sent with ctx carry extra (merged into the
// SDK's body) at apiVersion.
func withBodyExtras(ctx context.Context, apiVersion string, extra map[string]any) context.Context {
	return context.WithValue(ctx, extrasKey{}, bodyExtrasValue{apiVersion: apiVersion, extra: extra})
}

// bodyExtras is the pipeline policy that applies them.
type bodyExtras struct{}

func (bodyExtras) Do(req *policy.Request) (*http.Response, error) {
	e, ok := req.Raw().Context().Value(extrasKey{}).(bodyExtrasValue)
	if !ok || req.Raw().Method != http.MethodPut || req.Body() == nil {
		return req.Next()
	}
	data, err := io.ReadAll(req.Body())
	if err != nil {
		return nil, err
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, err
	}
	merged, err := json.Marshal(mergeJSON(body, e.extra))
	if err != nil {
		return nil, err
	}
	if err := req.SetBody(streaming.NopCloser(bytes.NewReader(merged)), "application/json"); err != nil {
		return nil, err
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", e.apiVersion)
	req.Raw().URL.RawQuery = q.Encode()
	return req.Next()
}

// mergeJSON sets every value of extra into base, objects key by key.
func mergeJSON(base, extra map[string]any) map[string]any {
	for k, v := range extra {
		if em, ok := v.(map[string]any); ok {
			if bm, ok := base[k].(map[string]any); ok {
				base[k] = mergeJSON(bm, em)
				continue
			}
		}
		base[k] = v
	}
	return base
}

// withVnetIntegration sends API Server VNet Integration (enableVnetIntegration
// and, when given, subnetId) with a managed cluster's PUT.
func withVnetIntegration(ctx context.Context, subnetID string) context.Context {
	access := map[string]any{"enableVnetIntegration": true}
	if subnetID != "" {
		access["subnetId"] = subnetID
	}
	return withBodyExtras(ctx, vnetIntegrationAPI, map[string]any{"properties": map[string]any{"apiServerAccessProfile": access}})
}

// vnetIntegrationAPI is the managedClusters api-version the CLI sends API
// Server VNet Integration with (the first stable one is 2025-03-01).
const vnetIntegrationAPI = "2025-07-01"

// integrated tells whether a managed cluster read at vnetIntegrationAPI has
// API Server VNet Integration.
func integrated(raw any) bool {
	m, _ := raw.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	access, _ := props["apiServerAccessProfile"].(map[string]any)
	on, _ := access["enableVnetIntegration"].(bool)
	return on
}
