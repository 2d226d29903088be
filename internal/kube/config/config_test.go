package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func valid() Config {
	return Config{
		BindAddress:                 netip.MustParseAddr("10.224.0.4"),
		EtcdServers:                 []string{"unix:///state/etcd.sock"},
		EtcdPrefix:                  "/aksbox/clusters/1/registry",
		ServiceCIDR:                 netip.MustParsePrefix("10.0.0.0/16"),
		DNSServiceIP:                netip.MustParseAddr("10.0.0.10"),
		CACert:                      "/p/ca.crt",
		CAKey:                       "/p/ca.key",
		ServingCert:                 "/p/apiserver.crt",
		ServingKey:                  "/p/apiserver.key",
		FrontProxyCACert:            "/p/front-proxy-ca.crt",
		FrontProxyClientCert:        "/p/front-proxy-client.crt",
		FrontProxyClientKey:         "/p/front-proxy-client.key",
		ServiceAccountKey:           "/p/sa.key",
		ServiceAccountPublicKey:     "/p/sa.pub",
		TokenAuthFile:               "/p/tokens.csv",
		ControllerManagerKubeconfig: "/p/cm.kubeconfig",
		SchedulerKubeconfig:         "/p/s.kubeconfig",
	}
}

func TestValidate(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"unspecified bind", func(c *Config) { c.BindAddress = netip.MustParseAddr("0.0.0.0") }, []string{"bindAddress"}},
		{"dns outside", func(c *Config) { c.DNSServiceIP = netip.MustParseAddr("10.1.0.10") }, []string{"dnsServiceIP"}},
		{"overlap", func(c *Config) { c.ClusterCIDR = netip.MustParsePrefix("10.0.0.0/8") }, []string{"overlaps"}},
		{"several", func(c *Config) { c.EtcdServers = nil; c.CAKey = ""; c.KubeletClientCert = "/x" },
			[]string{"etcdServers", "caKey", "kubeletClientKey"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	c := valid()
	c.ClusterCIDR = netip.MustParsePrefix("10.244.0.0/16")
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"bindAddress": "10.224.0.4"`) || strings.Contains(string(data), "advertiseAddress") {
		t.Errorf("unexpected encoding:\n%s", data)
	}
	path := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(path, data, 0o600)
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.ClusterCIDR != c.ClusterCIDR || got.BindAddress != c.BindAddress || got.SchedulerKubeconfig != c.SchedulerKubeconfig {
		t.Errorf("round trip: got %+v", got)
	}
	if d := got.WithDefaults(); d.Port != DefaultPort || d.AdvertiseAddress != c.BindAddress {
		t.Errorf("defaults: %+v", d)
	}

	os.WriteFile(path, []byte(`{"bindAddress":"10.0.0.1","surprise":1}`), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "surprise") {
		t.Errorf("unknown field accepted: %v", err)
	}
}
