// Package cli is aksbox's az-shaped command line: command groups (group,
// feature, provider, extension, account, ...) that talk to the running
// cloud over its ARM endpoint with the Azure SDK for Go, and the commands
// that run the cloud itself (serve, up, down, status, env).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/aksbox/aksbox/internal/instance"
	"github.com/aksbox/aksbox/internal/nsexec"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// Version of aksbox.
var Version = "0.1.0"

// App is the state shared by every command of one invocation.
type App struct {
	StateDir     string
	Output       string
	Query        string
	Subscription string
	Debug        bool
	Verbose      bool
	OnlyErrors   bool

	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Serve runs the cloud for 'aksbox serve' (see Server).
	Serve Server
}

// Dir is the instance this invocation talks to.
func (a *App) Dir() instance.Dir {
	if a.StateDir != "" {
		return instance.Dir(a.StateDir)
	}
	return instance.DefaultDir()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// outputOptions are the -o/--query choices for printing v.
func (a *App) outputOptions(table func(any) any) output.Options {
	return output.Options{Format: a.Output, Query: a.Query, Color: isTerminal(a.Stdout), Table: table}
}

// Print renders a command's result with the global output flags.
func (a *App) Print(v any, table func(any) any) error {
	return output.Write(a.Stdout, v, a.outputOptions(table))
}

// Warn prints a warning the way az does, unless --only-show-errors.
func (a *App) Warn(format string, args ...any) {
	if !a.OnlyErrors {
		fmt.Fprintf(a.Stderr, "WARNING: "+format+"\n", args...)
	}
}

// NewRoot builds the command tree.
func NewRoot(a *App) *cobra.Command {
	// cobra adds pflag's global flag set to every root; packages linked in
	// for the embedded Kubernetes register their own flags there (--version
	// among them), which are not aksbox's.
	pflag.CommandLine = pflag.NewFlagSet("aksbox", pflag.ContinueOnError)
	root := &cobra.Command{
		Use:           "aksbox",
		Short:         "Private Azure Kubernetes Service clusters in a box",
		Long:          "aksbox serves the Azure Resource Manager API for AKS and the networking around it on this host, and makes it real.\nIts commands are shaped like the Azure CLI's: 'aksbox group create' is 'az group create'.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("output") || cmd.Flags().Changed("query") {
				return output.Validate(a.outputOptions(nil))
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&a.StateDir, "state-dir", "", "state directory of the aksbox instance (default $AKSBOX_STATE_DIR, or /var/lib/aksbox for root)")
	f.StringVarP(&a.Output, "output", "o", "json", "output format: json, jsonc, none, table, tsv, yaml, yamlc")
	f.StringVar(&a.Query, "query", "", "JMESPath query string, see http://jmespath.org/")
	f.StringVar(&a.Subscription, "subscription", "", "subscription ID (default: the instance's subscription)")
	f.BoolVar(&a.Debug, "debug", false, "show all debug logs, including every HTTP request")
	f.BoolVar(&a.Verbose, "verbose", false, "increase logging verbosity")
	f.BoolVar(&a.OnlyErrors, "only-show-errors", false, "only show errors, suppressing warnings")
	root.SetVersionTemplate("aksbox {{.Version}}\n")

	root.AddCommand(serveCmd(a), upCmd(a), downCmd(a), statusCmd(a), envCmd(a),
		loginCmd(a), accountCmd(a), groupCmd(a), featureCmd(a), providerCmd(a), extensionCmd(a), versionCmd(a), quickstartCmd(a))
	root.AddCommand(networkCmd(a), vmCmd(a), aksCmd(a), acrCmd(a), identityCmd(a), roleCmd(a), dnsResolverCmd(a), sshCmd(a), portalCmd(a), referenceCmd(a))
	return root
}

// Main runs the command line and returns the process exit code; serve
// runs the cloud for 'aksbox serve'.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, serve Server) int {
	if len(args) > 0 && args[0] == nsexec.Subcommand {
		// A command to run inside a VM's namespace (see package nsexec).
		err := nsexec.Run(args[1:], os.Environ())
		fmt.Fprintf(stderr, "aksbox: %v\n", err)
		return 127
	}
	a := &App{Stdin: stdin, Stdout: stdout, Stderr: stderr, Serve: serve}
	root := NewRoot(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	return a.printError(err)
}

// usageError marks a bad command line (exit code 2, as az).
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func (a *App) printError(err error) int {
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(a.Stderr, "ERROR: %v\n", ue.error)
		return 2
	}
	return printARMError(a.Stderr, err)
}
