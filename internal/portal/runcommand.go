package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// runResult is the last command a session ran on a cluster.
type runResult struct {
	Command, State, Logs, Started string
	ExitCode                      int
}

// runCommand runs a command in a managed cluster as 'aks command invoke'
// does (POST runCommand, then its commandResults until they are final),
// and keeps the result for the Run command view.
func runCommand(rq *request, id resID) (string, error) {
	cmd := strings.TrimSpace(rq.r.PostFormValue("command"))
	if cmd == "" {
		return "", invalid("Command is required, e.g. kubectl get nodes.")
	}
	v, err := rq.versionOf(id)
	if err != nil {
		return "", err
	}
	a, err := rq.arm.call(http.MethodPost, id.String()+"/runCommand", v, map[string]any{"command": cmd, "context": ""})
	if err != nil {
		return "", err
	}
	res := runResult{Command: cmd, Started: time.Now().UTC().Format(time.RFC3339)}
	loc := pathOf(a.Header.Get("Location"))
	for i := 0; loc != "" && i < 450; i++ {
		a, err = rq.arm.call(http.MethodGet, loc, "", nil)
		if err != nil {
			return "", err
		}
		if a.Status != http.StatusAccepted {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if a.Status == http.StatusAccepted {
		return "", &armError{Status: http.StatusGatewayTimeout, Code: "OperationTimedOut", Message: "The command did not end within 90 seconds."}
	}
	res.State = digStr(a.Body, "properties", "provisioningState")
	res.Logs = digStr(a.Body, "properties", "logs")
	res.ExitCode, _ = strconv.Atoi(digStr(a.Body, "properties", "exitCode"))
	rq.ss.mu.Lock()
	if rq.ss.runs == nil {
		rq.ss.runs = map[string]runResult{}
	}
	rq.ss.runs[strings.ToLower(id.String())] = res
	rq.ss.mu.Unlock()
	return "runcommand", nil
}

func runCommandView(rq *request, b *blade) error {
	rq.ss.mu.Lock()
	defer rq.ss.mu.Unlock()
	if r, ok := rq.ss.runs[strings.ToLower(b.IDStr)]; ok {
		b.Extra = &r
	}
	return nil
}

// checkResult is a connectivity check's answer, kept for the topology view.
type checkResult struct {
	Source, Destination, Status string
	Hops                        []hopView
}

type hopView struct {
	Type, Address, ResourceID, Href string
	Issues                          []string
}

// checkConnection asks Network Watcher whether a VM reaches a destination,
// as 'network watcher test-connectivity' does, and keeps the hops.
func checkConnection(rq *request, scope resID) (string, error) {
	src, dest, port := rq.r.PostFormValue("source"), strings.TrimSpace(rq.r.PostFormValue("destination")), strings.TrimSpace(rq.r.PostFormValue("port"))
	vm, err := parseID(src)
	if err != nil || !vm.is("Microsoft.Compute/virtualMachines") {
		return "", invalid("Source virtual machine is required: pick the VM to test from.")
	}
	n, err := strconv.Atoi(port)
	if dest == "" || err != nil || n < 1 || n > 65535 {
		return "", invalid("Give a destination (an IP address or a host name) and a destination port from 1 to 65535.")
	}
	doc, err := rq.read(vm)
	if err != nil {
		return "", err
	}
	path := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkWatchers/NetworkWatcher_%s/connectivityCheck",
		vm.Sub, vm.Group, digStr(doc, "location"))
	ans, err := rq.arm.send(http.MethodPost, path, networkWatcherAPI, map[string]any{"source": map[string]string{"resourceId": vm.String()},
		"destination": map[string]any{"address": dest, "port": n}, "protocol": "Tcp"})
	if err != nil {
		return "", err
	}
	res := checkResult{Source: vm.Name(), Destination: fmt.Sprintf("%s:%d", dest, n), Status: digStr(ans, "connectionStatus")}
	for _, h := range asList(ans["hops"]) {
		hv := hopView{Type: digStr(h, "type"), Address: digStr(h, "address"), ResourceID: digStr(h, "resourceId")}
		if _, err := parseID(hv.ResourceID); err == nil {
			hv.Href = portalURL(hv.ResourceID)
		}
		for _, is := range asList(h["issues"]) {
			var ctx []string
			for _, c := range asList(is["context"]) {
				for k, v := range c {
					ctx = append(ctx, k+": "+str(v))
				}
			}
			hv.Issues = append(hv.Issues, digStr(is, "type")+" ("+strings.Join(ctx, "; ")+")")
		}
		res.Hops = append(res.Hops, hv)
	}
	rq.ss.mu.Lock()
	if rq.ss.checks == nil {
		rq.ss.checks = map[string]checkResult{}
	}
	rq.ss.checks[strings.ToLower(scope.String())] = res
	rq.ss.mu.Unlock()
	return "topology", nil
}

// networkWatcherAPI is the api-version of connectivity checks.
const networkWatcherAPI = "2024-07-01"
