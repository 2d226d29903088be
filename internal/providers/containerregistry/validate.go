package containerregistry

import (
	"net/http"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

func lower(s string) string { return strings.ToLower(s) }

// nameProblem says what is wrong with a registry name ("" when nothing):
// 5 to 50 letters and digits.
func nameProblem(name string) string {
	if len(name) < 5 || len(name) > 50 {
		return "must be between 5 and 50 characters"
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "may contain only alpha numeric characters"
		}
	}
	return ""
}

// invalidName is ACR's refusal of a registry name on PUT.
func invalidName(name, problem string) *arm.Error {
	return &arm.Error{Status: http.StatusBadRequest, Code: "InvalidParameterValue", Target: "name",
		Message: "Invalid registry name '" + name + "': registry names " + problem + " (5 to 50 letters and digits, e.g. 'myregistry01')."}
}

// checkSKU accepts Basic, Standard or Premium in any case.
func checkSKU(given string) (string, *arm.Error) {
	if strings.TrimSpace(given) == "" {
		return "", &arm.Error{Status: http.StatusBadRequest, Code: "InvalidParameterValue", Target: "sku.name",
			Message: "The registry needs sku.name: 'Basic', 'Standard' or 'Premium'."}
	}
	for _, s := range []string{Basic, Standard, Premium} {
		if strings.EqualFold(given, s) {
			return s, nil
		}
	}
	return "", &arm.Error{Status: http.StatusBadRequest, Code: "InvalidSkuName", Target: "sku.name",
		Message: "The SKU '" + given + "' is not valid; use 'Basic', 'Standard' or 'Premium'."}
}

// premiumOnly refuses a feature a registry's SKU lacks.
func premiumOnly(feature, sku string) *arm.Error {
	return &arm.Error{Status: http.StatusBadRequest, Code: "PremiumSkuRequired",
		Message: feature + " is only supported by the Premium SKU; registry SKU is '" + sku + "'. Update the registry with --sku Premium first."}
}

// checkAccess accepts Enabled or Disabled in any case ("" is Enabled).
func checkAccess(given string) (string, *arm.Error) {
	switch {
	case given == "" || strings.EqualFold(given, "Enabled"):
		return "Enabled", nil
	case strings.EqualFold(given, "Disabled"):
		return "Disabled", nil
	}
	return "", arm.InvalidParameter("properties.publicNetworkAccess",
		"The value '%s' of publicNetworkAccess is not valid; use 'Enabled' or 'Disabled'.", given)
}

// checkFeatures refuses what the SKU does not have.
func checkFeatures(r *Registry) []*arm.Error {
	var errs []*arm.Error
	p := r.Properties
	if r.SKU.Name != Premium {
		if !r.Public() {
			errs = append(errs, &arm.Error{Status: http.StatusBadRequest, Code: "DisablingPublicNetworkAccessNotSupported",
				Message: "Disabling public network access is not supported for the SKU " + r.SKU.Name + ". Use the Premium SKU (--sku Premium) for a registry reached only through private endpoints."})
		}
		if p.DataEndpointEnabled {
			errs = append(errs, premiumOnly("A dedicated data endpoint", r.SKU.Name))
		}
		if strings.EqualFold(p.ZoneRedundancy, "Enabled") {
			errs = append(errs, premiumOnly("Zone redundancy", r.SKU.Name))
		}
		if p.NetworkRuleSet != nil && strings.EqualFold(p.NetworkRuleSet.DefaultAction, "Deny") {
			errs = append(errs, premiumOnly("Network rules", r.SKU.Name))
		}
	}
	if r.SKU.Name == Basic && p.AnonymousPullEnabled {
		errs = append(errs, &arm.Error{Status: http.StatusBadRequest, Code: "StandardSkuRequired",
			Message: "Anonymous pull is only supported by the Standard and Premium SKUs; registry SKU is 'Basic'."})
	}
	return errs
}
