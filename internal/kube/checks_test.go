package kube

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/aksbox/aksbox/internal/controlplane"
)

// checkAddonsIdempotent applies the add-ons again, as a restart does, and
// then with another DNS service IP, which replaces the kube-dns service.
func checkAddonsIdempotent(t *testing.T, cs *kubernetes.Clientset, cfg Config) {
	t.Helper()
	ctx := context.Background()
	self, err := selfClientConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	if err := applyAddons(ctx, self, cfg, log); err != nil {
		t.Fatalf("applying add-ons again: %v", err)
	}
	moved := cfg
	moved.DNSServiceIP = netip.MustParseAddr("10.0.0.53")
	if err := applyAddons(ctx, self, moved, log); err != nil {
		t.Fatalf("applying add-ons with another dns ip: %v", err)
	}
	svc, err := cs.CoreV1().Services("kube-system").Get(ctx, "kube-dns", metav1.GetOptions{})
	if err != nil || svc.Spec.ClusterIP != "10.0.0.53" {
		t.Errorf("kube-dns after a dns ip change: %v %v", svc.Spec.ClusterIP, err)
	}
	if err := applyAddons(ctx, self, cfg, log); err != nil {
		t.Fatalf("restoring add-ons: %v", err)
	}
}

// checkAnonymous: health endpoints answer without credentials, nothing else
// does.
func checkAnonymous(t *testing.T, cl *controlplane.Cluster, cfg Config) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cl.CACert())
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for path, want := range map[string]int{"/readyz": 200, "/livez": 200, "/healthz": 200, "/version": 401, "/api": 401} {
		resp, err := client.Get(fmt.Sprintf("https://%s:%d%s", cfg.BindAddress, cfg.Port, path))
		if err != nil {
			t.Errorf("anonymous %s: %v", path, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("anonymous %s: %s, want %d", path, resp.Status, want)
		}
	}
}

// checkKubectl runs the machine's kubectl, when there is one, with the
// kubeconfigs package controlplane hands out.
func checkKubectl(t *testing.T, cl *controlplane.Cluster, cfg Config) {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("no kubectl; skipping its checks")
		return
	}
	server := fmt.Sprintf("https://%s:%d", cfg.BindAddress, cfg.Port)
	dir := t.TempDir()
	admin, err := cl.AdminKubeconfig("c1", "clusterAdmin_rg_c1", server)
	if err != nil {
		t.Fatal(err)
	}
	user, err := cl.UserKubeconfig("c1", "clusterUser_rg_c1", server)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "admin"), admin, 0o600)
	os.WriteFile(filepath.Join(dir, "user"), user, 0o600)
	run := func(kubeconfig string, args ...string) string {
		cmd := exec.Command(kubectl, append([]string{"--kubeconfig", filepath.Join(dir, kubeconfig)}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("kubectl %v: %v", args, err)
		}
		return string(out)
	}
	var v struct {
		ServerVersion struct{ GitVersion, Major, Minor string }
	}
	if err := json.Unmarshal([]byte(run("admin", "version", "-o", "json")), &v); err != nil {
		t.Errorf("kubectl version: %v", err)
	}
	if s := v.ServerVersion; s.GitVersion != "v1.33.13" || s.Major != "1" || s.Minor != "33" {
		t.Errorf("kubectl version: server %+v, want v1.33.13", s)
	}
	if who := run("user", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"); who != "clusterUser" {
		t.Errorf("user kubeconfig authenticates as %q, want clusterUser", who)
	}
	if who := run("admin", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"); who != "masterclient" {
		t.Errorf("admin kubeconfig authenticates as %q, want masterclient", who)
	}
}
