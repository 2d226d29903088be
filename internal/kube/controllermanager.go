package kube

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/configz"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"

	"github.com/aksbox/aksbox/internal/kube/config"
)

// controllerManagerArgs are the kube-controller-manager flags for c.
func controllerManagerArgs(c config.Config) []string {
	args := []string{
		"--kubeconfig=" + c.ControllerManagerKubeconfig,
		// No HTTPS endpoint of its own (health, metrics): nothing would
		// reach it, and it would listen on every address.
		"--secure-port=0",
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--cluster-signing-cert-file=" + c.CACert,
		"--cluster-signing-key-file=" + c.CAKey,
		"--root-ca-file=" + c.CACert,
		"--service-account-private-key-file=" + c.ServiceAccountKey,
		"--service-cluster-ip-range=" + c.ServiceCIDR.String(),
		// Nodes post status every few seconds; one whose agent lost the API
		// server goes NotReady after this long.
		"--node-monitor-grace-period=20s",
		"--controllers=" + strings.Join(controllers, ","),
	}
	if c.ClusterCIDR.IsValid() {
		args = append(args, "--allocate-node-cidrs=true", "--cluster-cidr="+c.ClusterCIDR.String())
	}
	return args
}

// controllers are the default set minus those with nothing to do where nodes
// are simulated and no volume is ever attached.
var controllers = []string{
	"*",
	"-persistentvolume-attach-detach-controller",
	"-ttl-controller",
	// Keeps its own copy of every OpenAPI definition (8 MB) to type-check
	// validating admission policies for their status only.
	"-validatingadmissionpolicy-status-controller",
}

// runControllerManager runs kube-controller-manager with the given flags
// until ctx ends.
func runControllerManager(ctx context.Context, args []string) error {
	s, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return fmt.Errorf("kube-controller-manager options: %w", err)
	}
	known, disabled, aliases := kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases()
	named := s.Flags(known, disabled, aliases)
	fs := pflag.NewFlagSet("kube-controller-manager", pflag.ContinueOnError)
	for _, f := range named.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("kube-controller-manager flags: %w", err)
	}
	s.ParsedFlags = &named
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	c, err := s.Config(known, disabled, aliases)
	if err != nil {
		return fmt.Errorf("kube-controller-manager config: %w", err)
	}
	// configz refuses a second registration of a name in one process, so a
	// control plane started again in this process (tests) starts clean.
	configz.Delete(kcmapp.ConfigzName)
	return kcmapp.Run(componentContext(ctx, "kube-controller-manager"), c.Complete())
}
