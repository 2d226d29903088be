package controlplane

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/kube/config"
	"github.com/aksbox/aksbox/internal/pki"
)

func testSpec(dir string) Spec {
	return Spec{
		ClusterID:    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
		Dir:          dir,
		Netns:        "aksbox-test-api", // named only: these tests start no process
		Address:      netip.MustParseAddr("10.224.0.4"),
		PrivateFQDN:  "c1-dns-0a1b2c3d.5e6f.privatelink.eastus.azmk8s.io",
		PublicFQDN:   "c1-dns-0a1b2c3d.hcp.eastus.azmk8s.io",
		ServiceCIDR:  netip.MustParsePrefix("10.0.0.0/16"),
		DNSServiceIP: netip.MustParseAddr("10.0.0.10"),
		PodCIDR:      netip.MustParsePrefix("10.244.0.0/16"),
		EtcdSocket:   "/var/lib/aksbox/etcd/etcd.sock",
		EtcdPrefix:   "/aksbox/clusters/0a1b/registry",
	}
}

func prepare(t *testing.T, spec Spec) *Cluster {
	t.Helper()
	c, err := Prepare(spec)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return c
}

func loadCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := pki.DecodeCertPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPrepareIsIdempotent(t *testing.T) {
	spec := testSpec(t.TempDir())
	first := prepare(t, spec)
	files := map[string][]byte{}
	for _, name := range []string{"ca.crt", "ca.key", "apiserver.crt", "admin.crt", "sa.key", "sa.pub", "tokens.csv",
		"front-proxy-ca.crt", "front-proxy-client.crt", "controller-manager.crt", "scheduler.crt"} {
		files[name] = readFile(t, filepath.Join(spec.Dir, pkiDir, name))
	}
	cfg1 := readFile(t, first.ConfigPath())

	second := prepare(t, spec)
	for name, data := range files {
		if got := readFile(t, filepath.Join(spec.Dir, pkiDir, name)); !bytes.Equal(got, data) {
			t.Errorf("%s changed on the second Prepare", name)
		}
	}
	if !bytes.Equal(readFile(t, second.ConfigPath()), cfg1) {
		t.Errorf("controlplane.json changed on the second Prepare")
	}
	if second.userToken != first.userToken || !bytes.Equal(second.CACert(), first.CACert()) {
		t.Errorf("credentials changed on the second Prepare")
	}

	// A new address and name reissue the serving certificate only.
	spec.Address = netip.MustParseAddr("10.224.0.5")
	spec.PrivateFQDN = "other.privatelink.eastus.azmk8s.io"
	third := prepare(t, spec)
	for name, data := range files {
		changed := !bytes.Equal(readFile(t, filepath.Join(spec.Dir, pkiDir, name)), data)
		if changed != (name == "apiserver.crt") {
			t.Errorf("%s changed = %v after an address change", name, changed)
		}
	}
	serving := loadCert(t, filepath.Join(spec.Dir, pkiDir, "apiserver.crt"))
	if !slices.Contains(serving.DNSNames, "other.privatelink.eastus.azmk8s.io") {
		t.Errorf("serving certificate names %v, want the new fqdn", serving.DNSNames)
	}
	if third.userToken != first.userToken {
		t.Errorf("user token changed after an address change")
	}

	loaded, err := Load(spec.Dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if loaded.userToken != first.userToken || !bytes.Equal(loaded.admin.CertPEM, first.admin.CertPEM) || loaded.ID() != spec.ClusterID {
		t.Errorf("Load gave other credentials than Prepare")
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Errorf("Load of an unprepared dir succeeded")
	}
}

func TestCertificates(t *testing.T) {
	spec := testSpec(t.TempDir())
	c := prepare(t, spec)
	dir := filepath.Join(spec.Dir, pkiDir)
	ca := loadCert(t, filepath.Join(dir, "ca.crt"))
	if !ca.IsCA {
		t.Fatal("ca.crt is not a ca")
	}
	serving := loadCert(t, filepath.Join(dir, "apiserver.crt"))
	for _, name := range []string{spec.PrivateFQDN, spec.PublicFQDN, "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"} {
		if err := serving.VerifyHostname(name); err != nil {
			t.Errorf("serving certificate: %v", err)
		}
	}
	for _, ip := range []string{"10.0.0.1", "10.224.0.4"} {
		if err := serving.VerifyHostname(ip); err != nil {
			t.Errorf("serving certificate: %v", err)
		}
	}
	if !slices.Contains(serving.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || serving.CheckSignatureFrom(ca) != nil {
		t.Errorf("serving certificate is not a server certificate of the ca")
	}

	tests := []struct {
		name, cn string
		org      []string
		issuer   string
	}{
		{"admin", "masterclient", []string{"system:masters"}, "ca"},
		{"controller-manager", "system:kube-controller-manager", nil, "ca"},
		{"scheduler", "system:kube-scheduler", nil, "ca"},
		{"front-proxy-client", "front-proxy-client", nil, "front-proxy-ca"},
	}
	for _, tc := range tests {
		cert := loadCert(t, filepath.Join(dir, tc.name+".crt"))
		if cert.Subject.CommonName != tc.cn || !slices.Equal(cert.Subject.Organization, tc.org) {
			t.Errorf("%s: subject %v, want CN=%s O=%v", tc.name, cert.Subject, tc.cn, tc.org)
		}
		if cert.CheckSignatureFrom(loadCert(t, filepath.Join(dir, tc.issuer+".crt"))) != nil {
			t.Errorf("%s: not signed by %s", tc.name, tc.issuer)
		}
		if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
			t.Errorf("%s: not a client certificate", tc.name)
		}
	}

	certPEM, keyPEM, err := c.NodeCredentials("aks-nodepool1-12345678-vmss000000")
	if err != nil {
		t.Fatal(err)
	}
	node, err := pki.DecodeCertPEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if node.Subject.CommonName != "system:node:aks-nodepool1-12345678-vmss000000" ||
		!slices.Equal(node.Subject.Organization, []string{"system:nodes"}) || node.CheckSignatureFrom(ca) != nil {
		t.Errorf("node certificate subject %v", node.Subject)
	}
	again, _, _ := c.NodeCredentials("aks-nodepool1-12345678-vmss000000")
	if !bytes.Equal(again, certPEM) || len(keyPEM) == 0 {
		t.Errorf("node credentials not kept")
	}
	for _, bad := range []string{"", "../x", "Node1", "a/b"} {
		if _, _, err := c.NodeCredentials(bad); err == nil {
			t.Errorf("NodeCredentials(%q) succeeded", bad)
		}
	}

	if saPub := readFile(t, filepath.Join(dir, "sa.pub")); !bytes.Contains(saPub, []byte("PUBLIC KEY")) {
		t.Errorf("sa.pub is not a public key")
	}
	tokens := string(readFile(t, filepath.Join(dir, "tokens.csv")))
	if !strings.HasPrefix(tokens, c.userToken+",clusterUser,") || !strings.Contains(tokens, `"system:masters"`) {
		t.Errorf("tokens.csv = %q", tokens)
	}
}

func TestProcessConfig(t *testing.T) {
	spec := testSpec(t.TempDir())
	c := prepare(t, spec)
	cfg, err := config.Load(c.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("written config does not validate: %v", err)
	}
	if cfg.BindAddress != spec.Address || cfg.WithDefaults().Port != 443 || cfg.ClusterCIDR != spec.PodCIDR ||
		cfg.EtcdServers[0] != "unix:///var/lib/aksbox/etcd/etcd.sock" || cfg.EtcdPrefix != spec.EtcdPrefix {
		t.Errorf("config %+v does not match spec", cfg)
	}
	for _, p := range []string{cfg.CACert, cfg.CAKey, cfg.ServingCert, cfg.ServingKey, cfg.FrontProxyCACert,
		cfg.FrontProxyClientCert, cfg.FrontProxyClientKey, cfg.ServiceAccountKey, cfg.ServiceAccountPublicKey,
		cfg.TokenAuthFile, cfg.ControllerManagerKubeconfig, cfg.SchedulerKubeconfig, cfg.KubeletClientCert, cfg.KubeletClientKey} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("config names a missing file: %v", err)
		}
	}
	kc := string(readFile(t, cfg.ControllerManagerKubeconfig))
	if !strings.Contains(kc, `server: "https://10.224.0.4:443"`) || !strings.Contains(kc, `user: "system:kube-controller-manager"`) {
		t.Errorf("controller manager kubeconfig:\n%s", kc)
	}
	if fi, err := os.Stat(spec.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cluster dir mode %v, want 0700", fi.Mode())
	}
}

func TestSpecValidation(t *testing.T) {
	bad := testSpec(t.TempDir())
	bad.ClusterID = ""
	bad.Address = netip.Addr{}
	bad.DNSServiceIP = netip.MustParseAddr("10.1.0.10")
	bad.EtcdPrefix = "relative"
	_, err := Prepare(bad)
	if err == nil {
		t.Fatal("Prepare accepted a bad spec")
	}
	for _, want := range []string{"cluster id", "address", "dns service ip", "etcd prefix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

// kubeconfigValue returns the value of the first "key: value" line.
func kubeconfigValue(t *testing.T, kc []byte, key string) string {
	t.Helper()
	for _, line := range strings.Split(string(kc), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+": "); ok {
			return strings.Trim(v, `"`)
		}
	}
	t.Fatalf("kubeconfig has no %s:\n%s", key, kc)
	return ""
}

func TestKubeconfigs(t *testing.T) {
	c := prepare(t, testSpec(t.TempDir()))
	server := "https://c1-dns-0a1b2c3d.5e6f.privatelink.eastus.azmk8s.io:443"
	admin, err := c.AdminKubeconfig("c1", "clusterAdmin_rg_c1", server)
	if err != nil {
		t.Fatal(err)
	}
	user, err := c.UserKubeconfig("c1", "clusterUser_rg_c1", server)
	if err != nil {
		t.Fatal(err)
	}
	for _, kc := range [][]byte{admin, user} {
		if got := kubeconfigValue(t, kc, "server"); got != server {
			t.Errorf("server = %q", got)
		}
		if got := kubeconfigValue(t, kc, "current-context"); got != "c1" {
			t.Errorf("current-context = %q", got)
		}
		ca, _ := base64.StdEncoding.DecodeString(kubeconfigValue(t, kc, "certificate-authority-data"))
		if !bytes.Equal(ca, c.CACert()) {
			t.Errorf("certificate-authority-data is not the cluster ca")
		}
	}
	cert, _ := base64.StdEncoding.DecodeString(kubeconfigValue(t, admin, "client-certificate-data"))
	if want, _, _ := c.AdminCredentials(); !bytes.Equal(cert, want) {
		t.Errorf("admin kubeconfig has other client certificate")
	}
	if got := kubeconfigValue(t, user, "token"); got != c.userToken || got == "" {
		t.Errorf("user token = %q", got)
	}
	if strings.Contains(string(user), "client-key-data") || strings.Contains(string(admin), "token:") {
		t.Errorf("admin and user credentials mixed")
	}
	if got := kubeconfigValue(t, user, "user"); got != "clusterUser_rg_c1" {
		t.Errorf("context user = %q", got)
	}
}
