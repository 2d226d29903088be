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
	res := runResult{Command: cmd, Started: time.Now().UTC().Format(time.RFC3339)}
	if id.is("Microsoft.Compute/virtualMachines") {
		if res, err = rq.runOnVM(id, v, res); err != nil {
			return "", err
		}
		rq.keepRun(id, res)
		return "runcommand", nil
	}
	a, err := rq.arm.call(http.MethodPost, id.String()+"/runCommand", v, map[string]any{"command": cmd, "context": ""})
	if err != nil {
		return "", err
	}
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
	rq.keepRun(id, res)
	return "runcommand", nil
}

// runOnVM runs a shell script in a VM as 'vm run-command invoke' does
// (RunShellScript), waits for the operation and reads its output.
func (rq *request) runOnVM(id resID, v string, res runResult) (runResult, error) {
	a, err := rq.arm.call(http.MethodPost, id.String()+"/runCommand", v,
		map[string]any{"commandId": "RunShellScript", "script": strings.Split(res.Command, "\n")})
	if err != nil {
		return res, err
	}
	if err := rq.waitDone("Running the command on "+id.Name(), a); err != nil {
		return res, err
	}
	out, err := rq.arm.get(pathOf(a.Header.Get("Location")), "")
	if err != nil {
		return res, err
	}
	res.State = "Succeeded"
	var msgs []string
	for _, s := range asList(out["value"]) {
		msgs = append(msgs, digStr(s, "message"))
	}
	res.Logs = strings.Join(msgs, "\n")
	return res, nil
}

func (rq *request) keepRun(id resID, res runResult) {
	rq.ss.mu.Lock()
	defer rq.ss.mu.Unlock()
	if rq.ss.runs == nil {
		rq.ss.runs = map[string]runResult{}
	}
	rq.ss.runs[strings.ToLower(id.String())] = res
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
