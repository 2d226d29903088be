package resources

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/aksbox/aksbox/internal/arm"
)

// validGroupName applies ARM's resource group name rules: 1 to 90
// characters, letters, digits, '-', '.', '(', ')' or '_', not ending in '.'.
func validGroupName(name string) error {
	if name == "" || len([]rune(name)) > 90 {
		return arm.BadRequest("InvalidResourceGroup",
			"The provided resource group name '%s' is %d characters long; it must be 1 to 90 characters.", name, len([]rune(name)))
	}
	var bad []string
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-._()", r) {
			continue
		}
		if !containsStr(bad, string(r)) {
			bad = append(bad, string(r))
		}
	}
	if len(bad) > 0 {
		return arm.BadRequest("InvalidResourceGroup",
			"The provided resource group name '%s' has these invalid characters: '%s'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'.",
			name, strings.Join(bad, ""))
	}
	if strings.HasSuffix(name, ".") {
		return arm.BadRequest("InvalidResourceGroup",
			"The provided resource group name '%s' ends with a period; it must end with a letter, digit, '-', '(', ')' or '_'.", name)
	}
	return nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validateGroupInput checks a PUT body and returns the normalized location.
func validateGroupInput(in *groupInput) (string, error) {
	var errs []*arm.Error
	loc := ""
	if in.Location == nil || *in.Location == "" {
		errs = append(errs, &arm.Error{Status: http.StatusBadRequest, Code: "LocationRequired", Target: "location",
			Message: "The location property is required for this definition; give a region such as 'westus2'."})
	} else if l, ok := arm.NormalizeLocation(*in.Location); ok {
		loc = l
	} else {
		e := arm.InvalidLocation("location", *in.Location)
		e.Code = "LocationNotAvailableForResourceGroup"
		errs = append(errs, e)
	}
	if in.Tags != nil {
		errs = append(errs, arm.ValidateTags(*in.Tags)...)
	}
	if err := arm.Join(errs); err != nil {
		return "", err
	}
	return loc, nil
}
