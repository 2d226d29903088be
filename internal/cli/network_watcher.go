package cli

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
)

// watcherCmd is 'network watcher' with its connectivity check.
func watcherCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "watcher", Short: "Network Watcher: check a path hop by hop"}
	var rg, source, dest, protocol string
	var port int
	cmd := &cobra.Command{
		Use:   "test-connectivity",
		Short: "Test a TCP connection from a VM to an address or host name, and say where the path fails",
		Long: "Resolves the destination through the source VM's VNet DNS (its linked private DNS zones), finds the\n" +
			"network that holds the address (peered both ways?), notes a private endpoint, and probes the port\n" +
			"from inside the VM. Each hop lists the issues that stop the path.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "source-resource", "dest-address", "dest-port"); err != nil {
				return err
			}
			c, err := a.Connect()
			if err != nil {
				return err
			}
			id := source
			if !strings.HasPrefix(id, "/") {
				if rg == "" {
					return usagef("--resource-group is required when --source-resource is a VM name")
				}
				id = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s", c.Subscription, rg, source)
			}
			vm, err := c.Do(cmd.Context(), http.MethodGet, id, "2024-07-01", nil)
			if err != nil {
				return err
			}
			loc, _ := vm.(map[string]any)["location"].(string)
			group := strings.Split(strings.TrimPrefix(id, "/"), "/")[3]
			path := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkWatchers/NetworkWatcher_%s/connectivityCheck",
				c.Subscription, group, loc)
			body := map[string]any{"source": map[string]any{"resourceId": id},
				"destination": map[string]any{"address": dest, "port": port}, "protocol": protocol}
			v, err := c.Do(cmd.Context(), http.MethodPost, path, "2024-07-01", body)
			if err != nil {
				return err
			}
			return a.Print(v, nil)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&rg, "resource-group", "g", "", "resource group of the source VM (when given by name)")
	f.StringVar(&source, "source-resource", "", "name or ID of the source VM")
	f.StringVar(&dest, "dest-address", "", "IP address or host name of the destination")
	f.IntVar(&port, "dest-port", 0, "TCP port of the destination")
	f.StringVar(&protocol, "protocol", "Tcp", "protocol: Tcp")
	g.AddCommand(cmd)
	return g
}
