package portal

import (
	"fmt"
	"strings"
)

// resID is an ARM resource ID the portal shows a blade for: a
// subscription, a resource group, or a resource (with child types).
type resID struct {
	Sub, Group, NS string
	Types, Names   []string
}

// parseID reads "subscriptions/{s}[/resourceGroups/{g}[/providers/{ns}/{type}/{name}...]]"
// (with or without the leading slash).
func parseID(raw string) (resID, error) {
	parts := strings.Split(strings.Trim(raw, "/"), "/")
	bad := fmt.Errorf("'%s' is not a resource ID: it must be /subscriptions/{id}[/resourceGroups/{name}[/providers/{namespace}/{type}/{name}...]]", raw)
	if len(parts) < 2 || !strings.EqualFold(parts[0], "subscriptions") || parts[1] == "" {
		return resID{}, bad
	}
	id := resID{Sub: parts[1]}
	rest := parts[2:]
	if len(rest) == 0 {
		return id, nil
	}
	if len(rest) < 2 || !strings.EqualFold(rest[0], "resourceGroups") || rest[1] == "" {
		return resID{}, bad
	}
	id.Group, rest = rest[1], rest[2:]
	if len(rest) == 0 {
		return id, nil
	}
	if len(rest) < 4 || len(rest)%2 != 0 || !strings.EqualFold(rest[0], "providers") {
		return resID{}, bad
	}
	id.NS = rest[1]
	for i := 2; i < len(rest); i += 2 {
		if rest[i] == "" || rest[i+1] == "" {
			return resID{}, bad
		}
		id.Types = append(id.Types, rest[i])
		id.Names = append(id.Names, rest[i+1])
	}
	return id, nil
}

// String is the ID as ARM writes it.
func (id resID) String() string {
	s := "/subscriptions/" + id.Sub
	if id.Group == "" {
		return s
	}
	s += "/resourceGroups/" + id.Group
	if id.NS == "" {
		return s
	}
	s += "/providers/" + id.NS
	for i := range id.Types {
		s += "/" + id.Types[i] + "/" + id.Names[i]
	}
	return s
}

// Type is the full resource type, e.g. Microsoft.Network/privateDnsZones.
func (id resID) Type() string {
	switch {
	case id.Group == "":
		return "Microsoft.Resources/subscriptions"
	case id.NS == "":
		return "Microsoft.Resources/resourceGroups"
	}
	return id.NS + "/" + strings.Join(id.Types, "/")
}

// Name is the last name of the ID.
func (id resID) Name() string {
	switch {
	case id.Group == "":
		return id.Sub
	case id.NS == "":
		return id.Group
	}
	return id.Names[len(id.Names)-1]
}

// GroupID is the ID of the resource group, or "" for a subscription.
func (id resID) GroupID() string {
	if id.Group == "" {
		return ""
	}
	return "/subscriptions/" + id.Sub + "/resourceGroups/" + id.Group
}

// Child is the ID of a child resource of this one.
func (id resID) Child(typ, name string) resID {
	c := id
	c.Types = append(append([]string(nil), id.Types...), typ)
	c.Names = append(append([]string(nil), id.Names...), name)
	return c
}

// is reports whether the ID is of type typ (case-insensitive).
func (id resID) is(typ string) bool { return strings.EqualFold(id.Type(), typ) }
