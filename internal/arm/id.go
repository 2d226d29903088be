package arm

import (
	"net/http"
	"strings"
)

// ResourceID is a parsed ARM resource ID:
// /subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}[/{type}/{name}...].
// Names keep the case they were given; comparisons are case-insensitive.
type ResourceID struct {
	Subscription  string
	ResourceGroup string
	Namespace     string
	Types         []string
	Names         []string
}

// ParseID parses a resource group or provider resource ID.
func ParseID(s string) (ResourceID, error) {
	bad := func(why string) (ResourceID, error) {
		return ResourceID{}, BadRequest("InvalidResourceId",
			"The resource ID '%s' is not valid: %s. A resource ID looks like /subscriptions/{subscriptionId}/resourceGroups/{group}/providers/{namespace}/{type}/{name}.", s, why)
	}
	parts := strings.Split(strings.Trim(s, "/"), "/")
	if len(parts) < 2 || !strings.EqualFold(parts[0], "subscriptions") || parts[1] == "" {
		return bad("it does not start with /subscriptions/{subscriptionId}")
	}
	id := ResourceID{Subscription: parts[1]}
	rest := parts[2:]
	if len(rest) >= 2 && strings.EqualFold(rest[0], "resourceGroups") {
		id.ResourceGroup = rest[1]
		rest = rest[2:]
	}
	if len(rest) == 0 {
		return id, nil
	}
	if !strings.EqualFold(rest[0], "providers") || len(rest) < 4 || len(rest)%2 != 0 {
		return bad("expected providers/{namespace}/{type}/{name} pairs")
	}
	id.Namespace = rest[1]
	for i := 2; i < len(rest); i += 2 {
		if rest[i] == "" || rest[i+1] == "" {
			return bad("a type or name is empty")
		}
		id.Types = append(id.Types, rest[i])
		id.Names = append(id.Names, rest[i+1])
	}
	return id, nil
}

// String formats the ID exactly as Azure does.
func (id ResourceID) String() string {
	size := len("/subscriptions/") + len(id.Subscription) + len("/resourceGroups/") + len(id.ResourceGroup) +
		len("/providers/") + len(id.Namespace)
	for i := range id.Types {
		size += 2 + len(id.Types[i]) + len(id.Names[i])
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString("/subscriptions/")
	b.WriteString(id.Subscription)
	if id.ResourceGroup != "" {
		b.WriteString("/resourceGroups/")
		b.WriteString(id.ResourceGroup)
	}
	if id.Namespace != "" {
		b.WriteString("/providers/")
		b.WriteString(id.Namespace)
		for i := range id.Types {
			b.WriteByte('/')
			b.WriteString(id.Types[i])
			b.WriteByte('/')
			b.WriteString(id.Names[i])
		}
	}
	return b.String()
}

// Key is the lower-cased ID, the resource's key in the store.
func (id ResourceID) Key() string { return ResourceKey(id.String()) }

// ResourceKey is the store key of a resource ID string.
func ResourceKey(id string) string { return "/aksbox/arm" + strings.ToLower(id) }

// IDOfKey is the lower-case resource ID of a record's key (ResourceKey
// undone).
func IDOfKey(key string) string { return strings.TrimPrefix(key, "/aksbox/arm") }

// Type is the full type name, e.g. Microsoft.Network/virtualNetworks/subnets.
func (id ResourceID) Type() string {
	if id.Namespace == "" {
		if id.ResourceGroup != "" {
			return "Microsoft.Resources/resourceGroups"
		}
		return "Microsoft.Resources/subscriptions"
	}
	return id.Namespace + "/" + strings.Join(id.Types, "/")
}

// Name is the last name of the ID.
func (id ResourceID) Name() string {
	if len(id.Names) > 0 {
		return id.Names[len(id.Names)-1]
	}
	return id.ResourceGroup
}

// Parent is the ID one level up (a child's parent, a top-level resource's group).
func (id ResourceID) Parent() ResourceID {
	p := id
	switch {
	case len(id.Types) > 1:
		p.Types, p.Names = id.Types[:len(id.Types)-1], id.Names[:len(id.Names)-1]
	case len(id.Types) == 1:
		p.Namespace, p.Types, p.Names = "", nil, nil
	default:
		p.ResourceGroup = ""
	}
	return p
}

// Group is the ID of the resource group that holds id.
func (id ResourceID) Group() ResourceID {
	return ResourceID{Subscription: id.Subscription, ResourceGroup: id.ResourceGroup}
}

// Child is the ID of a child resource of id.
func (id ResourceID) Child(typ, name string) ResourceID {
	c := id
	c.Types = append(append([]string{}, id.Types...), typ)
	c.Names = append(append([]string{}, id.Names...), name)
	return c
}

// GroupNotFound is ARM's error for a missing resource group.
func GroupNotFound(group string) *Error {
	return Errorf(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", group)
}

// NotFound is ARM's error for a missing resource.
func NotFound(id ResourceID) *Error {
	path := id.Namespace
	for i := range id.Types {
		path += "/" + id.Types[i] + "/" + id.Names[i]
	}
	return Errorf(http.StatusNotFound, "ResourceNotFound",
		"The Resource '%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
		path, id.ResourceGroup)
}
