package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

// waitFlags are az's generic wait conditions.
type waitFlags struct {
	created, deleted, exists, updated bool
	custom                            string
	interval, timeout                 int
}

func (w *waitFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&w.created, "created", false, "wait until created with 'provisioningState' at 'Succeeded'")
	f.BoolVar(&w.deleted, "deleted", false, "wait until deleted")
	f.BoolVar(&w.exists, "exists", false, "wait until the resource exists")
	f.BoolVar(&w.updated, "updated", false, "wait until updated with provisioningState at 'Succeeded'")
	f.IntVar(&w.interval, "interval", 30, "polling interval in seconds")
	f.IntVar(&w.timeout, "timeout", 3600, "maximum wait in seconds")
}

// probe reports the provisioning state and whether the resource exists.
type probe func(ctx context.Context) (state string, exists bool, err error)

func (w *waitFlags) wait(ctx context.Context, p probe) error {
	n := 0
	for _, b := range []bool{w.created, w.deleted, w.exists, w.updated} {
		if b {
			n++
		}
	}
	if n != 1 {
		return usagef("give exactly one of --created, --deleted, --exists, --updated")
	}
	if w.interval < 1 {
		w.interval = 1
	}
	deadline := time.Now().Add(time.Duration(w.timeout) * time.Second)
	for {
		state, exists, err := p(ctx)
		if err != nil {
			return err
		}
		switch {
		case w.deleted && !exists,
			w.exists && exists,
			(w.created || w.updated) && exists && state == "Succeeded":
			return nil
		case (w.created || w.updated) && exists && state == "Failed":
			return fmt.Errorf("the resource is in provisioningState 'Failed'")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait operation timed out after %d seconds", w.timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(w.interval) * time.Second):
		}
	}
}
