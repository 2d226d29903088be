package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/instance"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// quickstartGroup is the resource group the quickstart makes.
const quickstartGroup = "aksbox-quickstart"

// quickstartCmd walks the seed document's steps against the local cloud,
// starting it first if needed. Each step prints the command it ran and how
// long it took.
func quickstartCmd(a *App) *cobra.Command {
	var cleanup bool
	var listen string
	cmd := &cobra.Command{
		Use:   "quickstart",
		Short: "Start the cloud and walk the private-cluster document's steps",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Geteuid() != 0 {
				return fmt.Errorf("aksbox quickstart builds network namespaces and must run as root; run it again as root, e.g. 'sudo -E env PATH=$PATH go run ./cmd/aksbox quickstart'")
			}
			q := &quickstart{a: a, ctx: cmd.Context(), listen: listen}
			if cleanup {
				return q.cleanup()
			}
			return q.run()
		},
	}
	cmd.Flags().BoolVar(&cleanup, "cleanup", false, "delete what the quickstart made")
	cmd.Flags().StringVar(&listen, "listen", instance.DefaultListen, "address of the cloud's endpoint, if the quickstart starts it")
	return cmd
}

type quickstart struct {
	a      *App
	ctx    context.Context
	listen string
	self   string
	steps  int
	err    error // the first failed step of a sequence
}

// step runs one aksbox command as a user would type it and reports it.
func (q *quickstart) step(args ...string) (string, error) { return q.stepIn("", false, args...) }

// expectFailure runs a step that must fail (a negative fact of the
// document) and reports how it failed.
func (q *quickstart) expectFailure(args ...string) error {
	if _, err := q.stepIn("", true, args...); err != nil {
		return err
	}
	return nil
}

// stepIn runs a step with stdin; fail says the command must fail.
func (q *quickstart) stepIn(stdin string, fail bool, args ...string) (string, error) {
	q.steps++
	start := time.Now()
	fmt.Fprintf(q.a.Stdout, "\n[%d] $ aksbox %s\n", q.steps, strings.Join(quoteArgs(args), " "))
	c := exec.CommandContext(q.ctx, q.self, args...)
	c.Env = append(os.Environ(), "AKSBOX_STATE_DIR="+string(q.a.Dir()))
	c.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	stop := q.progress(args)
	err := c.Run()
	stop()
	for _, line := range strings.Split(strings.TrimRight(out.String()+errb.String(), "\n"), "\n") {
		if line != "" {
			fmt.Fprintf(q.a.Stdout, "    %s\n", line)
		}
	}
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case fail && err == nil:
		return out.String(), fmt.Errorf("step %d (aksbox %s) succeeded but must fail", q.steps, strings.Join(args, " "))
	case fail:
		fmt.Fprintf(q.a.Stdout, "    (failed as it must; %s)\n", took)
		return out.String(), nil
	case err != nil:
		return out.String(), fmt.Errorf("step %d (aksbox %s) failed: %v", q.steps, strings.Join(args, " "), err)
	}
	fmt.Fprintf(q.a.Stdout, "    (%s)\n", took)
	return out.String(), nil
}

// progress shows a spinner with the elapsed time on a terminal while a
// step runs; elsewhere nothing (the plain lines say it all).
func (q *quickstart) progress(args []string) func() {
	f, ok := q.a.Stdout.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		start := time.Now()
		frames := `|/-\`
		for i := 0; ; i++ {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-time.After(100 * time.Millisecond):
				fmt.Fprintf(f, "\r    %c %s %s", frames[i%len(frames)], args[0], time.Since(start).Round(100*time.Millisecond))
			}
		}
	}()
	return func() { close(done); <-finished }
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " '\"[]{}*?,") {
			a = `"` + strings.ReplaceAll(a, `"`, `\"`) + `"`
		}
		out[i] = a
	}
	return out
}

func (q *quickstart) init() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	q.self = self
	if _, err := q.a.Dir().ReadServer(); err != nil {
		fmt.Fprintf(q.a.Stdout, "Starting the aksbox cloud (state in %s) ...\n", q.a.Dir())
		var s serveFlags
		s.listen, s.featureDelay, s.providerDelay, s.pageSize, s.warm = q.listen, 3*time.Second, time.Second, 100, 1
		srv, err := startBackground(q.ctx, q.a.Dir(), s.args(), 2*time.Minute)
		if err != nil {
			return err
		}
		fmt.Fprintf(q.a.Stdout, "aksbox is running at %s (pid %d)\n", srv.Endpoint, srv.PID)
	}
	return nil
}

func (q *quickstart) run() error {
	total := time.Now()
	if err := q.init(); err != nil {
		return err
	}
	steps := [][]string{
		{"extension", "update", "--name", "aks-preview"},
		{"extension", "list", "-o", "table"},
		{"feature", "register", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService"},
	}
	for _, s := range steps {
		if _, err := q.step(s...); err != nil {
			return err
		}
	}
	query := "[?contains(name, 'Microsoft.ContainerService/AKSPrivateLinkPreview')].{Name:name,State:properties.state}"
	for {
		out, err := q.step("feature", "list", "-o", "table", "--query", query)
		if err != nil {
			return err
		}
		if strings.Contains(out, "Registered") {
			break
		}
		time.Sleep(time.Second)
	}
	for _, s := range [][]string{
		{"provider", "register", "--namespace", "Microsoft.ContainerService", "--wait"},
		{"provider", "register", "--namespace", "Microsoft.Network", "--wait"},
		{"group", "create", "--name", quickstartGroup, "--location", "westus2", "-o", "table"},
	} {
		if _, err := q.step(s...); err != nil {
			return err
		}
	}
	f, err := q.cluster()
	if err != nil {
		return err
	}
	fmt.Fprintf(q.a.Stdout, "\nDone in %s. What exists now, in resource group %s:\n"+
		"  - the private cluster %s (3 nodes, Kubernetes API at https://%s:443, only through the\n"+
		"    private endpoint %s in cluster-vnet/nodes), its node resource group %s with the private DNS zone %s,\n"+
		"    the kube-apiserver private endpoint and the node VMs\n"+
		"  - jumpbox in jump-vnet, peered both ways with cluster-vnet and linked to the zone; kubectl there lists the nodes\n"+
		"  - credentials merged into your kubeconfig (context %s); they work from VNets that reach the endpoint\n\n"+
		"Explore:   aksbox aks show -g %s -n %s -o table\n"+
		"           aksbox ssh vm -g %s -n jumpbox -- kubectl get pods -A\n"+
		"           aksbox aks command invoke -g %s -n %s --command \"kubectl get nodes\"\n"+
		"           aksbox network private-dns record-set a list -g %s -z %s -o table\n"+
		"Portal:    aksbox portal   (a one-time sign-in link; the group's Topology draws all of this)\n"+
		"Real az:   eval \"$(aksbox env)\" && az login --service-principal -u \"$AZURE_CLIENT_ID\" -p \"$AZURE_CLIENT_SECRET\" --tenant \"$AZURE_TENANT_ID\"\n"+
		"Clean up:  aksbox quickstart --cleanup   (and 'aksbox down' to stop the cloud)\n",
		time.Since(total).Round(time.Millisecond), quickstartGroup, qsCluster, f.fqdn, f.endpoint, f.nodeGroup, f.zone, qsCluster,
		quickstartGroup, qsCluster, quickstartGroup, quickstartGroup, qsCluster, f.nodeGroup, f.zone)
	return nil
}

func (q *quickstart) cleanup() error {
	if err := q.init(); err != nil {
		return err
	}
	out, err := q.step("group", "exists", "--name", quickstartGroup)
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) == "true" {
		if _, err := q.step("group", "delete", "--name", quickstartGroup, "--yes"); err != nil {
			return err
		}
	}
	fmt.Fprintln(q.a.Stdout, "\nCleaned up. Stop the cloud with 'aksbox down'.")
	return nil
}
