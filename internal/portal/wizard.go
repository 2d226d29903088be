package portal

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The "Create a private Kubernetes cluster" wizard: Basics, Node pools and
// Networking on one form; Review + create checks what the portal can check
// and shows the summary; Create sends one PUT, which ARM validates whole
// before it makes anything, and shows ARM's refusal on the review with
// every value kept.

// clusterFields are the wizard's fields and their defaults.
var clusterFields = []kv{
	{"clusterName", ""}, {"region", "westus2"}, {"dnsPrefix", ""}, {"kubernetesVersion", ""}, {"sshKey", ""},
	{"poolName", "nodepool1"}, {"nodeCount", "3"}, {"nodeSize", "Standard_DS2_v2"},
	{"privateCluster", "on"}, {"networkPlugin", "azure"}, {"subnet", ""},
	{"serviceCidr", "10.0.0.0/16"}, {"dnsServiceIP", "10.0.0.10"}, {"dockerBridge", "172.17.0.1/16"},
}

// wizardView is what the wizard's pages need beyond the typed values.
type wizardView struct {
	Regions  []string
	Subnets  []option
	Versions []string
	Summary  []kv
	Problems []string
	Fields   []kv // every field's value, for the review's hidden inputs
}

func newClusterForm(rq *request, b *blade) error {
	wv := &wizardView{}
	var err error
	if wv.Regions, err = rq.regions(b.ID.Sub); err != nil {
		return err
	}
	vnets, err := rq.resourcesOfType(b.ID.Sub, "Microsoft.Network/virtualNetworks")
	if err != nil {
		return err
	}
	for _, v := range vnets {
		id, err := parseID(v.Value)
		if err != nil {
			continue
		}
		doc, err := rq.read(id)
		if err != nil {
			return err
		}
		for _, s := range asList(dig(doc, "properties", "subnets")) {
			wv.Subnets = append(wv.Subnets, option{Value: digStr(s, "id"),
				Label: fmt.Sprintf("%s / %s (%s, %s)", id.Name(), digStr(s, "name"), digStr(s, "properties", "addressPrefix"), id.Group)})
		}
	}
	for _, f := range clusterFields {
		wv.Fields = append(wv.Fields, kv{K: f.K, V: prefill(b.Q, f.K, f.V)})
	}
	if b.View == "reviewcluster" {
		wv.Summary = clusterSummary(b.Q)
	}
	b.Extra = wv
	return nil
}

var (
	clusterNameRule = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$`)
	dnsPrefixRule   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,52}[A-Za-z0-9])?$`)
	poolNameRule    = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
)

// checkCluster finds what AKS would refuse in the wizard's values, each
// named with what would be right.
func checkCluster(v url.Values) []string {
	var p []string
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	if n := get("clusterName"); !clusterNameRule.MatchString(n) {
		p = append(p, fmt.Sprintf("Kubernetes cluster name '%s' is not valid: use 1 to 63 letters, digits, '-' and '_', starting and ending with a letter or digit.", n))
	}
	if d := get("dnsPrefix"); d != "" && !dnsPrefixRule.MatchString(d) {
		p = append(p, fmt.Sprintf("DNS name prefix '%s' is not valid: use 1 to 54 letters, digits and '-', starting and ending with a letter or digit.", d))
	}
	if n := get("poolName"); !poolNameRule.MatchString(n) {
		p = append(p, fmt.Sprintf("Node pool name '%s' is not valid: use 1 to 12 lower-case letters and digits, starting with a letter.", n))
	}
	if c, err := strconv.Atoi(get("nodeCount")); err != nil || c < 1 || c > 1000 {
		p = append(p, fmt.Sprintf("Node count '%s' is not valid: a system node pool has 1 to 1000 nodes.", get("nodeCount")))
	}
	_, svc, err := net.ParseCIDR(get("serviceCidr"))
	if err != nil {
		p = append(p, fmt.Sprintf("Service CIDR '%s' is not a CIDR range such as 10.0.0.0/16.", get("serviceCidr")))
	}
	dns := net.ParseIP(get("dnsServiceIP"))
	switch {
	case dns == nil || dns.To4() == nil:
		p = append(p, fmt.Sprintf("DNS service IP address '%s' is not an IPv4 address.", get("dnsServiceIP")))
	case svc != nil && !svc.Contains(dns):
		p = append(p, fmt.Sprintf("DNS service IP address %s is not within the service CIDR %s; pick an address inside it (e.g. its .10).", dns, svc))
	case svc != nil && dns.Equal(firstAddress(svc)):
		p = append(p, fmt.Sprintf("DNS service IP address %s is the first address of the service CIDR, which Kubernetes keeps for its API service; pick another (e.g. its .10).", dns))
	}
	if b := get("dockerBridge"); b != "" {
		ip, bridge, err := net.ParseCIDR(b)
		switch {
		case err != nil:
			p = append(p, fmt.Sprintf("Docker bridge address '%s' is not an address with a prefix length such as 172.17.0.1/16.", b))
		case svc != nil && (bridge.Contains(svc.IP) || svc.Contains(ip)):
			p = append(p, fmt.Sprintf("Docker bridge address %s overlaps the service CIDR %s; pick ranges that do not overlap.", b, svc))
		}
	}
	if pl := get("networkPlugin"); pl != "azure" && pl != "kubenet" {
		p = append(p, fmt.Sprintf("Network plugin '%s' is not one of azure, kubenet.", pl))
	}
	if get("region") == "" {
		p = append(p, "Region is required.")
	}
	return p
}

func firstAddress(n *net.IPNet) net.IP {
	ip := append(net.IP(nil), n.IP.To4()...)
	ip[3]++
	return ip
}

func clusterSummary(v url.Values) []kv {
	yes := map[bool]string{true: "Enabled", false: "Disabled"}
	subnet := v.Get("subnet")
	if subnet == "" {
		subnet = "a new aks-vnet in the node resource group"
	}
	return []kv{
		{"Kubernetes cluster name", v.Get("clusterName")}, {"Region", v.Get("region")},
		{"DNS name prefix", firstNonEmpty(v.Get("dnsPrefix"), v.Get("clusterName")+"-dns")},
		{"Kubernetes version", firstNonEmpty(v.Get("kubernetesVersion"), "(default)")},
		{"Node pool", fmt.Sprintf("%s: %s × %s", v.Get("poolName"), v.Get("nodeCount"), v.Get("nodeSize"))},
		{"Private cluster", yes[v.Get("privateCluster") == "on"]}, {"Network plugin", v.Get("networkPlugin")},
		{"Virtual network / subnet", subnet}, {"Service CIDR", v.Get("serviceCidr")},
		{"DNS service IP address", v.Get("dnsServiceIP")}, {"Docker bridge address", v.Get("dockerBridge") + " (deprecated: AKS no longer takes it; not sent)"},
		{"Load balancer", "standard"},
	}
}

// reviewCluster checks the wizard and shows the review, or the form again
// with what is wrong.
func reviewCluster(rq *request, g resID) (string, error) {
	if p := checkCluster(rq.r.PostForm); len(p) > 0 {
		return "", &armError{Status: http.StatusBadRequest, Code: "InvalidParameter", Message: strings.Join(p, " ")}
	}
	q := url.Values{"view": {"reviewcluster"}}
	for _, f := range clusterFields {
		q.Set(f.K, rq.r.PostFormValue(f.K))
	}
	return portalURL(g.String()) + "?" + q.Encode(), nil
}

// createCluster sends the cluster's PUT.
func createCluster(rq *request, g resID) (string, error) {
	v := rq.r.PostForm
	if p := checkCluster(v); len(p) > 0 {
		return "", &armError{Status: http.StatusBadRequest, Code: "InvalidParameter", Message: strings.Join(p, " ")}
	}
	name := strings.TrimSpace(v.Get("clusterName"))
	count, _ := strconv.Atoi(v.Get("nodeCount"))
	pool := map[string]any{"name": v.Get("poolName"), "count": count, "vmSize": v.Get("nodeSize"), "mode": "System", "osType": "Linux"}
	if s := v.Get("subnet"); s != "" {
		pool["vnetSubnetID"] = s
	}
	props := map[string]any{
		"dnsPrefix":         firstNonEmpty(strings.TrimSpace(v.Get("dnsPrefix")), name+"-dns"),
		"agentPoolProfiles": []any{pool},
		"networkProfile": map[string]any{"networkPlugin": v.Get("networkPlugin"), "loadBalancerSku": "standard",
			"serviceCidr": v.Get("serviceCidr"), "dnsServiceIP": v.Get("dnsServiceIP")},
		"apiServerAccessProfile": map[string]any{"enablePrivateCluster": v.Get("privateCluster") == "on"},
	}
	if k := strings.TrimSpace(v.Get("kubernetesVersion")); k != "" {
		props["kubernetesVersion"] = k
	}
	if key := strings.TrimSpace(v.Get("sshKey")); key != "" {
		props["linuxProfile"] = map[string]any{"adminUsername": "azureuser", "ssh": map[string]any{"publicKeys": []any{map[string]string{"keyData": key}}}}
	}
	id := resID{Sub: g.Sub, Group: g.Group, NS: "Microsoft.ContainerService", Types: []string{"managedClusters"}, Names: []string{name}}
	api, err := rq.versionOf(id)
	if err != nil {
		return "", err
	}
	body := map[string]any{"location": v.Get("region"), "identity": map[string]string{"type": "SystemAssigned"}, "properties": props}
	if err := rq.write("Creating Kubernetes cluster "+name, portalURL(id.String()), http.MethodPut, id.String(), api, body, "If-None-Match", "*"); err != nil {
		return "", err
	}
	return portalURL(g.String()), nil
}
