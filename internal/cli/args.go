package cli

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// parseTags turns az-style tag arguments ("k=v", "k") into a map. Like az,
// --tags takes several space-separated values: those that follow the first
// arrive as positional arguments and are accepted here too.
func parseTags(flagVals, args []string) (map[string]string, error) {
	tags := map[string]string{}
	for _, t := range append(append([]string{}, flagVals...), args...) {
		if t == "" || t == `""` || t == "''" {
			continue
		}
		k, v, _ := strings.Cut(t, "=")
		if k == "" {
			return nil, usagef("the tag '%s' has no name; write tags as key=value", t)
		}
		tags[k] = v
	}
	return tags, nil
}

// extraTagArgs accepts positional arguments only as continued --tags values.
func extraTagArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 && !cmd.Flags().Changed("tags") {
		return usagef("unrecognized arguments: %s", strings.Join(args, " "))
	}
	return nil
}

// noArgs refuses positional arguments like az does.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unrecognized arguments: %s", strings.Join(args, " "))
	}
	return nil
}

// confirm asks a yes/no question unless yes is set; without a terminal it
// refuses, as az does, asking for --yes.
func (a *App) confirm(yes bool, question string) error {
	if yes {
		return nil
	}
	if !isTerminal(a.Stdout) || a.Stdin == nil {
		return usagef("this command asks for confirmation and there is no terminal to ask on; add --yes (-y) to go ahead")
	}
	fmt.Fprintf(a.Stdout, "%s (y/n): ", question)
	line, _ := bufio.NewReader(a.Stdin).ReadString('\n')
	if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
		return usagef("operation cancelled")
	}
	return nil
}

// requireFlags checks that required flags were given, naming all missing.
func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !changed(cmd, n) {
			f := cmd.Flags().Lookup(n)
			s := "--" + n
			if f != nil && f.Shorthand != "" {
				s += "/-" + f.Shorthand
			}
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return usagef("the following arguments are required: %s", strings.Join(missing, ", "))
	}
	return nil
}

// changed tells whether a flag or one of its aliases was given.
func changed(cmd *cobra.Command, name string) bool {
	if cmd.Flags().Changed(name) {
		return true
	}
	if f := cmd.Flags().Lookup(name); f != nil {
		for _, a := range f.Annotations["aliases"] {
			if cmd.Flags().Changed(a) {
				return true
			}
		}
	}
	return false
}
