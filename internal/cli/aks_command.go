package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

func aksCommandCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "command", Short: "Run commands in a managed cluster through the API, without network access to it"}
	g.AddCommand(aksCommandInvokeCmd(a), aksCommandResultCmd(a))
	return g
}

// commandInvoke is one 'aks command invoke'.
type commandInvoke struct {
	rg, name, command string
	files             []string
	noWait            bool
}

func aksCommandInvokeCmd(a *App) *cobra.Command {
	o := &commandInvoke{}
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "invoke", short: "Run a shell command (with kubectl, helm) in the cluster and print its output",
		names: asIs, table: commandResultTable, required: []string{"resource-group", "name", "command"},
		check: func() error {
			if o.command == "" {
				return errors.New("Command cannot be empty.")
			}
			return nil
		},
		call: func(ctx context.Context, c *clients) (any, error) { return o.run(ctx, a, c, cmd) }})
	f := cmd.Flags()
	clusterFlags(cmd, &o.rg, &o.name)
	f.StringVarP(&o.command, "command", "c", "", "the command to run, e.g. \"kubectl get pods -A\"")
	f.StringArrayVarP(&o.files, "file", "f", nil, "attach a file the command may use (repeatable), or '.' to attach the current folder")
	noWaitFlag(cmd, &o.noWait)
	return cmd
}

// run posts the command (az reads the cluster first) and waits for its
// result, or with --no-wait says how to fetch it later.
func (o *commandInvoke) run(ctx context.Context, a *App, c *clients, cmd *cobra.Command) (any, error) {
	mc, err := managedClusters(c)
	if err != nil {
		return nil, err
	}
	if _, err := mc.Get(ctx, o.rg, o.name, nil); err != nil {
		return nil, err
	}
	attached, err := commandContext(o.files)
	if err != nil {
		return nil, err
	}
	req := armcontainerservice.RunCommandRequest{Command: to.Ptr(o.command), Context: to.Ptr(attached)}
	var initial *http.Response
	p, err := mc.BeginRunCommand(runtime.WithCaptureResponse(ctx, &initial), o.rg, o.name, req, nil)
	if err != nil {
		return nil, err
	}
	if o.noWait {
		id := ""
		if initial != nil {
			if m := commandIDPattern.FindStringSubmatch(initial.Header.Get("Location")); m != nil {
				id = m[1]
			}
		}
		return nil, a.commandInProgress(ctx, mc, o.rg, o.name, id)
	}
	resp, err := pollDone(ctx, a, p)
	if err != nil {
		return nil, stillRunning(ctx, err, o.rg, o.name)
	}
	return a.commandOutput(cmd, resp.RunCommandResult)
}

func aksCommandResultCmd(a *App) *cobra.Command {
	var rg, name, id string
	var cmd *cobra.Command
	cmd = a.simple(simpleCmd{use: "result", short: "Fetch the result of a previously triggered 'aks command invoke'",
		names: asIs, table: commandResultTable, required: []string{"resource-group", "name", "command-id"},
		call: func(ctx context.Context, c *clients) (any, error) { return a.commandResult(ctx, c, cmd, rg, name, id) }})
	clusterFlags(cmd, &rg, &name)
	cmd.Flags().StringVarP(&id, "command-id", "i", "", "the command ID from 'aks command invoke'")
	return cmd
}

// commandResult is 'aks command result': the result, or (202) the
// command's state while it runs.
func (a *App) commandResult(ctx context.Context, c *clients, cmd *cobra.Command, rg, name, id string) (any, error) {
	mc, err := managedClusters(c)
	if err != nil {
		return nil, err
	}
	var raw *http.Response
	resp, err := mc.GetCommandResult(runtime.WithCaptureResponse(ctx, &raw), rg, name, id, nil)
	if err != nil {
		return nil, err
	}
	if raw != nil && raw.StatusCode == http.StatusAccepted {
		a.printInProgress(raw, rg, name, id)
		return nil, nil
	}
	return a.commandOutput(cmd, resp.RunCommandResult)
}

// commandResultTable is az's aks_run_command_result_format.
func commandResultTable(v any) any {
	return mapRows(v, func(m map[string]any) output.Ordered {
		switch m["provisioningState"] {
		case "Succeeded":
			return row("exit code", m["exitCode"], "logs", m["logs"])
		case "Failed":
			return row("provisioning state", m["provisioningState"], "reason", m["reason"])
		}
		return row("provisioning state", m["provisioningState"], "started At", m["startedAt"])
	})
}

var commandIDPattern = regexp.MustCompile(`commandResults/(\w*)\?`)

// commandInProgress is az's answer to 'command invoke --no-wait': the
// command's state and how to get its result later.
func (a *App) commandInProgress(ctx context.Context, mc *armcontainerservice.ManagedClustersClient, rg, name, id string) error {
	var raw *http.Response
	if _, err := mc.GetCommandResult(runtime.WithCaptureResponse(ctx, &raw), rg, name, id, nil); err != nil {
		return err
	}
	a.printInProgress(raw, rg, name, id)
	return nil
}

func (a *App) printInProgress(raw *http.Response, rg, name, id string) {
	var doc struct {
		Properties map[string]any `json:"properties"`
	}
	var body []byte
	if raw != nil {
		body, _ = runtime.Payload(raw)
	}
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &doc) != nil {
		fmt.Fprintf(a.Stdout, "failed to fetch command result for command id: %s\n", id)
		return
	}
	fmt.Fprintf(a.Stdout, "command id: %s, started at: %s, status: %s\n", id,
		pyValue(doc.Properties["startedAt"]), pyValue(doc.Properties["provisioningState"]))
	fmt.Fprintf(a.Stdout, "Please use command \"aksbox aks command result -g %s -n %s -i %s\" to get the future execution result\n", rg, name, id)
}

// commandOutput is az's _print_command_result: with -o the result object;
// otherwise a summary line (colored on a terminal) and the command's logs.
// Like az, the exit code is aksbox's own, not the command's.
func (a *App) commandOutput(cmd *cobra.Command, r armcontainerservice.RunCommandResult) (any, error) {
	if cmd.Flags().Changed("output") {
		return aksOut(r)
	}
	p := r.Properties
	if p == nil {
		p = &armcontainerservice.CommandResultProperties{}
	}
	green, red, blue, reset := "\x1b[32m", "\x1b[31m", "\x1b[34m", "\x1b[0m"
	if !isTerminal(a.Stdout) {
		green, red, blue, reset = "", "", "", ""
	}
	state := "None"
	if p.ProvisioningState != nil {
		state = *p.ProvisioningState
	}
	switch state {
	case "Succeeded":
		exit := "None"
		if p.ExitCode != nil {
			exit = fmt.Sprint(*p.ExitCode)
		}
		fmt.Fprintf(a.Stdout, "%scommand started at %s, finished at %s with exitcode=%s%s\n", green,
			pyTime(p.StartedAt), pyTime(p.FinishedAt), exit, reset)
		fmt.Fprintln(a.Stdout, pyValue(ptrOrNil(p.Logs)))
	case "Failed":
		fmt.Fprintf(a.Stdout, "%scommand failed with reason: %s%s\n", red, pyValue(ptrOrNil(p.Reason)), reset)
	default:
		fmt.Fprintf(a.Stdout, "%scommand is in %s state%s\n", blue, state, reset)
	}
	return nil, nil
}

// pyTime is Python's str() of a UTC datetime: "2024-05-01 10:00:00+00:00".
func pyTime(t *time.Time) string {
	if t == nil {
		return "None"
	}
	u := t.UTC()
	s := u.Format("2006-01-02 15:04:05")
	if us := u.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + "+00:00"
}

// pyValue is Python's str() of a JSON scalar (None for null).
func pyValue(v any) string {
	if v == nil {
		return "None"
	}
	return fmt.Sprint(v)
}
