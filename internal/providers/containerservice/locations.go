package containerservice

import (
	"fmt"
	"net/http"

	"github.com/aksbox/aksbox/internal/arm"
)

// locationRoutes serve the versions a location offers.
func (p *Provider) locationRoutes(s *arm.Server, d arm.KindDeps) {
	base := "/subscriptions/{subscriptionId}/providers/Microsoft.ContainerService/locations/{location}"
	get := []string{http.MethodGet}
	s.Handle(arm.Route{Pattern: base + "/kubernetesVersions", Methods: get, APIVersions: APIVersions, Handler: p.kubernetesVersions})
	s.Handle(arm.Route{Pattern: base + "/orchestrators", Methods: get, APIVersions: APIVersions, Handler: p.orchestrators})
}

func (p *Provider) location(r *arm.Request) (string, error) {
	loc, ok := arm.NormalizeLocation(r.Var("location"))
	if !ok {
		return "", arm.InvalidLocation("location", r.Var("location"))
	}
	return loc, nil
}

// kubernetesVersions is the KubernetesVersionListResult of a location: the
// one minor version aksbox runs, with its patch.
func (p *Provider) kubernetesVersions(w http.ResponseWriter, r *arm.Request) error {
	if _, err := p.location(r); err != nil {
		return err
	}
	v := p.opts.Version
	arm.WriteJSON(w, http.StatusOK, map[string]any{"values": []any{map[string]any{
		"version": v.MinorString(), "isDefault": true, "isPreview": false,
		"capabilities":  map[string]any{"supportPlan": []string{"KubernetesOfficial"}},
		"patchVersions": map[string]any{v.String(): map[string]any{"upgrades": []string{}}},
	}}})
	return nil
}

// orchestrators is the OrchestratorVersionProfileListResult of a location.
func (p *Provider) orchestrators(w http.ResponseWriter, r *arm.Request) error {
	loc, err := p.location(r)
	if err != nil {
		return err
	}
	sub := r.Var("subscriptionId")
	arm.WriteJSON(w, http.StatusOK, map[string]any{
		"id":   fmt.Sprintf("/subscriptions/%s/providers/Microsoft.ContainerService/locations/%s/orchestrators", sub, loc),
		"name": "default", "type": "Microsoft.ContainerService/locations/orchestrators",
		"properties": map[string]any{"orchestrators": []any{map[string]any{
			"orchestratorType": "Kubernetes", "orchestratorVersion": p.opts.Version.String(), "default": true,
			"isPreview": false, "upgrades": []any{}}}},
	})
	return nil
}
