package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/aksbox/aksbox/internal/kube/config"
)

// fieldManager owns the fields of the add-ons in server-side apply.
const fieldManager = "aksbox"

// addon is one object the control plane keeps in every cluster.
type addon struct {
	gvr schema.GroupVersionResource
	obj runtime.Object
}

// applyAddons creates or updates (server-side apply, forced) the objects AKS
// puts into a new cluster, retrying until ctx ends or a minute has passed.
// It runs at every start, so a deleted or edited add-on comes back.
func applyAddons(ctx context.Context, rc *rest.Config, c config.Config, log *slog.Logger) error {
	client, err := dynamic.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("building add-on client: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for _, a := range addons(c) {
		for {
			err := applyAddon(ctx, client, a)
			if err == nil {
				break
			}
			if ctx.Err() != nil || time.Now().After(deadline) {
				return fmt.Errorf("applying %s: %w", a.gvr.Resource, err)
			}
			log.Debug("retrying add-on", "resource", a.gvr.Resource, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	return nil
}

func applyAddon(ctx context.Context, client dynamic.Interface, a addon) error {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(a.obj)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: content}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	ri := client.Resource(a.gvr).Namespace(u.GetNamespace())
	opts := metav1.ApplyOptions{FieldManager: fieldManager, Force: true}
	_, err = ri.Apply(ctx, u.GetName(), u, opts)
	if apierrors.IsInvalid(err) && a.gvr.Resource == "services" {
		// A service's cluster IP cannot change in place; a different
		// DNS service address means replacing the service.
		if err := ri.Delete(ctx, u.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return errors.Join(err, fmt.Errorf("replacing service %s", u.GetName()))
		}
		_, err = ri.Apply(ctx, u.GetName(), u, opts)
	}
	return err
}

// Labels AKS puts on its kube-system add-ons.
var addonLabels = map[string]string{
	"addonmanager.kubernetes.io/mode": "Reconcile",
	"kubernetes.io/cluster-service":   "true",
}

func withLabels(extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range addonLabels {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func gvr(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// addons are the cluster DNS objects of an AKS cluster: CoreDNS's service
// account and RBAC, its configuration (and the coredns-custom map users
// edit), the kube-dns service at the DNS service IP, and the deployment.
func addons(c config.Config) []addon {
	const ns = metav1.NamespaceSystem
	dnsLabels := map[string]string{"k8s-app": "kube-dns"}
	meta := func(name string, labels map[string]string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: withLabels(labels)}
	}
	clusterMeta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Labels: withLabels(nil)}
	}
	return []addon{
		{gvr("", "v1", "serviceaccounts"), &corev1.ServiceAccount{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta: meta("coredns", nil),
		}},
		{gvr("rbac.authorization.k8s.io", "v1", "clusterroles"), &rbacv1.ClusterRole{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
			ObjectMeta: clusterMeta("system:coredns"),
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"endpoints", "services", "pods", "namespaces"}, Verbs: []string{"list", "watch"}},
				{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get"}},
				{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"list", "watch"}},
			},
		}},
		{gvr("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), &rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: clusterMeta("system:coredns"),
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "system:coredns"},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "coredns", Namespace: ns}},
		}},
		{gvr("", "v1", "configmaps"), &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: meta("coredns", nil),
			Data:       map[string]string{"Corefile": corefile},
		}},
		{gvr("", "v1", "configmaps"), &corev1.ConfigMap{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			// Users own its content: mode EnsureExists, and no data applied.
			ObjectMeta: metav1.ObjectMeta{Name: "coredns-custom", Namespace: ns, Labels: map[string]string{
				"addonmanager.kubernetes.io/mode": "EnsureExists", "k8s-app": "kube-dns",
			}},
		}},
		{gvr("", "v1", "services"), kubeDNSService(c, meta("kube-dns", map[string]string{
			"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS",
		}), dnsLabels)},
		{gvr("apps", "v1", "deployments"), corednsDeployment(meta("coredns", map[string]string{
			"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS", "version": "v20",
		}), dnsLabels)},
	}
}
