package containerservice

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// maintenanceNames are the maintenance configurations AKS has: the
// planned maintenance window, and the schedules of the cluster's and the
// node OS's automatic upgrades.
var maintenanceNames = []string{"default", "aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"}

// maintenanceKind serves managedClusters/maintenanceConfigurations: stored
// and returned as sent (aksbox runs no upgrades, so no window is enforced).
func (p *Provider) maintenanceKind() *arm.Kind {
	return &arm.Kind{Namespace: Namespace, Type: "managedClusters/maintenanceConfigurations", APIVersions: APIVersions,
		Build: buildMaintenance}
}

func buildMaintenance(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in struct {
		Properties map[string]any `json:"properties"`
	}
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	name := ""
	for _, n := range maintenanceNames {
		if strings.EqualFold(n, id.Name()) {
			name = n
		}
	}
	if name == "" {
		return arm.Record{}, arm.InvalidParameter("name",
			"The maintenance configuration name '%s' is invalid: use %s.", id.Name(), strings.Join(maintenanceNames, ", "))
	}
	if in.Properties == nil {
		in.Properties = map[string]any{}
	}
	_, window := in.Properties["maintenanceWindow"]
	_, weekly := in.Properties["timeInWeek"]
	switch {
	case name == "default" && window:
		return arm.Record{}, arm.InvalidParameter("properties.maintenanceWindow",
			"The maintenance configuration 'default' takes timeInWeek and notAllowedTime; maintenanceWindow is for %s and %s.", maintenanceNames[1], maintenanceNames[2])
	case name != "default" && weekly:
		return arm.Record{}, arm.InvalidParameter("properties.timeInWeek",
			"The maintenance configuration '%s' takes maintenanceWindow; timeInWeek is for 'default'.", name)
	}
	delete(in.Properties, "provisioningState")
	b, err := json.Marshal(map[string]any{"id": id.Parent().Child("maintenanceConfigurations", name).String(), "name": name,
		"type": Namespace + "/managedClusters/maintenanceConfigurations", "properties": in.Properties})
	return arm.Record{Body: b}, err
}
