package portal

import (
	"sort"
	"strings"
)

// clusterView is what a managed cluster's blades add.
type clusterView struct {
	Private bool
	Running bool
	Pools   []row // Cols: mode, count, VM size, power state, provisioning state
}

func clusterOverview(rq *request, b *blade) error {
	p := b.Doc["properties"]
	node := digStr(p, "nodeResourceGroup")
	private, _ := dig(p, "apiServerAccessProfile", "enablePrivateCluster").(bool)
	addr := firstNonEmpty(digStr(p, "fqdn"), digStr(p, "privateFQDN"))
	if private {
		addr = firstNonEmpty(digStr(p, "privateFQDN"), addr)
	}
	e := []essential{
		{K: "Status", V: digStr(p, "powerState", "code")},
		{K: "Kubernetes version", V: digStr(p, "currentKubernetesVersion")},
		{K: "API server address", V: addr},
		{K: "Private cluster", V: map[bool]string{true: "Enabled", false: "Disabled"}[private]},
		{K: "Private FQDN", V: digStr(p, "privateFQDN")},
		{K: "Node resource group", V: node, Href: portalURL("subscriptions/" + b.ID.Sub + "/resourceGroups/" + node)},
		{K: "Network plugin", V: digStr(p, "networkProfile", "networkPlugin")},
		{K: "Service CIDR", V: digStr(p, "networkProfile", "serviceCidr")},
		{K: "DNS service IP", V: digStr(p, "networkProfile", "dnsServiceIP")},
		{K: "Docker bridge CIDR", V: digStr(p, "networkProfile", "dockerBridgeCidr")},
		{K: "Pod CIDR", V: digStr(p, "networkProfile", "podCidr")},
		{K: "Load balancer", V: digStr(p, "networkProfile", "loadBalancerSku")},
	}
	for _, x := range e {
		if x.V != "" {
			b.Essentials = append(b.Essentials, x)
		}
	}
	b.Extra = &clusterView{Private: private, Running: digStr(p, "powerState", "code") != "Stopped"}
	return nil
}

func clusterPools(rq *request, b *blade) error {
	v, err := rq.arm.apiVersionOf(b.ID.Sub, b.Type+"/agentPools")
	if err != nil {
		return err
	}
	pools, err := rq.arm.list(b.IDStr+"/agentPools", v)
	if err != nil {
		return err
	}
	cv := &clusterView{}
	for _, pl := range pools {
		p := pl["properties"]
		cv.Pools = append(cv.Pools, row{Name: digStr(pl, "name"), ID: digStr(pl, "id"),
			Cols: []string{digStr(p, "mode"), digStr(p, "count"), digStr(p, "vmSize"), digStr(p, "powerState", "code"), digStr(p, "provisioningState")}})
	}
	sort.Slice(cv.Pools, func(i, j int) bool { return cv.Pools[i].Name < cv.Pools[j].Name })
	b.Extra = cv
	return nil
}

// vmView is what a VM's blades add.
type vmView struct {
	PowerState, PrivateIP, PublicIP, Admin, ComputerName string
	Running                                              bool
}

func vmOverview(rq *request, b *blade) error {
	v, err := rq.arm.apiVersionOf(b.ID.Sub, b.Type)
	if err != nil {
		return err
	}
	iv, err := rq.arm.get(b.IDStr+"/instanceView", v)
	if err != nil {
		return err
	}
	vv := &vmView{Admin: digStr(b.Doc, "properties", "osProfile", "adminUsername"),
		ComputerName: digStr(b.Doc, "properties", "osProfile", "computerName")}
	for _, s := range asList(iv["statuses"]) {
		if c := digStr(s, "code"); strings.HasPrefix(c, "PowerState/") {
			vv.PowerState = digStr(s, "displayStatus")
			vv.Running = c == "PowerState/running"
		}
	}
	for _, ref := range asList(dig(b.Doc, "properties", "networkProfile", "networkInterfaces")) {
		nicID, err := parseID(digStr(ref, "id"))
		if err != nil {
			continue
		}
		nic, err := rq.read(nicID)
		if err != nil {
			return err
		}
		for _, ipc := range asList(dig(nic, "properties", "ipConfigurations")) {
			if vv.PrivateIP == "" {
				vv.PrivateIP = digStr(ipc, "properties", "privateIPAddress")
			}
			if pipID, err := parseID(digStr(ipc, "properties", "publicIPAddress", "id")); err == nil && vv.PublicIP == "" {
				pip, err := rq.read(pipID)
				if err != nil {
					return err
				}
				vv.PublicIP = digStr(pip, "properties", "ipAddress")
			}
		}
	}
	b.Essentials = append(b.Essentials, essential{K: "Power state", V: vv.PowerState},
		essential{K: "Computer name", V: vv.ComputerName}, essential{K: "Private IP address", V: vv.PrivateIP},
		essential{K: "Public IP address", V: vv.PublicIP})
	b.Extra = vv
	return nil
}
