package containerregistry

import (
	"context"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/registry"
)

// Roles of ACR's data plane, by built-in role name.
const (
	roleAcrPull = "AcrPull"
	roleAcrPush = "AcrPush"
)

// Access is how the provider learns who may use a registry: whether a
// principal owns a subscription (every service principal of the directory
// owns its subscriptions), and whether it holds one of roles at a scope.
type Access struct {
	OwnsSubscription func(principal, subscription string) bool
	Holds            func(ctx context.Context, principal, target string, roles ...string) (bool, error)
}

// UseAccess sets how data-plane access is decided.
func (p *Provider) UseAccess(a Access) { p.access = a }

// Lookup finds a registry by name for the data plane.
func (p *Provider) Lookup(ctx context.Context, name string) (registry.Info, bool, error) {
	st, err := p.storedByName(ctx, name)
	if err != nil || st == nil {
		return registry.Info{}, false, err
	}
	reg := decodeStored(st)
	if reg == nil || arm.State(st.Body) == arm.Deleting {
		return registry.Info{}, false, nil
	}
	keep := internalOf(st)
	info := registry.Info{ID: reg.ID, Name: reg.Name, LoginServer: reg.Properties.LoginServer, UID: keep.UID,
		Public: reg.Public(), AnonymousPull: reg.Properties.AnonymousPullEnabled}
	if reg.Properties.AdminUserEnabled {
		info.AdminPasswords = keep.Passwords
	}
	return info, true, nil
}

// Access tells what a principal may do in a registry: push and pull as an
// owner of its subscription or with AcrPush (or Owner, Contributor at a
// scope above), pull with AcrPull.
func (p *Provider) Access(ctx context.Context, principal string, info registry.Info) (bool, bool, error) {
	id, err := arm.ParseID(info.ID)
	if err != nil {
		return false, false, err
	}
	if p.access.OwnsSubscription != nil && p.access.OwnsSubscription(principal, id.Subscription) {
		return true, true, nil
	}
	if p.access.Holds == nil {
		return false, false, nil
	}
	push, err := p.access.Holds(ctx, principal, info.ID, roleAcrPush)
	if err != nil || push {
		return push, push, err
	}
	pull, err := p.access.Holds(ctx, principal, info.ID, roleAcrPull)
	return pull, false, err
}
