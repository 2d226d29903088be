package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

// Cascade is called when a resource group is deleted, before its records
// are removed, so that a provider can undo what it realized (namespaces,
// processes). Cascades run in the order they were added.
type Cascade func(ctx context.Context, group arm.ResourceID) error

// Provider serves Microsoft.Resources.
type Provider struct {
	rec  *arm.Records
	ops  *arm.Operations
	cat  *arm.Catalog
	dir  Directory
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	cascades []Cascade

	regMu sync.Mutex
	regs  map[string]*registration // see registration
}

// New makes the provider and adds its namespace to the catalog.
func New(rec *arm.Records, ops *arm.Operations, cat *arm.Catalog, dir Directory, opts Options, log *slog.Logger) *Provider {
	p := &Provider{rec: rec, ops: ops, cat: cat, dir: dir, opts: opts, log: log, regs: map[string]*registration{}}
	cat.Add(catalogEntry())
	cat.SetRegistrations(p)
	return p
}

// AddCascade registers work to do when a group is deleted.
func (p *Provider) AddCascade(c Cascade) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cascades = append(p.cascades, c)
}

func groupID(sub, name string) arm.ResourceID {
	return arm.ResourceID{Subscription: sub, ResourceGroup: name}
}

// RequireGroup returns ResourceGroupNotFound or ResourceGroupBeingDeleted
// unless the group exists and stays: what a request into a group must
// check first. It runs before every such request, so it decodes of the
// group only what it checks.
func (p *Provider) RequireGroup(ctx context.Context, sub, name string) error {
	st, err := p.rec.Peek(ctx, groupID(sub, name).String()) // only decoded
	if errors.Is(err, store.ErrNotFound) {
		return arm.GroupNotFound(name)
	}
	if err != nil {
		return err
	}
	var g struct {
		Name       string          `json:"name"`
		Properties GroupProperties `json:"properties"`
	}
	if err := arm.Decode(st, &g); err != nil {
		return fmt.Errorf("decoding group %s: %w", name, err)
	}
	if g.Properties.ProvisioningState == "Deleting" {
		return beingDeleted(g.Name)
	}
	return nil
}

func beingDeleted(name string) *arm.Error {
	return arm.Errorf(http.StatusConflict, "ResourceGroupBeingDeleted",
		"The resource group '%s' is in deprovisioning state and cannot perform this operation; wait for its deletion to finish ('aksbox group wait --deleted -n %s').", name, name)
}

func (p *Provider) routes(s *arm.Server) {
	base := "/subscriptions/{subscriptionId}/resourcegroups"
	s.Handle(arm.Route{Pattern: base, Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: p.listGroups})
	s.Handle(arm.Route{Pattern: base + "/{resourceGroupName}", APIVersions: APIVersions,
		Methods: []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete},
		Handler: p.group})
	s.Handle(arm.Route{Pattern: base + "/{resourceGroupName}/resources", Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: p.listGroupResources})
	s.Handle(arm.Route{Pattern: "/subscriptions/{subscriptionId}/resources", Methods: []string{http.MethodGet}, APIVersions: APIVersions, Handler: p.listSubscriptionResources})
}

func (p *Provider) group(w http.ResponseWriter, r *arm.Request) error {
	name := r.Var("resourceGroupName")
	if err := validGroupName(name); err != nil {
		return err
	}
	id := groupID(r.Var("subscriptionId"), name)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		defer arm.LockResource(id.String())()
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		st, err := p.rec.Get(r.Context(), id.String())
		if errors.Is(err, store.ErrNotFound) {
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusNotFound)
				return nil
			}
			return arm.GroupNotFound(name)
		}
		if err != nil {
			return err
		}
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		w.Header().Set("ETag", st.ETag())
		arm.WriteBody(w, http.StatusOK, st)
		return nil
	case http.MethodPut:
		return p.putGroup(w, r, id)
	case http.MethodPatch:
		return p.patchGroup(w, r, id)
	default:
		return p.deleteGroup(w, r, id)
	}
}

func (p *Provider) putGroup(w http.ResponseWriter, r *arm.Request, id arm.ResourceID) error {
	var in groupInput
	if err := r.Decode(&in); err != nil {
		return err
	}
	loc, err := validateGroupInput(&in)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		status, body, rev, err := p.writeGroup(r, id, &in, loc)
		if arm.IsConflict(err) && r.Header.Get("If-Match") == "" && r.Header.Get("If-None-Match") == "" && attempt < 20 {
			continue // another writer got in between our read and write: read again
		}
		if err != nil {
			return err
		}
		w.Header().Set("ETag", arm.ETagOf(rev))
		arm.WriteJSON(w, status, body)
		return nil
	}
}

func (p *Provider) writeGroup(r *arm.Request, id arm.ResourceID, in *groupInput, loc string) (int, *Group, int64, error) {
	ctx := r.Context()
	cur, err := p.rec.Get(ctx, id.String())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, nil, 0, err
	}
	expect, err := arm.Preconditions(r.Request, cur)
	if err != nil {
		return 0, nil, 0, err
	}
	g := &Group{ID: id.String(), Name: id.ResourceGroup, Type: "Microsoft.Resources/resourceGroups", Location: loc,
		Properties: GroupProperties{ProvisioningState: "Succeeded"}}
	status := http.StatusCreated
	if cur != nil {
		var old Group
		if err := arm.Decode(cur, &old); err != nil {
			return 0, nil, 0, fmt.Errorf("decoding group: %w", err)
		}
		if old.Properties.ProvisioningState == "Deleting" {
			return 0, nil, 0, beingDeleted(old.Name)
		}
		if old.Location != loc {
			return 0, nil, 0, arm.Errorf(http.StatusConflict, "InvalidResourceGroupLocation",
				"Invalid resource group location '%s'. The Resource group already exists in location '%s'.", loc, old.Location)
		}
		// PUT replaces the group: only the stored spelling of its ID stays.
		g.ID, g.Name = old.ID, old.Name
		status = http.StatusOK
	}
	if in.Tags != nil {
		g.Tags = *in.Tags
	}
	if in.ManagedBy != nil {
		g.ManagedBy = *in.ManagedBy
	}
	body, err := json.Marshal(g)
	if err != nil {
		return 0, nil, 0, err
	}
	if cur != nil && string(body) == string(cur.Body) {
		return status, g, cur.Revision, nil // unchanged: keep the ETag
	}
	rev, err := p.rec.Put(ctx, id.String(), arm.Record{Body: body}, expect)
	return status, g, rev, err
}

func (p *Provider) patchGroup(w http.ResponseWriter, r *arm.Request, id arm.ResourceID) error {
	var in groupInput
	if err := r.Decode(&in); err != nil {
		return err
	}
	if in.Tags != nil {
		if err := arm.Join(arm.ValidateTags(*in.Tags)); err != nil {
			return err
		}
	}
	ctx := r.Context()
	for attempt := 0; ; attempt++ {
		cur, err := p.rec.Get(ctx, id.String())
		if errors.Is(err, store.ErrNotFound) {
			return arm.GroupNotFound(id.ResourceGroup)
		}
		if err != nil {
			return err
		}
		expect, err := arm.Preconditions(r.Request, cur)
		if err != nil {
			return err
		}
		var g Group
		if err := arm.Decode(cur, &g); err != nil {
			return err
		}
		if g.Properties.ProvisioningState == "Deleting" {
			return beingDeleted(g.Name)
		}
		if in.Location != nil {
			if l, ok := arm.NormalizeLocation(*in.Location); !ok || l != g.Location {
				return arm.Errorf(http.StatusConflict, "InvalidResourceGroupLocation",
					"Invalid resource group location '%s'. The Resource group already exists in location '%s'; a group cannot move.", *in.Location, g.Location)
			}
		}
		if in.Tags != nil {
			g.Tags = *in.Tags
		}
		if in.ManagedBy != nil {
			g.ManagedBy = *in.ManagedBy
		}
		body, _ := json.Marshal(g)
		rev, err := p.rec.Put(ctx, id.String(), arm.Record{Body: body}, expect)
		if arm.IsConflict(err) && r.Header.Get("If-Match") == "" && attempt < 20 {
			continue
		}
		if err != nil {
			return err
		}
		w.Header().Set("ETag", arm.ETagOf(rev))
		arm.WriteJSON(w, http.StatusOK, g)
		return nil
	}
}

func (p *Provider) listGroups(w http.ResponseWriter, r *arm.Request) error {
	sub := r.Var("subscriptionId")
	list := "/subscriptions/" + sub + "/resourceGroups"
	prefix := arm.ResourceKey(list) + "/"
	all, err := p.rec.Scan(r.Context(), list)
	if err != nil {
		return err
	}
	filter, err := parseTagFilter(r.URL.Query().Get("$filter"))
	if err != nil {
		return err
	}
	var items []json.RawMessage
	for _, s := range all {
		if strings.Contains(strings.TrimPrefix(s.Key, prefix), "/") {
			continue // a resource inside a group, not a group
		}
		st, err := s.Peek() // only read
		if err != nil {
			return err
		}
		if filter != nil && !filter(st.Body) {
			continue
		}
		items = append(items, arm.BodyOf(st))
	}
	return arm.WritePage(w, r, items)
}

// parseTagFilter understands $filter=tagName eq 'k' [and tagValue eq 'v'].
func parseTagFilter(f string) (func(json.RawMessage) bool, error) {
	if f == "" {
		return nil, nil
	}
	var name, value string
	hasValue := false
	for _, clause := range strings.Split(f, " and ") {
		k, v, ok := strings.Cut(strings.TrimSpace(clause), " eq ")
		if !ok {
			return nil, arm.BadRequest("InvalidFilterInQueryString",
				"The $filter '%s' is not supported; use tagName eq 'name' [and tagValue eq 'value'].", f)
		}
		v = strings.Trim(strings.TrimSpace(v), "'")
		switch strings.TrimSpace(k) {
		case "tagName":
			name = v
		case "tagValue":
			value, hasValue = v, true
		default:
			return nil, arm.BadRequest("InvalidFilterInQueryString",
				"The $filter field '%s' is not supported; use tagName and tagValue.", k)
		}
	}
	return func(body json.RawMessage) bool {
		var g struct {
			Tags map[string]string `json:"tags"`
		}
		_ = json.Unmarshal(body, &g)
		v, ok := g.Tags[name]
		return ok && (!hasValue || v == value)
	}, nil
}
