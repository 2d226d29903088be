package containerservice

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// AgentPool is an agent pool as the agentPools child resource shows it.
type AgentPool struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties *Pool  `json:"properties"`
}

// poolRoutes serve agentPools: views of the cluster's agentPoolProfiles,
// written through the cluster so its nodes follow.
func (p *Provider) poolRoutes(s *arm.Server, d arm.KindDeps) {
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{name}/agentPools"
	guard := func(h arm.Handler) arm.Handler { return d.Guard(Namespace, h) }
	s.Handle(arm.Route{Pattern: base, Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: guard(p.listPools)})
	s.Handle(arm.Route{Pattern: base + "/{pool}", Methods: []string{http.MethodGet, http.MethodPut, http.MethodDelete},
		APIVersions: APIVersions, Handler: guard(p.pool)})
}

func poolView(id arm.ResourceID, c *Cluster, pool *Pool) AgentPool {
	out := *pool
	out.Name = ""
	out.ProvisioningState = c.Properties.ProvisioningState
	return AgentPool{ID: id.Child("agentPools", pool.Name).String(), Name: pool.Name,
		Type: "Microsoft.ContainerService/managedClusters/agentPools", Properties: &out}
}

// poolBody is the agent pool a client sees: its view over what was sent
// for it (kept in the cluster's kept body).
func poolBody(id arm.ResourceID, st *arm.Stored, c *Cluster, pool *Pool) json.RawMessage {
	v := poolView(id, c, pool)
	v.Properties.ETag = arm.BareETagOf(st.Revision)
	b, _ := json.Marshal(v)
	return arm.Overlay(arm.ChildSent(st.Sent, "agentPoolProfiles", pool.Name, true), b)
}

func findPool(c *Cluster, name string) int {
	for i, pool := range c.Properties.AgentPoolProfiles {
		if strings.EqualFold(pool.Name, name) {
			return i
		}
	}
	return -1
}

func (p *Provider) listPools(w http.ResponseWriter, r *arm.Request) error {
	id, st, c, _, err := p.clusterOf(r)
	if err != nil {
		return err
	}
	var items []json.RawMessage
	for _, pool := range c.Properties.AgentPoolProfiles {
		items = append(items, poolBody(id, st, c, pool))
	}
	return arm.WritePage(w, r, items)
}

func (p *Provider) pool(w http.ResponseWriter, r *arm.Request) error {
	if r.Method != http.MethodGet {
		defer arm.LockResource(arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
			Namespace: Namespace, Types: []string{"managedClusters"}, Names: []string{r.Var("name")}}.String())()
	}
	id, st, c, _, err := p.clusterOf(r)
	if err != nil {
		return err
	}
	name := r.Var("pool")
	i := findPool(c, name)
	switch r.Method {
	case http.MethodGet:
		if i < 0 {
			return arm.NotFound(id.Child("agentPools", name))
		}
		arm.WriteJSON(w, http.StatusOK, poolBody(id, st, c, c.Properties.AgentPoolProfiles[i]))
		return nil
	case http.MethodDelete:
		if i < 0 {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		if err := settled(c, "delete agent pool "+name); err != nil {
			return err
		}
		pools := append(append([]*Pool{}, c.Properties.AgentPoolProfiles[:i]...), c.Properties.AgentPoolProfiles[i+1:]...)
		system := false
		for _, pp := range pools {
			system = system || strings.EqualFold(pp.Mode, "System")
		}
		if !system {
			return arm.BadRequest("OperationNotAllowed", "Agent pool '%s' is the cluster's last System pool and cannot be deleted; add another System pool first.", name)
		}
		st.Sent = arm.WithChildSent(st.Sent, "agentPoolProfiles", c.Properties.AgentPoolProfiles[i].Name, nil, true)
		c.Properties.AgentPoolProfiles = pools
		return p.writePools(w, r, id, st, c, http.StatusAccepted, nil)
	}
	var in struct {
		Properties *Pool `json:"properties"`
	}
	data, err := r.ReadBody()
	if err != nil {
		return err
	}
	if err := arm.DecodeJSON(data, &in); err != nil {
		return err
	}
	if in.Properties == nil {
		in.Properties = &Pool{}
	}
	if err := settled(c, "change agent pool "+name); err != nil {
		return err
	}
	pool := in.Properties
	pool.Name = name
	if i >= 0 {
		pool.Name = c.Properties.AgentPoolProfiles[i].Name
		if pool.VnetSubnetID == "" {
			pool.VnetSubnetID = c.Properties.AgentPoolProfiles[i].VnetSubnetID
		}
	} else if pool.VnetSubnetID == "" && len(c.Properties.AgentPoolProfiles) > 0 {
		pool.VnetSubnetID = c.Properties.AgentPoolProfiles[0].VnetSubnetID
	}
	if pool.Mode == "" {
		pool.Mode = "User"
	}
	if err := arm.Join(checkPool("properties", pool.Name, pool)); err != nil {
		return err
	}
	if pool.VnetSubnetID != "" && len(c.Properties.AgentPoolProfiles) > 0 && !strings.EqualFold(pool.VnetSubnetID, c.Properties.AgentPoolProfiles[0].VnetSubnetID) {
		return arm.InvalidParameter("properties.vnetSubnetID", "Agent pool '%s' must use the cluster's node subnet %s: aksbox clusters keep every pool in one subnet.",
			pool.Name, c.Properties.AgentPoolProfiles[0].VnetSubnetID)
	}
	poolDefaults(pool, c.Properties.NetworkProfile.NetworkPlugin, c.Properties.KubernetesVersion)
	pool.PowerState, pool.CurrentOrchVersion = &PowerState{Code: Running}, p.opts.Version.String()
	pool.NodeImageVersion = nodeImage
	var prevSent, prevModel json.RawMessage
	if i >= 0 {
		prevSent = arm.ChildSent(st.Sent, "agentPoolProfiles", pool.Name, true)
		prevModel, _ = json.Marshal(poolView(id, c, c.Properties.AgentPoolProfiles[i]))
	}
	st.Sent = arm.WithChildSent(st.Sent, "agentPoolProfiles", pool.Name, arm.SentOver(data, prevSent, prevModel), true)
	status := http.StatusCreated
	if i >= 0 {
		c.Properties.AgentPoolProfiles[i] = pool
		status = http.StatusOK
	} else {
		c.Properties.AgentPoolProfiles = append(c.Properties.AgentPoolProfiles, pool)
	}
	return p.writePools(w, r, id, st, c, status, pool)
}

// writePools stores the cluster with its changed pools and realizes it.
func (p *Provider) writePools(w http.ResponseWriter, r *arm.Request, id arm.ResourceID, st *arm.Stored, c *Cluster, status int, pool *Pool) error {
	rec := st.Record
	var err error
	if rec.Body, err = json.Marshal(c); err != nil {
		return err
	}
	op, _, err := p.clusters.Write(r.Context(), id, rec, st.Revision)
	if err != nil {
		return err
	}
	var body any
	if pool != nil {
		c.Properties.ProvisioningState = arm.Updating
		b, _ := json.Marshal(poolView(id, c, pool))
		body = arm.Overlay(arm.ChildSent(rec.Sent, "agentPoolProfiles", pool.Name, true), b)
	}
	p.ops.Accept(w, r, op, status, body)
	return nil
}
