package managedidentity

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// Name limits of a user-assigned identity.
const (
	minName = 3
	maxName = 128
)

// validName applies Azure's rules for user-assigned identity names: 3 to
// 128 letters, digits, hyphens and underscores, starting with a letter or
// digit.
func validName(name string) *arm.Error {
	bad := func(why string) *arm.Error {
		return arm.BadRequest("InvalidResourceName",
			"The user-assigned identity name '%s' is invalid: %s. Use %d to %d letters, digits, hyphens or underscores, starting with a letter or digit.",
			name, why, minName, maxName)
	}
	if n := len(name); n < minName || n > maxName {
		return bad(fmt.Sprintf("it is %d characters long", n))
	}
	for _, r := range name {
		if !isAlnum(r) && r != '-' && r != '_' {
			return bad(fmt.Sprintf("'%c' is not allowed", r))
		}
	}
	if !isAlnum(rune(name[0])) {
		return bad("it must start with a letter or digit")
	}
	return nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// checkLocation requires a known region and returns its normalized name.
func checkLocation(given string) (string, *arm.Error) {
	if strings.TrimSpace(given) == "" {
		return "", &arm.Error{Status: http.StatusBadRequest, Code: "LocationRequired", Target: "location",
			Message: "The location property is required for a user-assigned identity; give a region such as 'westus2'."}
	}
	loc, ok := arm.NormalizeLocation(given)
	if !ok {
		return "", arm.InvalidLocation("location", given)
	}
	return loc, nil
}

// checkIsolation accepts None or Regional in any case.
func checkIsolation(given string) (string, *arm.Error) {
	for _, s := range []string{IsolationNone, IsolationRegional} {
		if strings.EqualFold(given, s) {
			return s, nil
		}
	}
	return "", arm.InvalidParameter("properties.isolationScope",
		"The isolation scope '%s' is not valid; use '%s' or '%s'.", given, IsolationNone, IsolationRegional)
}

// sameLocation refuses moving an identity to another region, as ARM
// refuses it for every tracked resource.
func sameLocation(id arm.ResourceID, have, want string) *arm.Error {
	if have == want {
		return nil
	}
	return arm.Errorf(http.StatusConflict, "InvalidResourceLocation",
		"The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'. Please select a new resource name.",
		id.Name(), have, id.ResourceGroup, want)
}
