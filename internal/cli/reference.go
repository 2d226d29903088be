package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Reference renders the command reference (docs/commands.md) from the
// command tree itself, so the docs cannot drift from the CLI: a test
// compares the file with this output.
func Reference(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString("# aksbox command reference\n\n")
	b.WriteString("Generated from the CLI by `aksbox reference > docs/commands.md`; a test keeps it in sync.\n")
	b.WriteString("Commands are shaped like the Azure CLI's: `aksbox X` is `az X` against the local cloud.\n\n")
	b.WriteString("## Global flags\n\n```\n" + root.PersistentFlags().FlagUsages() + "```\n")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", sub.CommandPath(), sub.Short)
			if sub.Runnable() {
				fmt.Fprintf(&b, "\n```\n%s\n", sub.UseLine())
				if f := sub.LocalNonPersistentFlags().FlagUsages(); f != "" {
					b.WriteString(f)
				}
				b.WriteString("```\n")
			}
			walk(sub)
		}
	}
	walk(root)
	return b.String()
}

func referenceCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use: "reference", Short: "Print the command reference in Markdown", Hidden: true, Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprint(a.Stdout, Reference(cmd.Root()))
			return err
		},
	}
}
