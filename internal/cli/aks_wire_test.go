package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"
)

type staticToken struct{}

func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fakeARM answers the calls of one test; it records each request as
// "METHOD path" (api-version checked) with its decoded body.
type fakeARM struct {
	t      *testing.T
	mu     sync.Mutex
	calls  []string
	bodies map[string]any
	answer func(w http.ResponseWriter, r *http.Request, call string)
	url    string
}

func (f *fakeARM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("api-version"); v != "2025-02-01" && !strings.Contains(r.URL.Path, "/resourcegroups/") {
		f.t.Errorf("%s %s: api-version %q", r.Method, r.URL.Path, v)
	}
	call := r.Method + " " + r.URL.Path
	data, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, call)
	if len(data) > 0 {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			f.t.Errorf("%s: body %v", call, err)
		}
		f.bodies[call] = v
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	f.answer(w, r, call)
}

func startFakeARM(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, call string)) (*fakeARM, *clients) {
	f := &fakeARM{t: t, bodies: map[string]any{}, answer: answer}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	opts := &arm.ClientOptions{ClientOptions: azcore.ClientOptions{Cloud: Cloud(srv.URL), Transport: srv.Client()}, DisableRPRegistration: true}
	return f, &clients{Conn: &Conn{Endpoint: srv.URL, Subscription: testSub, Cred: staticToken{}, Options: opts}}
}

const mcPath = "/subscriptions/" + testSub + "/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1"

func notFound(w http.ResponseWriter, msg string) {
	w.WriteHeader(http.StatusNotFound)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "ResourceNotFound", "message": msg}})
}

// 'aks create' against a fake AKS: the cluster must not exist, the
// location is the group's, the PUT carries the model and the answer is
// printed the way az prints it.
func TestAKSCreateWire(t *testing.T) {
	var f *fakeARM
	f, c := startFakeARM(t, func(w http.ResponseWriter, r *http.Request, call string) {
		switch call {
		case "GET " + mcPath:
			notFound(w, "The Resource 'Microsoft.ContainerService/managedClusters/c1' under resource group 'rg' was not found.")
		case "GET /subscriptions/" + testSub + "/resourcegroups/rg":
			w.Write([]byte(`{"id":"/subscriptions/` + testSub + `/resourceGroups/rg","name":"rg","location":"eastus2","properties":{"provisioningState":"Succeeded"}}`))
		case "PUT " + mcPath:
			var mc map[string]any
			data, _ := json.Marshal(f.bodies[call])
			json.Unmarshal(data, &mc)
			props := mc["properties"].(map[string]any)
			props["provisioningState"], props["privateFQDN"], props["nodeResourceGroup"] = "Succeeded", "c1-rg-8ecadf-1.x.privatelink.eastus2.azmk8s.io", "MC_rg_c1_eastus2"
			mc["id"], mc["name"], mc["type"] = strings.ToLower(mcPath[:strings.Index(mcPath, "/providers")])+mcPath[strings.Index(mcPath, "/providers"):], "c1", "Microsoft.ContainerService/ManagedClusters"
			json.NewEncoder(w).Encode(mc)
		default:
			t.Errorf("unexpected %s", call)
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	t.Setenv("HOME", t.TempDir())
	a, _, _ := credApp()
	cmd, o := aksCreateCommand(a)
	if err := cmd.ParseFlags([]string{"-n", "c1", "-g", "rg", "--enable-private-cluster", "--ssh-key-value", testKey}); err != nil {
		t.Fatal(err)
	}
	if err := o.check(a, cmd); err != nil {
		t.Fatal(err)
	}
	v, err := o.run(context.Background(), a, c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"GET " + mcPath, "GET /subscriptions/" + testSub + "/resourcegroups/rg", "PUT " + mcPath}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls %v", f.calls)
	}
	put := f.bodies["PUT "+mcPath].(map[string]any)
	if put["location"] != "eastus2" || put["properties"].(map[string]any)["apiServerAccessProfile"].(map[string]any)["enablePrivateCluster"] != true {
		t.Errorf("PUT body %v", put)
	}
	m := v.(map[string]any)
	if m["privateFqdn"] != "c1-rg-8ecadf-1.x.privatelink.eastus2.azmk8s.io" || m["resourceGroup"] != "rg" || m["provisioningState"] != "Succeeded" ||
		m["apiServerAccessProfile"].(map[string]any)["enablePrivateCluster"] != true || m["nodeResourceGroup"] != "MC_rg_c1_eastus2" {
		t.Errorf("printed %v", m)
	}

	// A second create of the same cluster is refused before any PUT.
	f2, c2 := startFakeARM(t, func(w http.ResponseWriter, r *http.Request, call string) {
		w.Write([]byte(`{"id":"` + mcPath + `","name":"c1","location":"eastus2","properties":{"provisioningState":"Succeeded"}}`))
	})
	_, err = o.run(context.Background(), a, c2)
	if err == nil || !strings.HasPrefix(err.Error(), "The cluster 'c1' under resource group 'rg' already exists.") || len(f2.calls) != 1 {
		t.Errorf("second create: %v %v", err, f2.calls)
	}
}

// 'aks command invoke': the run command posted, its Location polled to the
// result; with --no-wait, the command's state and how to get its result.
func TestAKSCommandWire(t *testing.T) {
	polls := 0
	var f *fakeARM
	f, c := startFakeARM(t, func(w http.ResponseWriter, r *http.Request, call string) {
		switch call {
		case "GET " + mcPath:
			w.Write([]byte(`{"id":"` + mcPath + `","name":"c1","location":"eastus2","properties":{}}`))
		case "POST " + mcPath + "/runCommand":
			w.Header().Set("Location", f.url+mcPath+"/commandResults/0a1b2c?api-version=2025-02-01")
			w.Header().Set("Retry-After-Ms", "10")
			w.WriteHeader(http.StatusAccepted)
		case "GET " + mcPath + "/commandResults/0a1b2c":
			polls++
			if polls == 1 {
				w.Header().Set("Location", f.url+mcPath+"/commandResults/0a1b2c?api-version=2025-02-01")
				w.Header().Set("Retry-After-Ms", "10")
				w.WriteHeader(http.StatusAccepted)
				w.Write([]byte(`{"id":"0a1b2c","properties":{"provisioningState":"Running","startedAt":"2024-05-01T10:00:00Z"}}`))
				return
			}
			w.Write([]byte(`{"id":"0a1b2c","properties":{"provisioningState":"Succeeded","exitCode":0,"startedAt":"2024-05-01T10:00:00Z",` +
				`"finishedAt":"2024-05-01T10:00:01Z","logs":"NAME   STATUS\nnode1  Ready\n"}}`))
		default:
			t.Errorf("unexpected %s", call)
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	a, out, _ := credApp()
	cmd := &cobra.Command{}
	cmd.Flags().StringP("output", "o", "json", "")
	o := &commandInvoke{rg: "rg", name: "c1", command: "kubectl get nodes"}
	if v, err := o.run(context.Background(), a, c, cmd); v != nil || err != nil {
		t.Fatal(v, err)
	}
	if got := out.String(); got != "command started at 2024-05-01 10:00:00+00:00, finished at 2024-05-01 10:00:01+00:00 with exitcode=0\nNAME   STATUS\nnode1  Ready\n\n" {
		t.Errorf("invoke printed %q", got)
	}
	if body := f.bodies["POST "+mcPath+"/runCommand"]; !reflect.DeepEqual(body, map[string]any{"command": "kubectl get nodes", "context": ""}) {
		t.Errorf("runCommand body %v", body)
	}

	polls = 0
	out.Reset()
	o.noWait = true
	if _, err := o.run(context.Background(), a, c, cmd); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "command id: 0a1b2c, started at: 2024-05-01T10:00:00Z, status: Running\n"+
		"Please use command \"aksbox aks command result -g rg -n c1 -i 0a1b2c\" to get the future execution result\n" {
		t.Errorf("--no-wait printed %q", got)
	}
	// 'aks command result' of the finished command.
	out.Reset()
	if _, err := a.commandResult(context.Background(), c, cmd, "rg", "c1", "0a1b2c"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "command started at 2024-05-01 10:00:00+00:00") {
		t.Errorf("result printed %q", out)
	}
}

// Server errors reach the user as az prints them.
func TestAKSErrorWire(t *testing.T) {
	_, c := startFakeARM(t, func(w http.ResponseWriter, r *http.Request, call string) {
		notFound(w, "The Resource 'Microsoft.ContainerService/managedClusters/c1' under resource group 'rg' was not found.")
	})
	a, _, _ := credApp()
	_, err := a.commandResult(context.Background(), c, &cobra.Command{}, "rg", "c1", "x")
	var errb bytes.Buffer
	if code := printARMError(&errb, err); code != 3 || !strings.HasPrefix(errb.String(),
		"ERROR: (ResourceNotFound) The Resource 'Microsoft.ContainerService/managedClusters/c1' under resource group 'rg' was not found.\n") {
		t.Errorf("exit %d: %q", code, errb.String())
	}
}
