package nodeagent

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestImageRefs(t *testing.T) {
	for _, tc := range []struct{ image, ref, idPrefix string }{
		{"nginx", "docker.io/library/nginx:latest", "docker.io/library/nginx@sha256:"},
		{"nginx:1.27", "docker.io/library/nginx:1.27", "docker.io/library/nginx@sha256:"},
		{"bitnami/redis:7", "docker.io/bitnami/redis:7", "docker.io/bitnami/redis@sha256:"},
		{"mcr.microsoft.com/oss/kubernetes/pause:3.6", "mcr.microsoft.com/oss/kubernetes/pause:3.6", "mcr.microsoft.com/oss/kubernetes/pause@sha256:"},
		{"localhost:5000/app", "localhost:5000/app:latest", "localhost:5000/app@sha256:"},
		{"localhost/app:v1", "localhost/app:v1", "localhost/app@sha256:"},
		{"busybox@sha256:abcd", "docker.io/library/busybox@sha256:abcd", "docker.io/library/busybox@sha256:abcd"},
		{"busybox:1@sha256:abcd", "docker.io/library/busybox@sha256:abcd", "docker.io/library/busybox@sha256:abcd"},
	} {
		ref, id := imageRefs(tc.image)
		if ref != tc.ref || !strings.HasPrefix(id, tc.idPrefix) {
			t.Errorf("imageRefs(%q) = %q, %q; want %q, %q...", tc.image, ref, id, tc.ref, tc.idPrefix)
		}
		if !strings.Contains(tc.image, "@") && len(id) != len(tc.idPrefix)+64 {
			t.Errorf("imageRefs(%q): id %q is not a sha256 digest", tc.image, id)
		}
	}
}

func TestRunningStatus(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	node := netip.MustParseAddr("10.224.0.4")
	ip := netip.MustParseAddr("10.244.0.2")
	for _, tc := range []struct {
		name      string
		p         pod
		wantStart string
		wantInit  []string // state of each init container: running or terminated
	}{
		{"new pod", pod{Spec: podSpec{Containers: []container{{Name: "web", Image: "nginx"}, {Name: "log", Image: "busybox"}}}},
			"2025-06-01T12:00:00Z", nil},
		{"start time kept", pod{
			Spec:   podSpec{Containers: []container{{Name: "web", Image: "nginx"}}},
			Status: podStatus{StartTime: "2025-05-01T00:00:00Z", Conditions: []podCondition{{Type: "PodScheduled", Status: "True", LastTransitionTime: "2025-04-30T00:00:00Z"}}},
		}, "2025-05-01T00:00:00Z", nil},
		{"init and sidecar", pod{Spec: podSpec{
			InitContainers: []container{{Name: "setup", Image: "busybox"}, {Name: "proxy", Image: "envoy", RestartPolicy: "Always"}},
			Containers:     []container{{Name: "web", Image: "nginx"}},
		}}, "2025-06-01T12:00:00Z", []string{"terminated", "running"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			p.Metadata = objectMeta{Name: "p", Namespace: "default", UID: "uid-1"}
			st := runningStatus(&p, ip, node, now)
			if st.Phase != "Running" || st.PodIP != "10.244.0.2" || st.HostIP != "10.224.0.4" ||
				len(st.PodIPs) != 1 || st.PodIPs[0].IP != "10.244.0.2" || len(st.HostIPs) != 1 || st.StartTime != tc.wantStart {
				t.Errorf("status %+v", st)
			}
			var types []string
			for _, c := range st.Conditions {
				types = append(types, c.Type)
				if c.Status != "True" {
					t.Errorf("%s = %s", c.Type, c.Status)
				}
				if c.Type == "PodScheduled" && tc.name == "start time kept" && c.LastTransitionTime != "2025-04-30T00:00:00Z" {
					t.Errorf("PodScheduled transition not kept: %s", c.LastTransitionTime)
				}
			}
			if strings.Join(types, ",") != "PodReadyToStartContainers,Initialized,Ready,ContainersReady,PodScheduled" {
				t.Errorf("conditions %v", types)
			}
			if len(st.ContainerStatuses) != len(p.Spec.Containers) {
				t.Fatalf("container statuses %+v", st.ContainerStatuses)
			}
			for i, cs := range st.ContainerStatuses {
				if cs.Name != p.Spec.Containers[i].Name || !cs.Ready || cs.Started == nil || !*cs.Started || cs.RestartCount != 0 ||
					cs.State.Running == nil || cs.State.Running.StartedAt != tc.wantStart ||
					!strings.HasPrefix(cs.ContainerID, "containerd://") || len(cs.ContainerID) != len("containerd://")+64 ||
					!strings.Contains(cs.ImageID, "@sha256:") {
					t.Errorf("container status %+v", cs)
				}
			}
			for i, cs := range st.InitContainerStatuses {
				state := "running"
				if cs.State.Terminated != nil {
					state = "terminated"
					if cs.State.Terminated.Reason != "Completed" || cs.State.Terminated.ExitCode != 0 || *cs.Started {
						t.Errorf("init container %+v", cs.State.Terminated)
					}
				}
				if state != tc.wantInit[i] {
					t.Errorf("init container %s is %s, want %s", cs.Name, state, tc.wantInit[i])
				}
			}
			// Posting the status again must change nothing.
			again := runningStatus(&pod{Metadata: p.Metadata, Spec: p.Spec, Status: st}, ip, node, now.Add(time.Minute))
			a, _ := json.Marshal(st)
			b, _ := json.Marshal(again)
			if string(a) != string(b) {
				t.Errorf("status not stable:\n%s\n%s", a, b)
			}
		})
	}
}

func TestIsRunning(t *testing.T) {
	node := netip.MustParseAddr("10.224.0.4")
	ip := netip.MustParseAddr("10.244.0.2")
	p := pod{Metadata: objectMeta{UID: "u"}, Spec: podSpec{Containers: []container{{Name: "web", Image: "nginx"}}}}
	running := p
	running.Status = runningStatus(&p, ip, node, time.Now())
	for _, tc := range []struct {
		name   string
		p      pod
		ip     netip.Addr
		change func(*podStatus)
		want   bool
	}{
		{"pending", p, ip, nil, false},
		{"running", running, ip, nil, true},
		{"other IP", running, netip.MustParseAddr("10.244.0.3"), nil, false},
		{"not ready", running, ip, func(s *podStatus) { s.Conditions[2].Status = "False" }, false},
		{"container not ready", running, ip, func(s *podStatus) { s.ContainerStatuses[0].Ready = false }, false},
		{"container missing", running, ip, func(s *podStatus) { s.ContainerStatuses = nil }, false},
		{"image changed", running, ip, func(s *podStatus) { s.ContainerStatuses[0].Image = "docker.io/library/nginx:1.0" }, false},
	} {
		p := tc.p
		b, _ := json.Marshal(p.Status) // deep copy
		p.Status = podStatus{}
		_ = json.Unmarshal(b, &p.Status)
		if tc.change != nil {
			tc.change(&p.Status)
		}
		if got := isRunning(&p, tc.ip, node); got != tc.want {
			t.Errorf("%s: isRunning = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWaitingStatus(t *testing.T) {
	p := &pod{Metadata: objectMeta{UID: "u", Name: "app-1", Namespace: "default"},
		Spec: podSpec{Containers: []container{{Name: "app", Image: "reg01.azurecr.io/app:v1"}, {Name: "side", Image: "busybox"}}}}
	st := waitingStatus(p, netip.MustParseAddr("10.1.1.40"), netip.MustParseAddr("10.1.1.4"), "app", "ErrImagePull", "no such host", time.Unix(0, 0))
	if st.Phase != "Pending" || st.PodIP != "10.1.1.40" || len(st.ContainerStatuses) != 2 {
		t.Fatalf("status: %+v", st)
	}
	app, side := st.ContainerStatuses[0], st.ContainerStatuses[1]
	if app.Ready || app.State.Waiting == nil || app.State.Waiting.Reason != "ErrImagePull" || app.State.Waiting.Message != "no such host" ||
		app.Image != "reg01.azurecr.io/app:v1" || side.State.Waiting == nil || side.State.Waiting.Reason != "ContainerCreating" {
		t.Errorf("containers: %+v %+v", app, side)
	}
	for _, c := range st.Conditions {
		if (c.Type == "Ready" || c.Type == "ContainersReady") && c.Status != "False" {
			t.Errorf("condition %s is %s", c.Type, c.Status)
		}
	}
	if p := (&puller{}); !p.pulled("reg01.azurecr.io/app:v1") {
		t.Error("a node without registries must count every image present")
	}
	cloud := &puller{r: &Registries{Domain: ".azurecr.io"}, have: map[string]string{"reg01.azurecr.io/app:v2": "sha256:x"}}
	for image, want := range map[string]bool{"nginx": true, "mcr.microsoft.com/a:b": true, "reg01.azurecr.io/app:v1": false,
		"REG01.azurecr.io/app:v3": false, "reg01.azurecr.io/app:v2": true} {
		if got := cloud.pulled(image); got != want {
			t.Errorf("pulled(%q) = %v, want %v", image, got, want)
		}
	}
}
