package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// deleteGroup starts the asynchronous deletion of a group and everything
// in it, answering 202 with a Location to poll.
func (p *Provider) deleteGroup(w http.ResponseWriter, r *arm.Request, id arm.ResourceID) error {
	ctx := r.Context()
	cur, err := p.rec.Get(ctx, id.String())
	if errors.Is(err, store.ErrNotFound) {
		return arm.GroupNotFound(id.ResourceGroup)
	}
	if err != nil {
		return err
	}
	if _, err := arm.Preconditions(r.Request, cur); err != nil {
		return err
	}
	var g Group
	if err := arm.Decode(cur, &g); err != nil {
		return err
	}
	if g.Properties.ProvisioningState == "Deleting" && cur.Operation != "" {
		if op, err := p.ops.Get(ctx, cur.Operation); err == nil && !op.Done() {
			p.ops.AcceptWithLocation(w, r, id.Subscription, op)
			return nil
		}
	}
	op, err := p.ops.Start(ctx, id.Subscription, Namespace, g.Location, id.String(), http.MethodDelete)
	if err != nil {
		return err
	}
	g.Properties.ProvisioningState = "Deleting"
	body, _ := json.Marshal(g)
	if _, err := p.rec.Put(ctx, id.String(), arm.Record{Body: body, Operation: op.Name}, cur.Revision); err != nil {
		_ = p.ops.Finish(context.WithoutCancel(ctx), op.Name, err)
		return err
	}
	p.ops.Go(op.Name, func(ctx context.Context) error { return p.purge(ctx, id) })
	p.ops.AcceptWithLocation(w, r, id.Subscription, op)
	return nil
}

// purge undoes and removes everything in a group, then the group. When it
// fails the group is left Failed (not stuck Deleting), so it can be
// deleted again.
func (p *Provider) purge(ctx context.Context, id arm.ResourceID) error {
	err := p.purgeContents(ctx, id)
	if err != nil && ctx.Err() == nil {
		p.markFailed(context.WithoutCancel(ctx), id)
	}
	return err
}

func (p *Provider) markFailed(ctx context.Context, id arm.ResourceID) {
	defer arm.LockResource(id.String())()
	st, err := p.rec.Get(ctx, id.String())
	if err != nil {
		return
	}
	var g Group
	if arm.Decode(st, &g) != nil {
		return
	}
	g.Properties.ProvisioningState = "Failed"
	body, _ := json.Marshal(g)
	if _, err := p.rec.Put(ctx, id.String(), arm.Record{Body: body}, st.Revision); err != nil {
		p.log.Error("marking group failed", "group", id.ResourceGroup, "err", err)
	}
}

func (p *Provider) purgeContents(ctx context.Context, id arm.ResourceID) error {
	p.mu.Lock()
	cascades := append([]Cascade(nil), p.cascades...)
	p.mu.Unlock()
	for _, c := range cascades {
		if err := c(ctx, id); err != nil {
			return fmt.Errorf("deleting resources of group %s: %w", id.ResourceGroup, err)
		}
	}
	if err := p.rec.DeleteUnder(ctx, id.String()); err != nil {
		return err
	}
	if err := p.rec.Delete(ctx, id.String(), -1); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	p.log.Info("resource group deleted", "group", id.ResourceGroup)
	return nil
}

// Resume restarts group deletions that a stopped server left unfinished.
func (p *Provider) Resume(ctx context.Context) error {
	for _, d := range p.dir.Subscriptions {
		list := "/subscriptions/" + d.ID + "/resourceGroups"
		prefix := arm.ResourceKey(list) + "/"
		all, err := p.rec.List(ctx, list)
		if err != nil {
			return err
		}
		for _, st := range all {
			if st.Operation == "" || len(st.Key) <= len(prefix) || strings.Contains(st.Key[len(prefix):], "/") {
				continue
			}
			var g Group
			if arm.Decode(st, &g) != nil || g.Properties.ProvisioningState != "Deleting" {
				continue
			}
			op, err := p.ops.Get(ctx, st.Operation)
			if err != nil || op.Done() {
				continue
			}
			id := groupID(d.ID, g.Name)
			p.log.Info("resuming deletion of resource group", "group", g.Name)
			p.ops.Go(op.Name, func(ctx context.Context) error { return p.purge(ctx, id) })
		}
	}
	return nil
}
