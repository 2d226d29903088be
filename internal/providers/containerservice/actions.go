package containerservice

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/nsexec"
	"github.com/aksbox/aksbox/internal/providers/compute"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
)

func (p *Provider) actionRoutes(s *arm.Server, d arm.KindDeps) {
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{name}"
	guard := func(h arm.Handler) arm.Handler { return d.Guard(Namespace, h) }
	post := []string{http.MethodPost}
	route := func(path string, methods []string, h arm.Handler) {
		s.Handle(arm.Route{Pattern: base + path, Methods: methods, APIVersions: APIVersions, Handler: guard(h)})
	}
	route("/listClusterUserCredential", post, p.credentials("clusterUser", false))
	route("/listClusterAdminCredential", post, p.credentials("clusterAdmin", true))
	route("/start", post, p.power(Running))
	route("/stop", post, p.power(Stopped))
	route("/runCommand", post, p.runCommand)
	route("/commandResults/{command}", []string{http.MethodGet}, p.commandResult)
}

// clusterOf reads the cluster a request names.
func (p *Provider) clusterOf(r *arm.Request) (arm.ResourceID, *arm.Stored, *Cluster, internal, error) {
	id := arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
		Namespace: Namespace, Types: []string{"managedClusters"}, Names: []string{r.Var("name")}}
	st, err := p.rec.Get(r.Context(), id.String())
	if errors.Is(err, store.ErrNotFound) {
		return id, nil, nil, internal{}, arm.NotFound(id)
	}
	if err != nil {
		return id, nil, nil, internal{}, err
	}
	c, in, err := decodeCluster(st)
	if err != nil {
		return id, nil, nil, internal{}, err
	}
	id.Names[0] = c.Name
	return id, st, c, in, nil
}

// settled refuses actions on a cluster that is being changed or failed.
func settled(c *Cluster, what string) error {
	switch c.Properties.ProvisioningState {
	case arm.Succeeded:
		return nil
	case arm.Failed:
		return arm.Errorf(http.StatusConflict, "OperationNotAllowed", "Cannot %s: managed cluster '%s' is in Failed state; delete it or update it to retry.", what, c.Name)
	}
	return arm.Errorf(http.StatusConflict, "OperationNotAllowed", "Cannot %s: managed cluster '%s' is %s; wait for that operation to finish ('aksbox aks wait').", what, c.Name, c.Properties.ProvisioningState)
}

// preparedCluster is the control plane's PKI of a realized cluster.
func (p *Provider) preparedCluster(r *arm.Request, id arm.ResourceID, c *Cluster, in internal) (*controlplane.Cluster, *layout, error) {
	l := p.layout(id, c, in)
	cl, err := controlplane.Load(l.dir)
	if err != nil {
		return nil, nil, arm.Errorf(http.StatusConflict, "OperationNotAllowed", "The credentials of managed cluster '%s' are not ready yet; wait for its creation to finish.", c.Name)
	}
	return cl, l, nil
}

// credentials lists the user or admin kubeconfig, as AKS does.
func (p *Provider) credentials(kind string, admin bool) arm.Handler {
	return func(w http.ResponseWriter, r *arm.Request) error {
		id, _, c, in, err := p.clusterOf(r)
		if err != nil {
			return err
		}
		cl, _, err := p.preparedCluster(r, id, c, in)
		if err != nil {
			return err
		}
		server := "https://" + apiServerName(c) + ":443"
		if strings.EqualFold(r.URL.Query().Get("server-fqdn"), "public") && c.Private() {
			if c.Properties.Fqdn == "" {
				return arm.BadRequest("BadRequest",
					"Managed cluster '%s' has no public FQDN (enablePrivateClusterPublicFQDN is false): get credentials without --public-fqdn, or enable it with 'aksbox aks update --enable-public-fqdn'.", c.Name)
			}
			server = "https://" + c.Properties.Fqdn + ":443"
		}
		if !c.Private() { // aksbox has no public DNS: the kubeconfig names the public IP
			ip, err := p.apiAddress(r.Context(), c, p.layout(id, c, in))
			if err != nil {
				return err
			}
			server = "https://" + ip.String() + ":443"
		}
		user := kind + "_" + id.ResourceGroup + "_" + c.Name
		var cfg []byte
		if admin {
			cfg, err = cl.AdminKubeconfig(c.Name, user, server)
		} else {
			cfg, err = cl.UserKubeconfig(c.Name, user, server)
		}
		if err != nil {
			return err
		}
		arm.WriteJSON(w, http.StatusOK, map[string]any{"kubeconfigs": []any{
			map[string]string{"name": kind, "value": base64.StdEncoding.EncodeToString(cfg)}}})
		return nil
	}
}

// power starts or stops a cluster: stopping ends the control plane and the
// node agents and deallocates the nodes; starting brings them back.
func (p *Provider) power(to string) arm.Handler {
	return func(w http.ResponseWriter, r *arm.Request) error {
		unlock := arm.LockResource(arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
			Namespace: Namespace, Types: []string{"managedClusters"}, Names: []string{r.Var("name")}}.String())
		defer unlock()
		id, st, c, in, err := p.clusterOf(r)
		if err != nil {
			return err
		}
		if err := settled(c, map[string]string{Running: "start", Stopped: "stop"}[to]); err != nil {
			return err
		}
		if in.Power == to {
			return arm.Errorf(http.StatusConflict, "OperationNotAllowed", "Managed cluster '%s' is already %s.", c.Name, strings.ToLower(to))
		}
		if to == Running {
			if err := p.startNodes(r.Context(), p.layout(id, c, in)); err != nil {
				return err
			}
		}
		in.Power = to
		if to == Running && c.VnetIntegrated() {
			in.Projected = true // an update's VNet integration takes effect at the next start
		}
		c.Properties.PowerState = &PowerState{Code: to}
		for _, pool := range c.Properties.AgentPoolProfiles {
			pool.PowerState = &PowerState{Code: to}
		}
		rec := st.Record
		if rec.Body, err = json.Marshal(c); err != nil {
			return err
		}
		if rec.Internal, err = json.Marshal(in); err != nil {
			return err
		}
		op, _, err := p.clusters.Write(r.Context(), id, rec, st.Revision)
		if err != nil {
			return err
		}
		p.ops.Accept(w, r, op, http.StatusAccepted, nil)
		return nil
	}
}

// startNodes starts the deallocated node VMs of a stopped cluster.
func (p *Provider) startNodes(ctx context.Context, l *layout) error {
	vms, err := p.nodeVMs(ctx, l)
	if err != nil {
		return err
	}
	for _, vm := range vms {
		if _, _, err := p.arm.Do(ctx, http.MethodPost, vm+"/start", compute.ServiceAPIVersion, nil); err != nil {
			return fmt.Errorf("starting node %s: %w", vm, err)
		}
	}
	return nil
}

// commandRequest is the body of runCommand.
type commandRequest struct {
	Command      string `json:"command"`
	Context      string `json:"context"`
	ClusterToken string `json:"clusterToken"`
}

// commandResult is a RunCommandResult.
type commandResult struct {
	ID         string        `json:"id"`
	Properties commandStatus `json:"properties"`
}

type commandStatus struct {
	ProvisioningState string     `json:"provisioningState"`
	ExitCode          int        `json:"exitCode"`
	StartedAt         time.Time  `json:"startedAt"`
	FinishedAt        *time.Time `json:"finishedAt,omitempty"`
	Logs              string     `json:"logs"`
	Reason            string     `json:"reason,omitempty"`
}

// runCommand runs a command with kubectl at hand inside the cluster's
// network (a node of the cluster), with the admin credentials, as AKS's
// command pod does, and keeps its result under commandResults.
func (p *Provider) runCommand(w http.ResponseWriter, r *arm.Request) error {
	ctx := r.Context()
	id, _, c, in, err := p.clusterOf(r)
	if err != nil {
		return err
	}
	var req commandRequest
	if err := r.Decode(&req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Command) == "" {
		return arm.InvalidParameter("command", "The command to run is empty; pass one such as 'kubectl get pods -A'.")
	}
	if err := settled(c, "run a command"); err != nil {
		return err
	}
	if in.Power == Stopped {
		return arm.Errorf(http.StatusConflict, "OperationNotAllowed", "Cannot run a command: managed cluster '%s' is stopped. Start it first ('aksbox aks start').", c.Name)
	}
	cl, l, err := p.preparedCluster(r, id, c, in)
	if err != nil {
		return err
	}
	nodes := nodesOf(c, l)
	if len(nodes) == 0 {
		return arm.Errorf(http.StatusConflict, "OperationNotAllowed", "Managed cluster '%s' has no nodes to run the command on.", c.Name)
	}
	op, err := p.ops.Start(ctx, id.Subscription, Namespace, c.Location, id.String(), http.MethodPost)
	if err != nil {
		return err
	}
	result := commandResult{ID: commandID(op.Name), Properties: commandStatus{ProvisioningState: "Running", StartedAt: time.Now().UTC()}}
	_ = p.ops.SetResult(ctx, op.Name, result)
	p.ops.Go(op.Name, func(ctx context.Context) error {
		out, code, rerr := p.execute(ctx, c, l, cl, nodes[0].vm, req)
		end := time.Now().UTC()
		result.Properties.FinishedAt, result.Properties.ExitCode, result.Properties.Logs = &end, code, out
		result.Properties.ProvisioningState = arm.Succeeded
		if rerr != nil {
			result.Properties.ProvisioningState, result.Properties.Reason = arm.Failed, rerr.Error()
		}
		return p.ops.SetResult(context.WithoutCancel(ctx), op.Name, result)
	})
	loc := r.BaseURL + id.String() + "/commandResults/" + commandID(op.Name) + "?api-version=" + r.APIVersion
	p.ops.AcceptAt(w, r, op, http.StatusAccepted, loc, nil)
	return nil
}

// execute runs the command with a kubeconfig of the admin credentials
// pointing at the private FQDN, as root in one of the cluster's node VMs
// (a public cluster's, in the API server's own network: its nodes have no
// path to it).
func (p *Provider) execute(ctx context.Context, c *Cluster, l *layout, cl *controlplane.Cluster, vm string, req commandRequest) (string, int, error) {
	host := apiServerName(c)
	if !c.Private() {
		_, nic, err := p.arm.Do(ctx, http.MethodGet, l.cpNIC, network.ServiceAPIVersion, nil)
		if err != nil {
			return "", 0, err
		}
		ip, err := nicIP(nic)
		if err != nil {
			return "", 0, err
		}
		host = ip.String()
	}
	cfg, err := cl.AdminKubeconfig(c.Name, "clusterAdmin_"+l.id.ResourceGroup+"_"+c.Name, "https://"+host+":443")
	if err != nil {
		return "", 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	stage := func(dir string) error {
		if err := os.WriteFile(filepath.Join(dir, "kubeconfig"), cfg, 0o600); err != nil {
			return err
		}
		return unpackContext(req.Context, dir)
	}
	if c.Private() {
		work := "/tmp/command-" + uuid.NewString()[:8]
		stdout, stderr, code, err := p.run.RunInVM(ctx, vm, work, stage, "cd "+nsexec.Quote(work)+" && "+req.Command,
			[]string{"KUBECONFIG=" + work + "/kubeconfig", "HOME=" + work})
		return stdout + stderr, code, err
	}
	work, err := os.MkdirTemp(l.dir, "command-")
	if err != nil {
		return "", 0, err
	}
	defer os.RemoveAll(work)
	if err := stage(work); err != nil {
		return "", 0, err
	}
	stdout, stderr, code, err := p.run.RunEnv(ctx, p.fab.HostNamespace(l.cpVM), "cd "+nsexec.Quote(work)+" && "+req.Command,
		[]string{"KUBECONFIG=" + work + "/kubeconfig", "HOME=" + work})
	return stdout + stderr, code, err
}

// commandID is the ID of a command run by operation opName: AKS's 32 hex
// digits without dashes (az reads it from the Location header with \w*).
func commandID(opName string) string { return strings.ReplaceAll(opName, "-", "") }

// commandOperation is the operation of a command ID (either spelling).
func commandOperation(id string) string {
	if len(id) != 32 {
		return id
	}
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
}

// commandResult answers GET commandResults/{id}: 202 while running, the
// result once done.
func (p *Provider) commandResult(w http.ResponseWriter, r *arm.Request) error {
	id, _, _, _, err := p.clusterOf(r)
	if err != nil {
		return err
	}
	op, err := p.ops.Poll(r.Context(), commandOperation(r.Var("command")))
	if err != nil || !strings.EqualFold(op.ResourceID, id.String()) || len(op.Result) == 0 {
		return arm.Errorf(http.StatusNotFound, "NotFound", "Command '%s' of managed cluster '%s' was not found; its ID is the one 'aks command invoke' printed.", r.Var("command"), id.Name())
	}
	if !op.Done() {
		w.Header().Set("Location", r.BaseURL+r.URL.RequestURI())
		arm.SetNextPoll(w.Header())
		arm.WriteJSON(w, http.StatusAccepted, op.Result)
		return nil
	}
	arm.WriteJSON(w, http.StatusOK, op.Result)
	return nil
}
