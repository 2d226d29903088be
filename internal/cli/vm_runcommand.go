package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/spf13/cobra"
)

func vmRunCommandCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "run-command", Short: "Run scripts inside a virtual machine"}
	g.AddCommand(vmRunCommandInvokeCmd(a))
	return g
}

// runCommandParams turns az's '[name=]value' parameters into the API's;
// unnamed ones are arg1, arg2, ... as az names them.
func runCommandParams(params []string) []*armcompute.RunCommandInputParameter {
	var out []*armcompute.RunCommandInputParameter
	n := 0
	for _, p := range params {
		name, value, named := strings.Cut(p, "=")
		if !named {
			n++
			name, value = fmt.Sprintf("arg%d", n), p
		}
		out = append(out, &armcompute.RunCommandInputParameter{Name: to.Ptr(name), Value: to.Ptr(value)})
	}
	return out
}

// scriptLines reads az's @file script lines.
func scriptLines(scripts []string) ([]*string, error) {
	var out []*string
	for _, s := range scripts {
		if file, ok := strings.CutPrefix(s, "@"); ok {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, fmt.Errorf("reading the script: %w", err)
			}
			s = string(data)
		}
		out = append(out, to.Ptr(s))
	}
	return out, nil
}

// runCommandOutput is az's print of a RunCommandResult: every status with
// its five fields, time null when unset.
func runCommandOutput(r armcompute.RunCommandResult) map[string]any {
	value := []any{}
	for _, s := range r.Value {
		if s == nil {
			continue
		}
		var t any
		if s.Time != nil {
			t = s.Time.Format(time.RFC3339Nano)
		}
		var level any
		if s.Level != nil {
			level = string(*s.Level)
		}
		value = append(value, map[string]any{"code": ptrOrNil(s.Code), "displayStatus": ptrOrNil(s.DisplayStatus),
			"level": level, "message": ptrOrNil(s.Message), "time": t})
	}
	return map[string]any{"value": value}
}

func ptrOrNil(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func vmRunCommandInvokeCmd(a *App) *cobra.Command {
	var rg, name, commandID string
	var scripts, params []string
	cmd := a.simple(simpleCmd{use: "invoke", short: "Run a shell script in a VM (--command-id RunShellScript)", names: asIs,
		required: []string{"resource-group", "name", "command-id"},
		call: func(ctx context.Context, c *clients) (any, error) {
			lines, err := scriptLines(scripts)
			if err != nil {
				return nil, err
			}
			in := armcompute.RunCommandInput{CommandID: to.Ptr(commandID), Script: lines, Parameters: runCommandParams(params)}
			p, err := c.comp.NewVirtualMachinesClient().BeginRunCommand(ctx, rg, name, in, nil)
			if err != nil {
				return nil, err
			}
			resp, err := pollDone(ctx, a, p)
			if err != nil {
				return nil, err
			}
			return runCommandOutput(resp.RunCommandResult), nil
		}})
	vmNameFlags(cmd, &rg, &name)
	f := cmd.Flags()
	f.StringVar(&commandID, "command-id", "", "the command to run: RunShellScript")
	multiFlag(f, &scripts, "scripts", "", nil, "space-separated script lines; @{file} loads a script from a file")
	multiFlag(f, &params, "parameters", "", nil, "space-separated parameters in the format of '[name=]value'")
	azArgs(cmd, false)
	return cmd
}
