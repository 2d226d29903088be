package kube

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/aksbox/aksbox/internal/kube/config"
)

// corednsImage is the image AKS runs for CoreDNS; nodes here are simulated,
// so it is never pulled, only shown.
const corednsImage = "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.12.1"

// corefile is the CoreDNS configuration AKS ships, with its hooks for the
// coredns-custom config map.
const corefile = `.:53 {
    errors
    ready
    health {
      lameduck 5s
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
      pods insecure
      fallthrough in-addr.arpa ip6.arpa
      ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
    import custom/*.override
}
import custom/*.server
`

func kubeDNSService(c config.Config, meta metav1.ObjectMeta, selector map[string]string) *corev1.Service {
	ip := c.DNSServiceIP.String()
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Selector:   selector,
			ClusterIP:  ip,
			ClusterIPs: []string{ip},
			Ports: []corev1.ServicePort{
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
				{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
			},
		},
	}
}

func corednsDeployment(meta metav1.ObjectMeta, selector map[string]string) *appsv1.Deployment {
	replicas := int32(2)
	podLabels := map[string]string{"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "version": "v20"}
	maxUnavailable := intstr.FromInt32(1)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxUnavailable},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec:       corednsPod(),
			},
		},
	}
}

func corednsPod() corev1.PodSpec {
	optional := true
	return corev1.PodSpec{
		ServiceAccountName: "coredns",
		PriorityClassName:  "system-node-critical",
		DNSPolicy:          corev1.DNSDefault,
		NodeSelector:       map[string]string{corev1.LabelOSStable: "linux"},
		Tolerations: []corev1.Toleration{
			{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
		},
		Containers: []corev1.Container{{
			Name:  "coredns",
			Image: corednsImage,
			Args:  []string{"-conf", "/etc/coredns/Corefile"},
			Ports: []corev1.ContainerPort{
				{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
				{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
				{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
			},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("100m"),
					corev1.ResourceMemory: resource.MustParse("70Mi"),
				},
				Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("500Mi")},
			},
			VolumeMounts: []corev1.VolumeMount{
				{Name: "config-volume", MountPath: "/etc/coredns", ReadOnly: true},
				{Name: "custom-config-volume", MountPath: "/etc/coredns/custom", ReadOnly: true},
			},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8181), Scheme: corev1.URISchemeHTTP},
			}},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Path: "/health", Port: intstr.FromInt32(8080), Scheme: corev1.URISchemeHTTP},
			}, InitialDelaySeconds: 60, TimeoutSeconds: 5, FailureThreshold: 5},
		}},
		Volumes: []corev1.Volume{
			{Name: "config-volume", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "coredns"},
			}}},
			{Name: "custom-config-volume", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "coredns-custom"},
				Optional:             &optional,
			}}},
		},
	}
}
