package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// AKSPreviewVersion is the aks-preview version aksbox reports: the seed
// asks for 0.4.18 or later, and aksbox has its features built in.
const AKSPreviewVersion = "0.5.130"

func aksPreview() map[string]any {
	return map[string]any{
		"experimental":  false,
		"extensionType": "whl",
		"name":          "aks-preview",
		"path":          "(built into aksbox)",
		"preview":       true,
		"version":       AKSPreviewVersion,
	}
}

// extensionCmd keeps az's extension commands working: aks-preview is
// built in, so installing or updating it changes nothing.
func extensionCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "extension", Short: "Manage CLI extensions (aks-preview is built in)"}
	one := func(use, short string, warn func(string)) *cobra.Command {
		var name string
		cmd := &cobra.Command{
			Use: use, Short: short, Args: noArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := requireFlags(cmd, "name"); err != nil {
					return err
				}
				if !strings.EqualFold(name, "aks-preview") {
					return fmt.Errorf("the extension '%s' is not available in aksbox; only aks-preview is, and it is built in", name)
				}
				if warn != nil {
					warn(name)
					return nil
				}
				return a.Print(aksPreview(), nil)
			},
		}
		cmd.Flags().StringVarP(&name, "name", "n", "", "name of the extension")
		return cmd
	}
	g.AddCommand(
		one("update", "Update an extension", func(n string) {
			a.Warn("Latest version of '%s' is already installed (%s, built into aksbox).", n, AKSPreviewVersion)
		}),
		one("add", "Add an extension", func(n string) {
			a.Warn("The extension '%s' is already installed (%s, built into aksbox).", n, AKSPreviewVersion)
		}),
		one("show", "Show an extension", nil),
		one("remove", "Remove an extension", func(n string) {
			a.Warn("The extension '%s' is built into aksbox and stays available.", n)
		}),
		&cobra.Command{
			Use: "list", Short: "List the installed extensions", Args: noArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.Print([]any{aksPreview()}, nil)
			},
		},
	)
	return g
}
