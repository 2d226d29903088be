// Package config is the configuration of one embedded Kubernetes control
// plane: what the control-plane process (package kube) reads from its JSON
// file and what package controlplane writes for it.
//
// It is kept apart from package kube, and free of Kubernetes imports, so that
// the writer of the file links none of Kubernetes and both sides share one
// definition of the format.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// Subcommand is the hidden command of the aksbox binary that runs a control
// plane: `aksbox __controlplane --config FILE`.
const Subcommand = "__controlplane"

// ListenerFDFlag names the flag of Subcommand that hands the API server an
// open listening socket (a file descriptor number) instead of letting it
// bind Port itself: connections that arrive while no process serves wait
// in that socket's queue (see controlplane's idle sleep).
const ListenerFDFlag = "listener-fd"

// AdoptFDFlag names the flag of Subcommand that makes the process a warm
// control plane: it serves on its own address first, and the unix socket
// whose file descriptor the flag gives hands it, once, the listening
// socket of the cluster that adopts it (see kube's adopt.go and
// controlplane's pool).
const AdoptFDFlag = "adopt-fd"

// Adoption's answers on that socket: AdoptedReply once the API server
// serves the certificate now in ServingCert and accepts on the handed
// socket; anything else is an error message.
const AdoptedReply = "adopted"

// DefaultPort is the API server port when Config.Port is 0.
const DefaultPort = 443

// ServiceAccountIssuer is the issuer of service account tokens, as on AKS
// clusters without the OIDC issuer feature.
const ServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local"

// Config describes one control plane. Paths are absolute; addresses are
// those of the network namespace the process runs in.
type Config struct {
	// BindAddress is the one address the API server listens on.
	BindAddress netip.Addr `json:"bindAddress"`
	// Port is the API server's port (DefaultPort when 0).
	Port int `json:"port,omitempty"`
	// AdvertiseAddress is the address published in the "kubernetes"
	// service's endpoints (BindAddress when unset).
	AdvertiseAddress netip.Addr `json:"advertiseAddress,omitzero"`

	// EtcdServers are the etcd endpoints, e.g. "unix:///state/etcd.sock"
	// (an etcd without TLS).
	EtcdServers []string `json:"etcdServers"`
	// EtcdPrefix is the key prefix of this cluster's objects.
	EtcdPrefix string `json:"etcdPrefix"`

	ServiceCIDR  netip.Prefix `json:"serviceCIDR"`
	ClusterCIDR  netip.Prefix `json:"clusterCIDR,omitzero"` // pod CIDR; node CIDRs are allocated from it when set
	DNSServiceIP netip.Addr   `json:"dnsServiceIP"`

	// CACert and CAKey are the cluster CA: it verifies client certificates
	// and the controller manager signs CSRs with it.
	CACert string `json:"caCert"`
	CAKey  string `json:"caKey"`
	// ServingCert and ServingKey are the API server's TLS certificate.
	ServingCert string `json:"servingCert"`
	ServingKey  string `json:"servingKey"`
	// FrontProxyCACert verifies the front proxy client certificate
	// (FrontProxyClientCert/Key), which the API server presents to
	// aggregated API servers.
	FrontProxyCACert     string `json:"frontProxyCACert"`
	FrontProxyClientCert string `json:"frontProxyClientCert"`
	FrontProxyClientKey  string `json:"frontProxyClientKey"`
	// ServiceAccountKey signs service account tokens;
	// ServiceAccountPublicKey verifies them.
	ServiceAccountKey       string `json:"serviceAccountKey"`
	ServiceAccountPublicKey string `json:"serviceAccountPublicKey"`
	// TokenAuthFile holds static bearer tokens (token,user,uid,"groups").
	TokenAuthFile string `json:"tokenAuthFile"`
	// ControllerManagerKubeconfig and SchedulerKubeconfig are the
	// components' credentials for the API server.
	ControllerManagerKubeconfig string `json:"controllerManagerKubeconfig"`
	SchedulerKubeconfig         string `json:"schedulerKubeconfig"`
	// KubeletClientCert and KubeletClientKey (optional) are what the API
	// server presents to kubelets for logs, exec and port-forward.
	KubeletClientCert string `json:"kubeletClientCert,omitempty"`
	KubeletClientKey  string `json:"kubeletClientKey,omitempty"`

	// WorkDir (optional) is where the process writes the files it derives
	// (authentication configuration, readiness marker). A temporary
	// directory when unset.
	WorkDir string `json:"workDir,omitempty"`
	// ReadyFile (optional) is created once the API server is ready and the
	// cluster add-ons exist, and removed at start.
	ReadyFile string `json:"readyFile,omitempty"`
	// ActivityLog (optional) is where the API server notes the requests of
	// people and their tools (the cluster's own components, nodes and
	// probes are left out): its modification time is the cluster's last
	// use, which idle sleep reads.
	ActivityLog string `json:"activityLog,omitempty"`
	// Verbosity is the klog level of the upstream components. At 0 only
	// their errors are logged.
	Verbosity int `json:"verbosity,omitempty"`
}

// WithDefaults returns c with unset optional fields filled in.
func (c Config) WithDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if !c.AdvertiseAddress.IsValid() {
		c.AdvertiseAddress = c.BindAddress
	}
	return c
}

// Validate reports every missing or inconsistent field together.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !c.BindAddress.IsValid() || c.BindAddress.IsUnspecified() {
		bad("bindAddress must be a specific ip address")
	}
	if c.Port < 0 || c.Port > 65535 {
		bad("port %d out of range", c.Port)
	}
	if len(c.EtcdServers) == 0 {
		bad("etcdServers is empty")
	}
	if !strings.HasPrefix(c.EtcdPrefix, "/") {
		bad("etcdPrefix %q must start with /", c.EtcdPrefix)
	}
	if !c.ServiceCIDR.IsValid() {
		bad("serviceCIDR is missing")
	} else if !c.ServiceCIDR.Contains(c.DNSServiceIP) {
		bad("dnsServiceIP %v is not in serviceCIDR %v", c.DNSServiceIP, c.ServiceCIDR)
	}
	if c.ClusterCIDR.IsValid() && c.ServiceCIDR.IsValid() && c.ClusterCIDR.Overlaps(c.ServiceCIDR) {
		bad("clusterCIDR %v overlaps serviceCIDR %v", c.ClusterCIDR, c.ServiceCIDR)
	}
	for _, f := range []struct{ name, path string }{
		{"caCert", c.CACert}, {"caKey", c.CAKey},
		{"servingCert", c.ServingCert}, {"servingKey", c.ServingKey},
		{"frontProxyCACert", c.FrontProxyCACert},
		{"frontProxyClientCert", c.FrontProxyClientCert}, {"frontProxyClientKey", c.FrontProxyClientKey},
		{"serviceAccountKey", c.ServiceAccountKey}, {"serviceAccountPublicKey", c.ServiceAccountPublicKey},
		{"tokenAuthFile", c.TokenAuthFile},
		{"controllerManagerKubeconfig", c.ControllerManagerKubeconfig},
		{"schedulerKubeconfig", c.SchedulerKubeconfig},
	} {
		if f.path == "" {
			bad("%s is missing", f.name)
		}
	}
	if (c.KubeletClientCert == "") != (c.KubeletClientKey == "") {
		bad("kubeletClientCert and kubeletClientKey go together")
	}
	return errors.Join(errs...)
}

// Load reads a configuration file. Unknown fields are an error, so that a
// writer and a reader of different versions do not silently disagree.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("reading control plane config: %w", err)
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("decoding control plane config %s: %w", path, err)
	}
	return c, nil
}

// Marshal encodes c as indented JSON, the form Load reads.
func (c Config) Marshal() ([]byte, error) {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding control plane config: %w", err)
	}
	return append(data, '\n'), nil
}
