package arm

import (
	"net/http"
	"sort"
	"strings"
)

// Location is an Azure region.
type Location struct {
	Name        string // westus2
	DisplayName string // West US 2
}

// Locations are the regions aksbox knows.
var Locations = []Location{
	{"eastus", "East US"}, {"eastus2", "East US 2"}, {"westus", "West US"}, {"westus2", "West US 2"},
	{"westus3", "West US 3"}, {"centralus", "Central US"}, {"northcentralus", "North Central US"},
	{"southcentralus", "South Central US"}, {"westcentralus", "West Central US"},
	{"canadacentral", "Canada Central"}, {"canadaeast", "Canada East"}, {"brazilsouth", "Brazil South"},
	{"northeurope", "North Europe"}, {"westeurope", "West Europe"}, {"uksouth", "UK South"}, {"ukwest", "UK West"},
	{"francecentral", "France Central"}, {"germanywestcentral", "Germany West Central"},
	{"swedencentral", "Sweden Central"}, {"switzerlandnorth", "Switzerland North"}, {"norwayeast", "Norway East"},
	{"australiaeast", "Australia East"}, {"australiasoutheast", "Australia Southeast"},
	{"eastasia", "East Asia"}, {"southeastasia", "Southeast Asia"}, {"japaneast", "Japan East"},
	{"japanwest", "Japan West"}, {"koreacentral", "Korea Central"}, {"centralindia", "Central India"},
	{"southafricanorth", "South Africa North"}, {"uaenorth", "UAE North"},
}

// NormalizeLocation maps a region given as a name or display name
// ("West US 2", "westus2") to its name.
func NormalizeLocation(s string) (string, bool) {
	k := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	for _, l := range Locations {
		if l.Name == k {
			return l.Name, true
		}
	}
	return "", false
}

// LocationNames lists the region names, sorted.
func LocationNames() []string {
	out := make([]string, len(Locations))
	for i, l := range Locations {
		out[i] = l.Name
	}
	sort.Strings(out)
	return out
}

// DisplayName of a region name; the name itself when unknown.
func DisplayName(name string) string {
	for _, l := range Locations {
		if l.Name == name {
			return l.DisplayName
		}
	}
	return name
}

// InvalidLocation is the error for a region aksbox does not know.
func InvalidLocation(target, given string) *Error {
	e := Errorf(http.StatusBadRequest, "LocationNotAvailableForResourceType",
		"The provided location '%s' is not available. List of available regions is '%s'.", given, strings.Join(LocationNames(), ","))
	e.Target = target
	return e
}
