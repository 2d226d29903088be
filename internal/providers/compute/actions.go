package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/nsexec"
	"github.com/aksbox/aksbox/internal/store"
)

func (p *Provider) actionRoutes(s *arm.Server, d arm.KindDeps) {
	base := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines/{name}"
	guard := func(h arm.Handler) arm.Handler { return d.Guard(Namespace, h) }
	s.Handle(arm.Route{Pattern: base + "/instanceView", Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: guard(p.instanceView)})
	post := []string{http.MethodPost}
	for action, pw := range map[string]string{"start": Running, "powerOff": Stopped, "deallocate": Deallocated, "restart": Running} {
		s.Handle(arm.Route{Pattern: base + "/" + action, Methods: post, APIVersions: APIVersions, Handler: guard(p.power(pw))})
	}
	s.Handle(arm.Route{Pattern: base + "/runCommand", Methods: post, APIVersions: APIVersions, Handler: guard(p.runCommand)})
}

func (p *Provider) vmOf(r *arm.Request) (arm.ResourceID, *arm.Stored, *VM, error) {
	id := arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
		Namespace: Namespace, Types: []string{"virtualMachines"}, Names: []string{r.Var("name")}}
	st, err := p.rec.Get(r.Context(), id.String())
	if errors.Is(err, store.ErrNotFound) {
		return id, nil, nil, arm.NotFound(id)
	}
	if err != nil {
		return id, nil, nil, err
	}
	var v VM
	if err := arm.Decode(st, &v); err != nil {
		return id, nil, nil, err
	}
	id.Names[0] = v.Name
	return id, st, &v, nil
}

func statusesOf(st *arm.Stored) []Status {
	state := arm.State(st.Body)
	ps := power(st)
	display := map[string]string{Running: "VM running", Stopped: "VM stopped", Deallocated: "VM deallocated"}[ps]
	return []Status{
		{Code: "ProvisioningState/" + strings.ToLower(state), Level: "Info", DisplayStatus: "Provisioning " + strings.ToLower(state)},
		{Code: "PowerState/" + ps, Level: "Info", DisplayStatus: display},
	}
}

func (p *Provider) instanceView(w http.ResponseWriter, r *arm.Request) error {
	_, st, v, err := p.vmOf(r)
	if err != nil {
		return err
	}
	arm.WriteJSON(w, http.StatusOK, InstanceView{ComputerName: v.Properties.OSProfile.ComputerName, OSName: "aksbox namespace", Statuses: statusesOf(st)})
	return nil
}

// power starts, stops or deallocates a VM: a stopped VM's NICs are
// unplugged, so nothing reaches it, and plugged in again on start.
func (p *Provider) power(to string) arm.Handler {
	return func(w http.ResponseWriter, r *arm.Request) error {
		ctx := r.Context()
		unlock := arm.LockResource(arm.ResourceID{Subscription: r.Var("subscriptionId"), ResourceGroup: r.Var("resourceGroupName"),
			Namespace: Namespace, Types: []string{"virtualMachines"}, Names: []string{r.Var("name")}}.String())
		id, st, _, err := p.vmOf(r)
		if err != nil {
			unlock()
			return err
		}
		if s := arm.State(st.Body); s == arm.Deleting || s == arm.Updating {
			unlock()
			return arm.Errorf(http.StatusConflict, "OperationNotAllowed", "VM '%s' is %s; try again when that has finished.", id.Name(), strings.ToLower(s))
		}
		in := internalOf(st)
		in.Power = to
		st.Internal, _ = json.Marshal(in)
		op, err := p.ops.Start(ctx, id.Subscription, Namespace, "", id.String(), http.MethodPost)
		if err != nil {
			unlock()
			return err
		}
		_, err = p.rec.Put(ctx, id.String(), st.Record, st.Revision)
		unlock()
		if err != nil {
			_ = p.ops.Finish(context.WithoutCancel(ctx), op.Name, err)
			return err
		}
		p.ops.Go(op.Name, func(ctx context.Context) error {
			cur, err := p.rec.Get(ctx, id.String())
			if err != nil {
				return err
			}
			return p.realizeVM(ctx, id, cur)
		})
		p.ops.Accept(w, r, op, http.StatusAccepted, nil)
		return nil
	}
}

// runCommandInput is the body of POST .../runCommand.
type runCommandInput struct {
	CommandID  string   `json:"commandId"`
	Script     []string `json:"script"`
	Parameters []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"parameters"`
}

// runCommand runs a shell script inside the VM (RunShellScript), as the
// VM agent would, and reports its output the way Azure does.
func (p *Provider) runCommand(w http.ResponseWriter, r *arm.Request) error {
	ctx := r.Context()
	id, st, v, err := p.vmOf(r)
	if err != nil {
		return err
	}
	var in runCommandInput
	if err := r.Decode(&in); err != nil {
		return err
	}
	if !strings.EqualFold(in.CommandID, "RunShellScript") {
		return arm.InvalidParameter("commandId", "The command '%s' is not supported on this Linux VM; use RunShellScript.", in.CommandID)
	}
	if power(st) != Running {
		return arm.Errorf(http.StatusConflict, "OperationNotAllowed", "Cannot run a command on VM '%s': it is %s. Start it first.", v.Name, power(st))
	}
	script := strings.Join(in.Script, "\n")
	var env strings.Builder
	for _, prm := range in.Parameters {
		fmt.Fprintf(&env, "export %s=%s\n", prm.Name, nsexec.Quote(prm.Value))
	}
	op, err := p.ops.Start(ctx, id.Subscription, Namespace, v.Location, id.String(), http.MethodPost)
	if err != nil {
		return err
	}
	p.ops.Go(op.Name, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 90*time.Minute)
		defer cancel()
		out, errOut, code, err := p.mach.Run(ctx, v.ID, env.String()+script, nil)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("Enable succeeded: \n[stdout]\n%s\n[stderr]\n%s\n", out, errOut)
		status := "ProvisioningState/succeeded"
		if code != 0 {
			msg = fmt.Sprintf("Enable failed: exit status %d\n[stdout]\n%s\n[stderr]\n%s\n", code, out, errOut)
		}
		return p.ops.SetResult(ctx, op.Name, map[string]any{"value": []map[string]any{{
			"code": status, "level": "Info", "displayStatus": "Provisioning succeeded", "message": msg}}})
	})
	p.ops.Accept(w, r, op, http.StatusAccepted, nil)
	return nil
}
