package kube

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	apiserveroptions "k8s.io/kubernetes/cmd/kube-apiserver/app/options"

	"github.com/aksbox/aksbox/internal/kube/config"
)

// apiserverArgs are the kube-apiserver flags for c. authnConfig is the
// structured authentication configuration file (see writeAuthnConfig),
// auditPolicy the policy of the activity log (see writeActivityPolicy).
func apiserverArgs(c config.Config, authnConfig, auditPolicy string) []string {
	args := []string{
		"--bind-address=" + c.BindAddress.String(),
		"--secure-port=" + strconv.Itoa(c.Port),
		"--advertise-address=" + c.AdvertiseAddress.String(),

		// The etcd is aksbox's own, shared by every cluster (each under its
		// prefix) and by the resource store, which uses its revisions as
		// ETags: compaction is the owner's business, never the API
		// server's.
		"--etcd-servers=" + strings.Join(c.EtcdServers, ","),
		"--etcd-prefix=" + c.EtcdPrefix,
		"--etcd-compaction-interval=0",

		"--service-cluster-ip-range=" + c.ServiceCIDR.String(),
		"--allow-privileged=true",

		"--tls-cert-file=" + c.ServingCert,
		"--tls-private-key-file=" + c.ServingKey,
		"--client-ca-file=" + c.CACert,
		"--token-auth-file=" + c.TokenAuthFile,
		"--authentication-config=" + authnConfig,
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",

		"--requestheader-client-ca-file=" + c.FrontProxyCACert,
		"--requestheader-allowed-names=" + frontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + c.FrontProxyClientCert,
		"--proxy-client-key-file=" + c.FrontProxyClientKey,

		"--service-account-issuer=" + config.ServiceAccountIssuer,
		"--service-account-key-file=" + c.ServiceAccountPublicKey,
		"--service-account-signing-key-file=" + c.ServiceAccountKey,

		"--kubelet-preferred-address-types=InternalIP,Hostname",
	}
	if c.AdvertiseAddress.IsLoopback() {
		// The "kubernetes" endpoints may not point at loopback (tests run
		// there); leave the service without endpoints.
		args = append(args, "--endpoint-reconciler-type=none")
	}
	if c.ActivityLog != "" {
		args = append(args,
			"--audit-policy-file="+auditPolicy,
			"--audit-log-path="+c.ActivityLog,
			"--audit-log-format=json",
			// One line per request of a person; a few of them are enough
			// to tell when the last came.
			"--audit-log-maxsize=1",
			"--audit-log-maxbackup=1")
	}
	if c.KubeletClientCert != "" {
		args = append(args,
			"--kubelet-client-certificate="+c.KubeletClientCert,
			"--kubelet-client-key="+c.KubeletClientKey)
	}
	return append(args, apiserverTuning...)
}

// frontProxyClientName is the CN the API server accepts on front proxy
// client certificates.
const frontProxyClientName = "front-proxy-client"

// apiserverTuning trades features a private test cluster does not need for
// memory and start-up time.
var apiserverTuning = []string{
	// Priority and fairness keeps a dozen flow schemas, their controllers
	// and per-level queues; a cluster this size needs none of it (the plain
	// max-in-flight limits still apply).
	"--enable-priority-and-fairness=false",
	"--profiling=false",
	// Lists and watches are served from etcd, which runs in the server's
	// process: each of the 51 caches would wake every second to send
	// bookmarks, the largest share left of an idle cluster's CPU
	// (BenchmarkAKSIdleCPU: 1.2-1.4 -> 0.9-1.0% of a core; a warm one
	// 0.8-1.0 -> 0.35%).
	"--watch-cache=false",
}

// writeAuthnConfig writes the structured authentication configuration into
// dir: anonymous requests are accepted only on the health endpoints, so that
// probes need no credentials and nothing else is open.
func writeAuthnConfig(dir string) (string, error) {
	const doc = `apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
  - path: /livez
  - path: /readyz
  - path: /healthz
`
	path := filepath.Join(dir, "authentication-config.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		return "", fmt.Errorf("writing authentication config: %w", err)
	}
	return path, nil
}

// writeActivityPolicy writes into dir the audit policy of the activity
// log: one Metadata line per request, except those of the cluster's own
// components (the controllers, the scheduler, this process, the nodes and
// kube-system's service accounts) and of health probes, so that the log
// is written only when someone uses the cluster.
func writeActivityPolicy(dir string) (string, error) {
	const doc = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: None
  users: ["system:kube-controller-manager", "system:kube-scheduler", "system:apiserver", "` + selfUser + `"]
- level: None
  userGroups: ["system:nodes", "system:serviceaccounts:kube-system"]
- level: None
  nonResourceURLs: ["/livez*", "/readyz*", "/healthz*"]
- level: Metadata
`
	path := filepath.Join(dir, "activity-policy.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		return "", fmt.Errorf("writing activity policy: %w", err)
	}
	return path, nil
}

// runAPIServer runs kube-apiserver with the given flags until ctx ends.
// With ln set it serves there instead of binding its address itself.
func runAPIServer(ctx context.Context, args []string, ln net.Listener) error {
	s := apiserveroptions.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range s.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("kube-apiserver flags: %w", err)
	}
	if ln != nil {
		s.SecureServing.Listener = ln
	}
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return fmt.Errorf("kube-apiserver feature gates: %w", err)
	}
	// The loopback clients must not log the warnings they cause themselves.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	completed, err := s.Complete(ctx)
	if err != nil {
		return fmt.Errorf("kube-apiserver options: %w", err)
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return fmt.Errorf("kube-apiserver options: %w", utilerrors.NewAggregate(errs))
	}
	return apiserverapp.Run(ctx, completed)
}
