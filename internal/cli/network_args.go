package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// az (argparse) lets a flag take the words that follow it: a nargs='+'
// flag such as --address-prefixes takes every word up to the next flag,
// and a three-state boolean such as --allow-vnet-access may take a
// true/false word. pflag gives a flag one value and leaves the rest as
// positional arguments, so commands built with azArgs record, for every
// flag set, how many positional arguments came before it, and hand each
// positional argument to the flag it followed.

// multiValue is a nargs='+' flag: repeated or space-separated values.
type multiValue struct {
	dst *[]string
	set bool
}

func (m *multiValue) Set(s string) error {
	if !m.set {
		*m.dst, m.set = nil, true // the first value replaces the default
	}
	*m.dst = append(*m.dst, s)
	return nil
}

func (m *multiValue) Type() string   { return "strings" }
func (m *multiValue) String() string { return strings.Join(*m.dst, " ") }
func (m *multiValue) follow(s string) error {
	*m.dst = append(*m.dst, s)
	return nil
}

// multiFlag defines a space-separated list flag with a default.
func multiFlag(f *pflag.FlagSet, dst *[]string, name, short string, def []string, usage string) {
	*dst = def
	f.VarP(&multiValue{dst: dst}, name, short, usage)
}

// triBool is az's three-state flag: absent (nil), given alone (true), or
// given a value: --flag true|false (also yes/no, y/n, t/f, 1/0).
type triBool struct{ dst **bool }

func parseAzBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "t", "yes", "y", "1", "on":
		return true, true
	case "false", "f", "no", "n", "0", "off":
		return false, true
	}
	return false, false
}

func (b *triBool) Set(s string) error {
	v, ok := parseAzBool(s)
	if !ok {
		return fmt.Errorf("invalid choice: '%s' (choose from 'false', 'true')", s)
	}
	*b.dst = &v
	return nil
}

func (b *triBool) Type() string { return "bool" }
func (b *triBool) String() string {
	if *b.dst == nil {
		return ""
	}
	return fmt.Sprint(**b.dst)
}

// follow takes a true/false word after the flag; anything else is not its.
func (b *triBool) follow(s string) error {
	if _, ok := parseAzBool(s); !ok {
		return errNotMine
	}
	return b.Set(s)
}

// triBoolFlag defines a three-state boolean flag.
func triBoolFlag(f *pflag.FlagSet, dst **bool, name, usage string) {
	f.Var(&triBool{dst: dst}, name, usage+" (true/false)")
	f.Lookup(name).NoOptDefVal = "true"
}

var errNotMine = errors.New("not this flag's value")

// follower is a flag value that can take the words after it.
type follower interface{ follow(s string) error }

// argOrder records the flags of one command in the order they were set.
type argOrder struct {
	fs    *pflag.FlagSet
	marks []mark
}

type mark struct {
	val   pflag.Value
	after int // positional arguments before this flag
	took  int // words it took already
}

type recorded struct {
	pflag.Value
	o *argOrder
}

func (r recorded) Set(s string) error {
	r.o.marks = append(r.o.marks, mark{val: r.Value, after: len(r.o.fs.Args())})
	return r.Value.Set(s)
}

// azArgs gives cmd argparse's handling of words after flags; call it after
// all of cmd's flags are defined. Words after "--" stay positional when
// allowDash (the command reads them with dashArgs); any other word that
// no flag takes is an error, as in az.
func azArgs(cmd *cobra.Command, allowDash bool) {
	o := &argOrder{fs: cmd.Flags()}
	cmd.Flags().VisitAll(func(f *pflag.Flag) { f.Value = recorded{Value: f.Value, o: o} })
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		end := len(args)
		if d := cmd.ArgsLenAtDash(); d >= 0 {
			end = d
			if !allowDash && d < len(args) {
				return usagef("unrecognized arguments: %s", strings.Join(args[d:], " "))
			}
		}
		var stray []string
		for i := 0; i < end; i++ {
			if !o.give(i, args[i]) {
				stray = append(stray, args[i])
			}
		}
		if len(stray) > 0 {
			return usagef("unrecognized arguments: %s", strings.Join(stray, " "))
		}
		return nil
	}
}

// give hands positional argument i to the flag set last before it.
func (o *argOrder) give(i int, word string) bool {
	k := -1
	for j, m := range o.marks {
		if m.after <= i {
			k = j
		}
	}
	if k < 0 {
		return false
	}
	m := &o.marks[k]
	f, ok := m.val.(follower)
	if !ok || (i-m.after != m.took) { // only unbroken runs right after the flag
		return false
	}
	if _, one := m.val.(*triBool); one && m.took > 0 {
		return false
	}
	if f.follow(word) != nil {
		return false
	}
	m.took++
	return true
}

// dashArgs are the words after "--" (for commands that pass them on).
func dashArgs(cmd *cobra.Command, args []string) []string {
	if d := cmd.ArgsLenAtDash(); d >= 0 {
		return args[d:]
	}
	return nil
}

// choice checks an enum flag the way argparse does (case-insensitively)
// and returns the value spelled as az spells it.
func choice(flag, v string, choices ...string) (string, error) {
	for _, c := range choices {
		if strings.EqualFold(v, c) {
			return c, nil
		}
	}
	return "", usagef("argument --%s: invalid choice: '%s' (choose from '%s')", flag, v, strings.Join(choices, "', '"))
}
