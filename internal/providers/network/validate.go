package network

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// validName applies Azure's rules for network resource names: 1 to max
// characters of letters, digits, '_', '.', '-', starting with a letter or
// digit and ending with a letter, digit or '_'.
func validName(kind, name string, max int) *arm.Error {
	bad := func(why string) *arm.Error {
		return arm.BadRequest("InvalidResourceName",
			"The %s name '%s' is invalid: %s. Use 1 to %d letters, digits, '_', '.' or '-', starting with a letter or digit and ending with a letter, digit or '_'.",
			kind, name, why, max)
	}
	if name == "" || len(name) > max {
		return bad(fmt.Sprintf("it is %d characters long", len(name)))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-", r)) {
			return bad(fmt.Sprintf("'%c' is not allowed", r))
		}
	}
	first, last := name[0], name[len(name)-1]
	if !isAlnum(first) {
		return bad("it must start with a letter or digit")
	}
	if !isAlnum(last) && last != '_' {
		return bad("it must end with a letter, digit or '_'")
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parsePrefix parses an IPv4 CIDR the way Azure accepts it: canonical (no
// host bits set), with a length the kind allows.
func parsePrefix(target, s string, minBits, maxBits int) (netip.Prefix, *arm.Error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, &arm.Error{Status: http.StatusBadRequest, Code: "InvalidCIDRNotation", Target: target,
			Message: fmt.Sprintf("The address prefix '%s' of %s has an invalid CIDR notation; write an IPv4 prefix such as 10.0.0.0/16.", s, target)}
	}
	if p.Masked() != p {
		return netip.Prefix{}, &arm.Error{Status: http.StatusBadRequest, Code: "InvalidCIDRNotation", Target: target,
			Message: fmt.Sprintf("The address prefix %s of %s has an invalid CIDR notation. For the given prefix length, the address prefix should be %s.", s, target, p.Masked())}
	}
	if p.Bits() < minBits || p.Bits() > maxBits {
		return netip.Prefix{}, &arm.Error{Status: http.StatusBadRequest, Code: "InvalidAddressPrefix", Target: target,
			Message: fmt.Sprintf("The address prefix %s of %s must have a prefix length from /%d to /%d.", s, target, minBits, maxBits)}
	}
	return p, nil
}

// overlaps tells whether two prefixes share an address.
func overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// within tells whether p lies inside one of spaces.
func within(p netip.Prefix, spaces []netip.Prefix) bool {
	for _, s := range spaces {
		if s.Bits() <= p.Bits() && s.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// checkSubnets validates subnet prefixes against the address space and
// each other, collecting every problem. A subnet may have several ranges
// (addressPrefixes); each is checked, and the first is returned.
func checkSubnets(vnet string, spaces []netip.Prefix, subnets []*Subnet) ([]netip.Prefix, []*arm.Error) {
	var errs []*arm.Error
	prefixes := make([]netip.Prefix, len(subnets))
	ranges := make([][]netip.Prefix, len(subnets))
	seen := map[string]bool{}
	for i, s := range subnets {
		if e := validName("subnet", s.Name, 80); e != nil {
			errs = append(errs, e)
			continue
		}
		if seen[strings.ToLower(s.Name)] {
			errs = append(errs, arm.BadRequest("InvalidRequestFormat", "The subnet name '%s' appears twice in virtual network '%s'.", s.Name, vnet))
			continue
		}
		seen[strings.ToLower(s.Name)] = true
		if _, e := checkEnum("properties.privateEndpointNetworkPolicies", s.Properties.PrivateEndpointNetworkPolicies,
			"Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled"); e != nil {
			errs = append(errs, e)
		}
		if _, e := checkEnum("properties.privateLinkServiceNetworkPolicies", s.Properties.PrivateLinkServiceNetworkPolicies, "Enabled", "Disabled"); e != nil {
			errs = append(errs, e)
		}
		raws := s.Ranges()
		if len(raws) == 0 {
			errs = append(errs, arm.InvalidParameter("properties.addressPrefix", "Subnet '%s' has no addressPrefix; give one inside the address space of virtual network '%s'.", s.Name, vnet))
			continue
		}
		for _, raw := range raws {
			p, e := parsePrefix("subnet '"+s.Name+"'", raw, 8, 29)
			if e != nil {
				errs = append(errs, e)
				continue
			}
			if !within(p, spaces) {
				errs = append(errs, arm.BadRequest("NetcfgSubnetRangeOutsideVnet",
					"Subnet '%s' is not valid because its IP address range %s is outside the IP address range of virtual network '%s' (%s).", s.Name, p, vnet, joinPrefixes(spaces)))
				continue
			}
			for j := 0; j <= i; j++ {
				for _, q := range ranges[j] {
					if overlaps(p, q) {
						errs = append(errs, arm.BadRequest("NetcfgSubnetRangesOverlap",
							"Subnet '%s' is not valid because its IP address range %s overlaps with that of subnet '%s' (%s) in virtual network '%s'.", s.Name, p, subnets[j].Name, q, vnet))
					}
				}
			}
			ranges[i] = append(ranges[i], p)
		}
		if len(ranges[i]) > 0 {
			prefixes[i] = ranges[i][0]
		}
	}
	return prefixes, errs
}

// checkEnum refuses a value outside an enum as the network provider does
// (InvalidRequestFormat, naming the property); "" is left to defaults.
// It returns the value in the enum's spelling.
func checkEnum(path, value string, allowed ...string) (string, *arm.Error) {
	if value == "" {
		return "", nil
	}
	for _, a := range allowed {
		if strings.EqualFold(a, value) {
			return a, nil
		}
	}
	return "", arm.BadRequest("InvalidRequestFormat", "Cannot parse the request: the value '%s' of '%s' is not one of %s.",
		value, path, strings.Join(allowed, ", "))
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// checkTracked validates what every tracked network resource has: its name
// and its location (returned normalized).
func checkTracked(kind, name string, max int, location string) (string, []*arm.Error) {
	var errs []*arm.Error
	if e := validName(kind, name, max); e != nil {
		errs = append(errs, e)
	}
	loc, ok := arm.NormalizeLocation(location)
	if !ok {
		errs = append(errs, arm.InvalidLocation("location", location))
	}
	return loc, errs
}
