// Command aksbox is private Azure Kubernetes Service clusters in a box:
// the cloud (aksbox serve) and its az-shaped command line in one binary.
package main

import (
	"context"
	"os"

	"github.com/aksbox/aksbox/internal/cli"
	"github.com/aksbox/aksbox/internal/cloud"
	"github.com/aksbox/aksbox/internal/kube"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == kube.Subcommand {
		// A cluster's control plane, started by package controlplane's
		// supervisor; kept out of the cli package, which links no Kubernetes.
		os.Exit(kube.Main(os.Args[2:]))
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, serve))
}

// serve runs the cloud for 'aksbox serve'. It is linked here rather than in
// package cli, whose other commands reach the cloud over HTTPS only.
func serve(ctx context.Context, o cli.ServeOptions) error {
	return cloud.Run(ctx, cloud.Options{
		Dir: o.Dir, Listen: o.Listen, Logger: o.Logger, PageSize: o.PageSize,
		FeatureRegistrationDelay: o.FeatureRegistrationDelay, ProviderRegistrationDelay: o.ProviderRegistrationDelay,
		AKSRegions: o.AKSRegions, AKSPreviewGate: o.AKSPreviewGate, PortalSessionIdle: o.PortalSessionIdle,
		IdleSleep: o.IdleSleep, WarmControlPlanes: o.WarmControlPlanes,
	})
}
