// Package controlplane prepares and supervises the Kubernetes control plane
// of each managed cluster: its PKI and credentials (CA, serving and client
// certificates, service account keys, the static user token, kubeconfigs),
// the configuration file of its process, and the process itself — the aksbox
// binary re-executed as `aksbox __controlplane --config FILE` inside the
// cluster's network namespace, restarted whenever it exits until stopped.
//
// It links no Kubernetes code: the process runs package kube, and the two
// share only the k8s-free configuration format of package kube/config.
//
// Layout of a cluster's folder:
//
//	cluster.json        the Spec it was prepared with (read by Load)
//	controlplane.json   the process configuration (kube/config.Config)
//	controlplane.log    the process output (.1: the previous run's)
//	pki/                CA, certificates, keys, tokens.csv, kubeconfigs
//	run/                files the process derives; run/ready once it serves
package controlplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aksbox/aksbox/internal/kube/config"
	"github.com/aksbox/aksbox/internal/pki"
)

// Spec describes the control plane of one managed cluster.
type Spec struct {
	ClusterID   string     // ARM id of the managed cluster
	Dir         string     // the cluster's folder (created 0700): pki/, controlplane.json, logs
	Netns       string     // network namespace the process runs in ("" = this one, for tests)
	Address     netip.Addr // the API server's address; it listens on Address:Port only
	Port        int        // 0 = 443
	PrivateFQDN string     // named by the serving certificate (with the kubernetes service names, its first IP and Address)
	PublicFQDN  string     // optional, also named
	// PublicAddress is a public cluster's public IP, where a forwarder on
	// the host reaches Address; named by the serving certificate.
	PublicAddress netip.Addr
	// VNetAddress is the API server's address in the customer's VNet (API
	// Server VNet Integration), which nodes use directly; named by the
	// serving certificate.
	VNetAddress  netip.Addr
	ServiceCIDR  netip.Prefix // service cluster IP range
	DNSServiceIP netip.Addr   // cluster IP of kube-dns, in ServiceCIDR
	PodCIDR      netip.Prefix // optional cluster CIDR (kubenet): node pod CIDRs are allocated from it
	EtcdSocket   string       // unix socket of the shared etcd
	EtcdPrefix   string       // e.g. /aksbox/clusters/<hex>/registry
}

func (s Spec) port() int {
	if s.Port == 0 {
		return config.DefaultPort
	}
	return s.Port
}

func (s Spec) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.ClusterID == "" {
		bad("cluster id is empty")
	}
	if s.Dir == "" {
		bad("dir is empty")
	}
	if !s.Address.IsValid() || s.Address.IsUnspecified() {
		bad("address %v is not a specific ip address", s.Address)
	}
	if s.Netns == "" && s.Address.IsValid() && !s.Address.IsLoopback() {
		// fail closed: only a loopback API server may run in this namespace
		bad("address %v needs a network namespace of its own: only a loopback address may serve from the host's", s.Address)
	}
	if s.Port < 0 || s.Port > 65535 {
		bad("port %d out of range", s.Port)
	}
	if !s.ServiceCIDR.IsValid() {
		bad("service cidr is missing")
	} else if !s.ServiceCIDR.Contains(s.DNSServiceIP) {
		bad("dns service ip %v is not in service cidr %v", s.DNSServiceIP, s.ServiceCIDR)
	}
	if s.EtcdSocket == "" {
		bad("etcd socket is empty")
	}
	if !strings.HasPrefix(s.EtcdPrefix, "/") {
		bad("etcd prefix %q must start with /", s.EtcdPrefix)
	}
	return errors.Join(errs...)
}

// firstServiceIP is the cluster IP of the "kubernetes" service.
func (s Spec) firstServiceIP() netip.Addr { return s.ServiceCIDR.Masked().Addr().Next() }

// Cluster is a prepared control plane: its files exist and its credentials
// can be handed out.
type Cluster struct {
	spec Spec
	ca   *pki.CA
	// admin is the client certificate of the admin kubeconfig.
	admin *pki.Pair
	// userToken is the bearer token of the user kubeconfig.
	userToken string

	mu sync.Mutex // serializes issuing node certificates
}

// File names inside Spec.Dir.
const (
	specFile   = "cluster.json"
	configFile = "controlplane.json"
	logName    = "controlplane.log"
	pkiDir     = "pki"
	runDir     = "run"
	readyFile  = "ready"
	activity   = "activity.log"
)

// Prepare loads or creates everything the control plane of spec needs in
// spec.Dir and writes its configuration. It is idempotent: the CA, keys,
// tokens, client certificates and etcd prefix of an earlier Prepare are
// kept; a changed address or name reissues only the serving certificate.
func Prepare(spec Spec) (*Cluster, error) {
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("control plane spec: %w", err)
	}
	dir, err := filepath.Abs(spec.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", spec.Dir, err)
	}
	spec.Dir = dir
	if earlier, err := readSpec(dir); err == nil && earlier.EtcdPrefix != "" {
		// The state in etcd is where the cluster's first control plane put
		// it (a warm one's prefix, see pool.go).
		spec.EtcdPrefix = earlier.EtcdPrefix
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating cluster dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("securing cluster dir: %w", err)
	}
	c, cfg, err := preparePKI(spec)
	if err != nil {
		return nil, err
	}
	data, err := cfg.Marshal()
	if err != nil {
		return nil, err
	}
	if err := pki.WriteFileAtomic(filepath.Join(dir, configFile), data, 0o600); err != nil {
		return nil, fmt.Errorf("writing control plane config: %w", err)
	}
	specData, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding spec: %w", err)
	}
	if err := pki.WriteFileAtomic(filepath.Join(dir, specFile), append(specData, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("writing spec: %w", err)
	}
	return c, nil
}

// Load opens a cluster prepared earlier in dir, without creating or
// reissuing anything; it fails when the cluster was never prepared.
func Load(dir string) (*Cluster, error) {
	spec, err := readSpec(dir)
	if err != nil {
		return nil, err
	}
	return loadPKI(spec)
}

// readSpec reads the Spec a cluster in dir was prepared with.
func readSpec(dir string) (Spec, error) {
	var spec Spec
	data, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return spec, fmt.Errorf("loading control plane: %w", err)
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return spec, fmt.Errorf("decoding %s: %w", filepath.Join(dir, specFile), err)
	}
	return spec, nil
}

// EtcdPrefix is where the cluster prepared in dir keeps its Kubernetes
// state, or fallback when none was prepared there.
func EtcdPrefix(dir, fallback string) string {
	if spec, err := readSpec(dir); err == nil && spec.EtcdPrefix != "" {
		return spec.EtcdPrefix
	}
	return fallback
}

// Spec is what the cluster was prepared with.
func (c *Cluster) Spec() Spec { return c.spec }

// ID is the ARM id of the managed cluster.
func (c *Cluster) ID() string { return c.spec.ClusterID }

// ConfigPath is the control plane process's configuration file.
func (c *Cluster) ConfigPath() string { return filepath.Join(c.spec.Dir, configFile) }

// LogPath is where the control plane process's output goes.
func (c *Cluster) LogPath() string { return filepath.Join(c.spec.Dir, logName) }

// activityPath is the API server's note of people's requests (see
// config.ActivityLog).
func (c *Cluster) activityPath() string { return filepath.Join(c.spec.Dir, runDir, activity) }

// readyPath exists while a started process serves (see config.ReadyFile).
func (c *Cluster) readyPath() string { return filepath.Join(c.spec.Dir, runDir, readyFile) }

// CACert is the cluster CA certificate (PEM).
func (c *Cluster) CACert() []byte { return c.ca.CertPEM() }

// AdminCredentials is the admin client certificate and key (PEM):
// CN=masterclient, O=system:masters.
func (c *Cluster) AdminCredentials() (certPEM, keyPEM []byte, err error) {
	return c.admin.CertPEM, c.admin.KeyPEM, nil
}
