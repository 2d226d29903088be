package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// qsCluster is the quickstart's cluster.
const qsCluster = "private-cluster"

// seedFacts are what the cluster part found, for the closing summary.
type seedFacts struct {
	fqdn, endpoint, nodeGroup string
	zone                      string // the cluster's own <guid>.privatelink.westus2.azmk8s.io
}

// cluster walks the document from 'az aks create' on: a VNet with a subnet,
// the private cluster with the advanced networking flags, a jump box in a
// second VNet peered both ways, the credentials, the negative fact (a
// peered VNet without the zone link cannot resolve the API server), the
// link, and kubectl on the jump box over ssh; then the host has no route.
func (q *quickstart) cluster() (*seedFacts, error) {
	g := quickstartGroup
	f := &seedFacts{nodeGroup: "MC_" + g + "_" + qsCluster + "_westus2"}
	must := func(args ...string) string {
		if q.err != nil {
			return ""
		}
		out, err := q.step(args...)
		q.err = err
		return strings.TrimSpace(out)
	}
	must("network", "vnet", "create", "-g", g, "-n", "cluster-vnet", "--address-prefixes", "10.1.0.0/16",
		"--subnet-name", "nodes", "--subnet-prefixes", "10.1.1.0/24", "-o", "table")
	subnet := must("network", "vnet", "subnet", "show", "-g", g, "--vnet-name", "cluster-vnet", "-n", "nodes", "--query", "id", "-o", "tsv")
	must("aks", "create", "--resource-group", g, "--name", qsCluster, "--load-balancer-sku", "standard", "--enable-private-cluster",
		"--network-plugin", "azure", "--vnet-subnet-id", subnet, "--docker-bridge-address", "172.17.0.1/16",
		"--dns-service-ip", "10.2.0.10", "--service-cidr", "10.2.0.0/24", "--node-count", "3", "--generate-ssh-keys", "-o", "table")
	f.fqdn = must("aks", "show", "-g", g, "-n", qsCluster, "--query", "privateFqdn", "-o", "tsv")
	_, f.zone, _ = strings.Cut(f.fqdn, ".")
	f.endpoint = must("network", "private-endpoint", "show", "-g", f.nodeGroup, "-n", "kube-apiserver",
		"--query", "customDnsConfigs[0].ipAddresses[0]", "-o", "tsv")
	must("aks", "get-credentials", "--name", qsCluster, "--resource-group", g, "--overwrite-existing")
	must("network", "vnet", "create", "-g", g, "-n", "jump-vnet", "--address-prefixes", "10.3.0.0/16",
		"--subnet-name", "default", "--subnet-prefixes", "10.3.1.0/24", "-o", "table")
	must("vm", "create", "-g", g, "-n", "jumpbox", "--image", "Ubuntu2204", "--vnet-name", "jump-vnet", "--subnet", "default",
		"--admin-username", "azureuser", "--generate-ssh-keys", "-o", "table")
	must("network", "vnet", "peering", "create", "-g", g, "-n", "jump-to-cluster", "--vnet-name", "jump-vnet",
		"--remote-vnet", "cluster-vnet", "--allow-vnet-access", "-o", "table")
	must("network", "vnet", "peering", "create", "-g", g, "-n", "cluster-to-jump", "--vnet-name", "cluster-vnet",
		"--remote-vnet", "jump-vnet", "--allow-vnet-access", "-o", "table")
	if q.err != nil {
		return f, q.err
	}
	fmt.Fprintf(q.a.Stdout, "\nPeered both ways, but the jump box's VNet is not linked to the cluster's private DNS zone:\n")
	if err := q.expectFailure("ssh", "vm", "-g", g, "-n", "jumpbox", "--", "getent hosts "+f.fqdn+" || { echo \"$(hostname): "+f.fqdn+" does not resolve\"; exit 2; }"); err != nil {
		return f, err
	}
	jump := must("network", "vnet", "show", "-g", g, "-n", "jump-vnet", "--query", "id", "-o", "tsv")
	must("network", "private-dns", "link", "vnet", "create", "-g", f.nodeGroup, "-z", f.zone, "-n", "jump-vnet-link",
		"-v", jump, "-e", "false", "-o", "table")
	if q.err != nil {
		return f, q.err
	}
	kc, err := q.quiet("aks", "get-credentials", "--name", qsCluster, "--resource-group", g, "-f", "-")
	if err != nil {
		return f, err
	}
	if _, err := q.stepIn(kc, false, "ssh", "vm", "-g", g, "-n", "jumpbox", "--", "mkdir -p .kube && cat > .kube/config && echo kubeconfig copied"); err != nil {
		return f, err
	}
	must("ssh", "vm", "-g", g, "-n", "jumpbox", "--", "getent hosts "+f.fqdn+" && kubectl get nodes -o wide")
	if q.err != nil {
		return f, q.err
	}
	return f, q.noHostRoute(f.endpoint)
}

// quiet runs an aksbox command without echoing its output (credentials).
func (q *quickstart) quiet(args ...string) (string, error) {
	c := exec.CommandContext(q.ctx, q.self, args...)
	c.Env = append(os.Environ(), "AKSBOX_STATE_DIR="+string(q.a.Dir()))
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("aksbox %s failed: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// noHostRoute shows that the host's routing table has nothing for the
// API server's endpoint but the default route: a packet would leave the
// machine, so aksbox never sends one from the host.
func (q *quickstart) noHostRoute(ip string) error {
	q.steps++
	start := time.Now()
	fmt.Fprintf(q.a.Stdout, "\n[%d] $ ip route show match %s    # on the host\n", q.steps, ip)
	out, err := exec.CommandContext(q.ctx, "ip", "route", "show", "match", ip).Output()
	if err != nil {
		return fmt.Errorf("reading the host's routes: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		fmt.Fprintf(q.a.Stdout, "    %s\n", line)
		if !strings.HasPrefix(line, "default") {
			return fmt.Errorf("the host has a route to the cluster's endpoint %s: %s", ip, line)
		}
	}
	fmt.Fprintf(q.a.Stdout, "    no route from the host to %s: only the default route matches (which leaves this machine), so the\n"+
		"    private cluster is reachable from the VNets of its own and peered+linked ones only (%s)\n", ip, time.Since(start).Round(time.Millisecond))
	return nil
}
