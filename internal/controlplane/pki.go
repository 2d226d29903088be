package controlplane

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"

	"github.com/aksbox/aksbox/internal/kube/config"
	"github.com/aksbox/aksbox/internal/pki"
)

// Names of the pairs in Dir/pki (name.crt, name.key), and their subjects.
const (
	caName               = "ca"
	servingName          = "apiserver"
	frontProxyCAName     = "front-proxy-ca"
	frontProxyClientName = "front-proxy-client" // also its CN, which the API server requires
	adminName            = "admin"
	controllerMgrName    = "controller-manager"
	schedulerName        = "scheduler"
	kubeletClientName    = "apiserver-kubelet-client"
	saKeyFile            = "sa.key"
	saPubFile            = "sa.pub"
	tokenFile            = "tokens.csv"
	nodesDir             = "nodes"

	adminUser   = "masterclient" // the CN of AKS's admin client certificate
	mastersOrg  = "system:masters"
	clusterUser = "clusterUser" // the user of AKS's user credentials
)

// clientSpecs are the client certificates every cluster has.
var clientSpecs = map[string]pki.LeafSpec{
	adminName:            {CommonName: adminUser, Organization: []string{mastersOrg}, Usage: pki.UsageClient},
	controllerMgrName:    {CommonName: "system:kube-controller-manager", Usage: pki.UsageClient},
	schedulerName:        {CommonName: "system:kube-scheduler", Usage: pki.UsageClient},
	kubeletClientName:    {CommonName: "kube-apiserver-kubelet-client", Organization: []string{mastersOrg}, Usage: pki.UsageClient},
	frontProxyClientName: {CommonName: frontProxyClientName, Usage: pki.UsageClient},
}

// servingSpec is the API server certificate for spec.
func servingSpec(spec Spec) pki.LeafSpec {
	dns := []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	for _, n := range []string{spec.PrivateFQDN, spec.PublicFQDN} {
		if n != "" {
			dns = append(dns, n)
		}
	}
	ips := []net.IP{net.IP(spec.firstServiceIP().AsSlice())}
	if spec.Address != spec.firstServiceIP() {
		ips = append(ips, net.IP(spec.Address.AsSlice()))
	}
	if spec.PublicAddress.IsValid() {
		ips = append(ips, net.IP(spec.PublicAddress.AsSlice()))
	}
	if spec.VNetAddress.IsValid() {
		ips = append(ips, net.IP(spec.VNetAddress.AsSlice()))
	}
	return pki.LeafSpec{CommonName: "apiserver", DNSNames: dns, IPAddresses: ips, Usage: pki.UsageServer}
}

// preparePKI loads or creates the PKI of spec and writes the component
// kubeconfigs; it returns the cluster and the process configuration.
func preparePKI(spec Spec) (*Cluster, config.Config, error) {
	dir := filepath.Join(spec.Dir, pkiDir)
	ca, err := pki.LoadOrCreateCA(dir, caName)
	if err != nil {
		return nil, config.Config{}, err
	}
	frontProxyCA, err := pki.LoadOrCreateCA(dir, frontProxyCAName)
	if err != nil {
		return nil, config.Config{}, err
	}
	if _, err := pki.LoadOrIssue(dir, servingName, ca, servingSpec(spec)); err != nil {
		return nil, config.Config{}, fmt.Errorf("serving certificate: %w", err)
	}
	pairs := map[string]*pki.Pair{}
	for name, ls := range clientSpecs {
		issuer := ca
		if name == frontProxyClientName {
			issuer = frontProxyCA
		}
		p, err := pki.LoadOrIssue(dir, name, issuer, ls)
		if err != nil {
			return nil, config.Config{}, fmt.Errorf("%s certificate: %w", name, err)
		}
		pairs[name] = p
	}
	if err := ensureServiceAccountKey(dir); err != nil {
		return nil, config.Config{}, err
	}
	token, err := ensureUserToken(filepath.Join(dir, tokenFile))
	if err != nil {
		return nil, config.Config{}, err
	}
	c := &Cluster{spec: spec, ca: ca, admin: pairs[adminName], userToken: token}
	server := c.localServer()
	for _, name := range []string{controllerMgrName, schedulerName} {
		kc, err := renderKubeconfig(kubeconfig{
			cluster: "kubernetes", user: clientSpecs[name].CommonName, server: server,
			ca: c.CACert(), cert: pairs[name].CertPEM, key: pairs[name].KeyPEM,
		})
		if err != nil {
			return nil, config.Config{}, err
		}
		if err := pki.WriteFileAtomic(filepath.Join(dir, name+".kubeconfig"), kc, 0o600); err != nil {
			return nil, config.Config{}, fmt.Errorf("writing %s kubeconfig: %w", name, err)
		}
	}
	return c, c.processConfig(), nil
}

// loadPKI opens the PKI of a prepared cluster without changing it.
func loadPKI(spec Spec) (*Cluster, error) {
	dir := filepath.Join(spec.Dir, pkiDir)
	ca, err := loadCA(dir, caName)
	if err != nil {
		return nil, err
	}
	admin, err := pki.LoadPair(dir, adminName)
	if err != nil {
		return nil, fmt.Errorf("loading admin credentials: %w", err)
	}
	token, err := readUserToken(filepath.Join(dir, tokenFile))
	if err != nil {
		return nil, err
	}
	return &Cluster{spec: spec, ca: ca, admin: admin, userToken: token}, nil
}

func loadCA(dir, name string) (*pki.CA, error) {
	p, err := pki.LoadPair(dir, name)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", name, err)
	}
	return &pki.CA{Cert: p.Cert, Key: p.Key}, nil
}

// localServer is the API server's URL where the process runs (in the
// cluster's namespace), for the components' kubeconfigs.
func (c *Cluster) localServer() string {
	return "https://" + net.JoinHostPort(c.spec.Address.String(), fmt.Sprint(c.spec.port()))
}

// processConfig is the configuration of the control plane process.
func (c *Cluster) processConfig() config.Config {
	s := c.spec
	p := func(name string) string { return filepath.Join(s.Dir, pkiDir, name) }
	return config.Config{
		BindAddress:                 s.Address,
		Port:                        s.port(),
		AdvertiseAddress:            s.Address,
		EtcdServers:                 []string{"unix://" + s.EtcdSocket},
		EtcdPrefix:                  s.EtcdPrefix,
		ServiceCIDR:                 s.ServiceCIDR.Masked(),
		ClusterCIDR:                 s.PodCIDR,
		DNSServiceIP:                s.DNSServiceIP,
		CACert:                      p(caName + ".crt"),
		CAKey:                       p(caName + ".key"),
		ServingCert:                 p(servingName + ".crt"),
		ServingKey:                  p(servingName + ".key"),
		FrontProxyCACert:            p(frontProxyCAName + ".crt"),
		FrontProxyClientCert:        p(frontProxyClientName + ".crt"),
		FrontProxyClientKey:         p(frontProxyClientName + ".key"),
		ServiceAccountKey:           p(saKeyFile),
		ServiceAccountPublicKey:     p(saPubFile),
		TokenAuthFile:               p(tokenFile),
		ControllerManagerKubeconfig: p(controllerMgrName + ".kubeconfig"),
		SchedulerKubeconfig:         p(schedulerName + ".kubeconfig"),
		KubeletClientCert:           p(kubeletClientName + ".crt"),
		KubeletClientKey:            p(kubeletClientName + ".key"),
		WorkDir:                     filepath.Join(s.Dir, runDir),
		ReadyFile:                   c.readyPath(),
		ActivityLog:                 c.activityPath(),
	}
}

// ensureServiceAccountKey creates the key that signs service account tokens
// (RSA, as AKS) unless there is one, and writes its public key beside it.
func ensureServiceAccountKey(dir string) error {
	keyPath, pubPath := filepath.Join(dir, saKeyFile), filepath.Join(dir, saPubFile)
	var key crypto.Signer
	data, err := os.ReadFile(keyPath)
	switch {
	case err == nil:
		if key, err = pki.DecodeKeyPEM(data); err != nil {
			return fmt.Errorf("service account key %s: %w", keyPath, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if key, err = pki.GenerateKey(pki.KeyRSA2048); err != nil {
			return err
		}
		keyPEM, err := pki.EncodeKeyPEM(key)
		if err != nil {
			return err
		}
		if err := pki.WriteFileAtomic(keyPath, keyPEM, 0o600); err != nil {
			return fmt.Errorf("writing service account key: %w", err)
		}
	default:
		return fmt.Errorf("reading service account key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return fmt.Errorf("encoding service account public key: %w", err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if old, err := os.ReadFile(pubPath); err == nil && bytes.Equal(old, pub) {
		return nil
	}
	if err := pki.WriteFileAtomic(pubPath, pub, 0o644); err != nil {
		return fmt.Errorf("writing service account public key: %w", err)
	}
	return nil
}

// nodeName is what NodeCredentials accepts: a lowercase RFC 1123 subdomain,
// as Kubernetes requires of node names (and safe as a file name).
var nodeName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// NodeCredentials is the client certificate and key (PEM) of a node's
// agent: CN=system:node:<node>, O=system:nodes, signed by the cluster CA.
// They are kept in Dir/pki/nodes, so a node gets the same ones again.
func (c *Cluster) NodeCredentials(node string) (certPEM, keyPEM []byte, err error) {
	if len(node) > 253 || !nodeName.MatchString(node) {
		return nil, nil, fmt.Errorf("invalid node name %q", node)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := pki.LoadOrIssue(filepath.Join(c.spec.Dir, pkiDir, nodesDir), node, c.ca, pki.LeafSpec{
		CommonName:   "system:node:" + node,
		Organization: []string{"system:nodes"},
		Usage:        pki.UsageClient,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("node %s credentials: %w", node, err)
	}
	return p.CertPEM, p.KeyPEM, nil
}
