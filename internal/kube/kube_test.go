package kube

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/aksbox/aksbox/internal/controlplane"
	"github.com/aksbox/aksbox/internal/kube/config"
	"github.com/aksbox/aksbox/internal/store"
)

// freePort is a TCP port free on 127.0.0.1 a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testCluster starts an embedded etcd on a unix socket and prepares a
// control plane for 127.0.0.1 (the host namespace: loopback only).
func testCluster(t testing.TB) (*controlplane.Cluster, Config) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(dir, "etcd"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("starting etcd: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	cl, err := controlplane.Prepare(controlplane.Spec{
		ClusterID:    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
		Dir:          filepath.Join(dir, "c1"),
		Address:      netip.MustParseAddr("127.0.0.1"),
		Port:         freePort(t),
		PrivateFQDN:  "c1-dns-12345678.abc.privatelink.eastus.azmk8s.io",
		ServiceCIDR:  netip.MustParsePrefix("10.0.0.0/16"),
		DNSServiceIP: netip.MustParseAddr("10.0.0.10"),
		PodCIDR:      netip.MustParsePrefix("10.244.0.0/16"),
		EtcdSocket:   st.Socket(),
		EtcdPrefix:   "/aksbox/clusters/0123abcd/registry",
	})
	if err != nil {
		t.Fatalf("preparing control plane: %v", err)
	}
	cfg, err := config.Load(cl.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	return cl, cfg
}

func adminClient(t testing.TB, cl *controlplane.Cluster, cfg Config) *kubernetes.Clientset {
	t.Helper()
	cert, key, err := cl.AdminCredentials()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(&rest.Config{
		Host:            fmt.Sprintf("https://%s:%d", cfg.BindAddress, cfg.Port),
		TLSClientConfig: rest.TLSClientConfig{CAData: cl.CACert(), CertData: cert, KeyData: key},
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// eventually polls f every 200ms until it returns nil or d passes.
func eventually(t *testing.T, d time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestControlPlane(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a whole control plane")
	}
	cl, cfg := testCluster(t)
	goroutines := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewTextHandler(t.Output(), nil))) }()

	eventually(t, 2*time.Minute, "control plane ready", func() error {
		select {
		case err := <-done:
			t.Fatalf("control plane stopped early: %v", err)
		default:
		}
		_, err := os.Stat(cfg.ReadyFile)
		return err
	})
	t.Logf("ready after %v", time.Since(start))
	cs := adminClient(t, cl, cfg)
	bg := context.Background()

	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("/version: %v", err)
	}
	if v.GitVersion != "v1.33.13" || v.Major != "1" || v.Minor != "33" {
		t.Errorf("/version = %s (major %q minor %q), want v1.33.13 (1, 33)", v.GitVersion, v.Major, v.Minor)
	}

	checkAnonymous(t, cl, cfg)
	checkKubectl(t, cl, cfg)

	svc, err := cs.CoreV1().Services("kube-system").Get(bg, "kube-dns", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("kube-dns service: %v", err)
	}
	if svc.Spec.ClusterIP != "10.0.0.10" {
		t.Errorf("kube-dns cluster ip = %s, want 10.0.0.10", svc.Spec.ClusterIP)
	}
	if _, err := cs.AppsV1().Deployments("kube-system").Get(bg, "coredns", metav1.GetOptions{}); err != nil {
		t.Errorf("coredns deployment: %v", err)
	}
	checkAddonsIdempotent(t, cs, cfg)

	createNode(t, cs, "aks-nodepool1-12345678-vmss000000")
	replicas := int32(2)
	labels := map[string]string{"app": "web"}
	_, err = cs.AppsV1().Deployments("default").Create(bg, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating deployment: %v", err)
	}
	eventually(t, time.Minute, "replica set of the deployment", func() error {
		rss, err := cs.AppsV1().ReplicaSets("default").List(bg, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return err
		}
		if len(rss.Items) != 1 || len(rss.Items[0].OwnerReferences) == 0 || rss.Items[0].OwnerReferences[0].Name != "web" {
			return fmt.Errorf("replica sets: %d", len(rss.Items))
		}
		return nil
	})
	eventually(t, time.Minute, "pods bound to the node", func() error {
		pods, err := cs.CoreV1().Pods("default").List(bg, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return err
		}
		bound := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName == "aks-nodepool1-12345678-vmss000000" {
				bound++
			}
		}
		if bound != 2 {
			return fmt.Errorf("%d of %d pods bound", bound, len(pods.Items))
		}
		return nil
	})

	checkActivityLog(t, cfg)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after cancel")
	}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", cfg.Port), time.Second); err == nil {
		c.Close()
		t.Errorf("API server still listening after Run returned")
	}
	// Upstream leaves a few goroutines behind (timers, caches stopping in
	// the background); check that the components' bulk is gone.
	eventually(t, 30*time.Second, "goroutines ending", func() error {
		if n := runtime.NumGoroutine(); n > goroutines+50 {
			return fmt.Errorf("%d goroutines, %d before start", n, goroutines)
		}
		return nil
	})
	t.Logf("goroutines: %d before start, %d after stop", goroutines, runtime.NumGoroutine())
}

// createNode registers a ready node, as a node agent would.
func createNode(t testing.TB, cs *kubernetes.Clientset, name string) {
	t.Helper()
	ctx := context.Background()
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("7Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	node, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			corev1.LabelOSStable: "linux", corev1.LabelHostname: name,
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating node: %v", err)
	}
	now := metav1.Now()
	node.Status = corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			LastHeartbeatTime: now, LastTransitionTime: now,
		}},
		NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.33.13", OperatingSystem: "linux", Architecture: "amd64"},
	}
	if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("setting node status: %v", err)
	}
}

// adminUserForTest is the CN of the admin kubeconfig's certificate.
const adminUserForTest = "masterclient"

// checkActivityLog: the admin's requests are noted, the cluster's own
// components' (controllers, scheduler, this process) and probes' are not.
func checkActivityLog(t *testing.T, cfg Config) {
	t.Helper()
	data, err := os.ReadFile(cfg.ActivityLog)
	if err != nil {
		t.Fatalf("activity log: %v", err)
	}
	log := string(data)
	if !strings.Contains(log, `"username":"`+adminUserForTest+`"`) || !strings.Contains(log, "/apis/apps/v1/namespaces/default/deployments") {
		t.Errorf("the admin's requests are not in the activity log:\n%.2000s", log)
	}
	for _, own := range []string{"system:kube-controller-manager", "system:kube-scheduler", "system:serviceaccount:kube-system", selfUser, "/readyz", "/livez"} {
		if strings.Contains(log, own) {
			t.Errorf("the activity log notes %s, one of the cluster's own:\n%.2000s", own, log)
		}
	}
}
