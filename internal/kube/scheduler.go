package kube

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/component-base/configz"
	schedulerapp "k8s.io/kubernetes/cmd/kube-scheduler/app"
	scheduleroptions "k8s.io/kubernetes/cmd/kube-scheduler/app/options"

	"github.com/aksbox/aksbox/internal/kube/config"
)

// schedulerArgs are the kube-scheduler flags for c.
func schedulerArgs(c config.Config) []string {
	return []string{
		"--kubeconfig=" + c.SchedulerKubeconfig,
		"--secure-port=0", // no HTTPS endpoint of its own, as for the controller manager
		"--leader-elect=false",
	}
}

// runScheduler runs kube-scheduler with the given flags until ctx ends.
func runScheduler(ctx context.Context, args []string) error {
	opts := scheduleroptions.NewOptions()
	fs := pflag.NewFlagSet("kube-scheduler", pflag.ContinueOnError)
	for _, f := range opts.Flags.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("kube-scheduler flags: %w", err)
	}
	ctx = componentContext(ctx, "kube-scheduler")
	configz.Delete("componentconfig") // see runControllerManager
	cc, sched, err := schedulerapp.Setup(ctx, opts)
	if err != nil {
		return fmt.Errorf("kube-scheduler setup: %w", err)
	}
	err = schedulerapp.Run(ctx, cc, sched)
	if ctx.Err() != nil {
		return nil // Run reports an error whenever it returns
	}
	return err
}
