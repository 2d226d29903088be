package kube

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/kube/buildinfo"
	"github.com/aksbox/aksbox/internal/kube/config"
	"k8s.io/component-base/version"
)

func argsConfig() Config {
	return Config{
		BindAddress:  netip.MustParseAddr("10.224.0.4"),
		EtcdServers:  []string{"unix:///state/etcd.sock"},
		EtcdPrefix:   "/aksbox/clusters/1/registry",
		ServiceCIDR:  netip.MustParsePrefix("10.0.0.0/16"),
		DNSServiceIP: netip.MustParseAddr("10.0.0.10"),
		CACert:       "/p/ca.crt", CAKey: "/p/ca.key",
		ServingCert: "/p/apiserver.crt", ServingKey: "/p/apiserver.key",
		FrontProxyCACert: "/p/fp-ca.crt", FrontProxyClientCert: "/p/fp.crt", FrontProxyClientKey: "/p/fp.key",
		ServiceAccountKey: "/p/sa.key", ServiceAccountPublicKey: "/p/sa.pub",
		TokenAuthFile:               "/p/tokens.csv",
		ControllerManagerKubeconfig: "/p/cm.kubeconfig",
		SchedulerKubeconfig:         "/p/s.kubeconfig",
	}.WithDefaults()
}

func TestAPIServerArgs(t *testing.T) {
	args := apiserverArgs(argsConfig(), "/run/authn.yaml", "/run/activity.yaml")
	for _, want := range []string{
		"--bind-address=10.224.0.4", "--secure-port=443", "--advertise-address=10.224.0.4",
		"--etcd-servers=unix:///state/etcd.sock", "--etcd-prefix=/aksbox/clusters/1/registry",
		"--etcd-compaction-interval=0",
		"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--authentication-config=/run/authn.yaml", "--allow-privileged=true",
		"--service-cluster-ip-range=10.0.0.0/16", "--requestheader-allowed-names=front-proxy-client",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("kube-apiserver args lack %s", want)
		}
	}
	for _, a := range args {
		if strings.HasPrefix(a, "--anonymous-auth") || strings.HasPrefix(a, "--endpoint-reconciler-type") {
			t.Errorf("unexpected %s", a)
		}
	}
	loop := argsConfig()
	loop.BindAddress, loop.AdvertiseAddress = netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.1")
	if !slices.Contains(apiserverArgs(loop, "x", "y"), "--endpoint-reconciler-type=none") {
		t.Errorf("loopback advertise address keeps the endpoint reconciler")
	}
}

func TestControllerManagerArgs(t *testing.T) {
	c := argsConfig()
	args := controllerManagerArgs(c)
	for _, want := range []string{
		"--leader-elect=false", "--use-service-account-credentials=true", "--secure-port=0",
		"--cluster-signing-cert-file=/p/ca.crt", "--cluster-signing-key-file=/p/ca.key",
		"--node-monitor-grace-period=20s", "--kubeconfig=/p/cm.kubeconfig",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("kube-controller-manager args lack %s", want)
		}
	}
	if slices.Contains(args, "--allocate-node-cidrs=true") {
		t.Errorf("node cidrs allocated without a cluster cidr")
	}
	c.ClusterCIDR = netip.MustParsePrefix("10.244.0.0/16")
	args = controllerManagerArgs(c)
	if !slices.Contains(args, "--allocate-node-cidrs=true") || !slices.Contains(args, "--cluster-cidr=10.244.0.0/16") {
		t.Errorf("cluster cidr not allocated: %v", args)
	}
	if s := schedulerArgs(c); !slices.Contains(s, "--leader-elect=false") || !slices.Contains(s, "--kubeconfig=/p/s.kubeconfig") {
		t.Errorf("kube-scheduler args %v", s)
	}
}

func TestVersionStamp(t *testing.T) {
	if !buildinfo.Stamped() {
		t.Fatalf("version not stamped: %+v", version.Get())
	}
	if v := version.Get(); v.GitVersion != "v1.33.13" || v.Major != "1" || v.Minor != "33" {
		t.Errorf("version = %+v", v)
	}
}

func TestMainUsage(t *testing.T) {
	var out bytes.Buffer
	if code := run(nil, &out); code != 2 || !strings.Contains(out.String(), "usage") {
		t.Errorf("no arguments: code %d, output %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"--config", "/nonexistent/controlplane.json"}, &out); code != 1 {
		t.Errorf("missing config: code %d, output %q", code, out.String())
	}
	if config.Subcommand != Subcommand {
		t.Errorf("subcommand mismatch")
	}
}
