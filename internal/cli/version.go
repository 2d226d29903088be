package cli

import (
	"github.com/spf13/cobra"
)

func versionCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use: "version", Short: "Show the versions of aksbox and what it embeds", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.Print(map[string]any{
				"aksbox":     Version,
				"azure-cli":  "2.45.0",
				"extensions": map[string]any{"aks-preview": AKSPreviewVersion},
			}, nil)
		},
	}
}
