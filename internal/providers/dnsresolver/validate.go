package dnsresolver

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// Azure's limits of DNS Private Resolver.
const (
	maxInbound         = 5    // inbound endpoints per resolver
	maxOutbound        = 5    // outbound endpoints per resolver
	maxRules           = 1000 // forwarding rules per ruleset
	maxLinks           = 500  // virtual network links per ruleset
	maxRulesetOutbound = 2    // outbound endpoints per ruleset
	maxOutboundRuleset = 2    // rulesets per outbound endpoint
	maxTargets         = 6    // target DNS servers per rule
	minSubnetBits      = 24   // endpoint subnets are /28 to /24
	maxSubnetBits      = 28
)

// validName applies the rule of resolver resource names: 1 to 80 letters,
// digits, '-' and '_', starting with a letter or digit and ending with a
// letter, digit or '_'.
func validName(kind, name string) *arm.Error {
	ok := name != "" && len(name) <= 80 && isAlnum(name[0]) && (isAlnum(name[len(name)-1]) || name[len(name)-1] == '_')
	for _, c := range []byte(name) {
		if !isAlnum(c) && c != '-' && c != '_' {
			ok = false
		}
	}
	if !ok {
		return arm.BadRequest("InvalidResourceName",
			"The %s name '%s' is invalid. Use 1 to 80 letters, digits, '-' or '_', starting with a letter or digit and ending with a letter, digit or '_'.", kind, name)
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// checkTracked validates a tracked resource's name and location, returning
// the location normalized.
func checkTracked(kind, name, location string) (string, []*arm.Error) {
	var errs []*arm.Error
	if e := validName(kind, name); e != nil {
		errs = append(errs, e)
	}
	loc, ok := arm.NormalizeLocation(location)
	switch {
	case location == "":
		errs = append(errs, arm.InvalidParameter("location", "The location property is required for %s '%s'; give a region such as 'westus2'.", kind, name))
	case !ok:
		errs = append(errs, arm.InvalidLocation("location", location))
	}
	return loc, errs
}

// checkDomain validates a forwarding rule's domain name: a fully qualified
// name, ending with a dot ("." alone matches every name).
func checkDomain(name string) *arm.Error {
	if name == "." {
		return nil
	}
	bad := func(why string) *arm.Error {
		return arm.InvalidParameter("properties.domainName",
			"The domain name '%s' of the forwarding rule is invalid: %s. Write a fully qualified domain name ending with a dot, such as 'contoso.com.' ('.' matches every name).", name, why)
	}
	if !strings.HasSuffix(name, ".") {
		return bad("it does not end with a dot")
	}
	if len(name) > 254 {
		return bad("it is longer than 253 characters")
	}
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return bad(fmt.Sprintf("the label '%s' is empty, longer than 63 characters or starts or ends with '-'", l))
		}
		for _, c := range []byte(l) {
			if !isAlnum(c) && c != '-' && c != '_' {
				return bad(fmt.Sprintf("'%c' is not allowed", c))
			}
		}
	}
	return nil
}

// checkTargets validates a rule's target DNS servers and fills in port 53.
func checkTargets(in []TargetServer) ([]TargetServer, []*arm.Error) {
	var errs []*arm.Error
	if len(in) == 0 || len(in) > maxTargets {
		errs = append(errs, arm.InvalidParameter("properties.targetDnsServers",
			"A forwarding rule needs 1 to %d target DNS servers; it has %d.", maxTargets, len(in)))
	}
	out := make([]TargetServer, 0, len(in))
	for i, t := range in {
		a, err := netip.ParseAddr(t.IPAddress)
		if err != nil || !a.Is4() {
			errs = append(errs, arm.InvalidParameter(fmt.Sprintf("properties.targetDnsServers[%d].ipAddress", i),
				"The target DNS server address '%s' is not a valid IPv4 address.", t.IPAddress))
			continue
		}
		port := 53
		if t.Port != nil {
			port = *t.Port
		}
		if port < 1 || port > 65535 {
			errs = append(errs, arm.InvalidParameter(fmt.Sprintf("properties.targetDnsServers[%d].port", i),
				"The target DNS server port %d is not a port from 1 to 65535 (DNS is 53).", port))
			continue
		}
		out = append(out, TargetServer{IPAddress: a.String(), Port: &port})
	}
	return out, errs
}

// refOf is the ID of a reference, or "".
func refOf(r *SubRef) string {
	if r == nil {
		return ""
	}
	return r.ID
}
