package portal

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// waitDone follows a write's operation until it ends (two minutes at
// most), for forms that make several resources in order, as az does.
func (rq *request) waitDone(what string, a *armAnswer) error {
	async := pathOf(a.Header.Get("Azure-AsyncOperation"))
	if async == "" {
		return nil
	}
	for i := 0; i < 600; i++ {
		done, err := rq.operationEnded(async)
		if ae, ok := err.(*armError); ok {
			ae.Message = what + " failed: " + ae.Message
		}
		if done || err != nil {
			return err
		}
		select {
		case <-rq.r.Context().Done():
			return rq.r.Context().Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return &armError{Status: http.StatusGatewayTimeout, Code: "OperationTimedOut", Message: what + " did not end within two minutes."}
}

// put creates one resource of a multi-step form and waits for it.
func (rq *request) put(id resID, body any) error {
	v, err := rq.versionOf(id)
	if err != nil {
		return err
	}
	a, err := rq.arm.call(http.MethodPut, id.String(), v, body, "If-None-Match", "*")
	if err != nil {
		return err
	}
	return rq.waitDone("Creating "+id.Name(), a)
}

func createVNet(rq *request, g resID) (string, error) {
	f := func(k string) string { return strings.TrimSpace(rq.r.PostFormValue(k)) }
	name := f("vnetName")
	var p []string
	if !linkName.MatchString(name) || len(name) > 64 {
		p = append(p, fmt.Sprintf("Virtual network name '%s' is not valid: use 2 to 64 letters, digits, '-', '_' and '.', starting with a letter or digit and ending with a letter, digit or '_'.", name))
	}
	_, space, err := net.ParseCIDR(f("addressPrefix"))
	if err != nil {
		p = append(p, fmt.Sprintf("Address space '%s' is not a CIDR range such as 10.0.0.0/16.", f("addressPrefix")))
	}
	_, sub, err := net.ParseCIDR(f("subnetPrefix"))
	switch {
	case err != nil:
		p = append(p, fmt.Sprintf("Subnet address range '%s' is not a CIDR range such as 10.0.0.0/24.", f("subnetPrefix")))
	case space != nil && !space.Contains(sub.IP):
		p = append(p, fmt.Sprintf("Subnet address range %s is not within the address space %s.", sub, space))
	}
	if f("subnetName") == "" {
		p = append(p, "Subnet name is required.")
	}
	if len(p) > 0 {
		return "", invalid("%s", strings.Join(p, " "))
	}
	id := resID{Sub: g.Sub, Group: g.Group, NS: "Microsoft.Network", Types: []string{"virtualNetworks"}, Names: []string{name}}
	v, err := rq.versionOf(id)
	if err != nil {
		return "", err
	}
	body := map[string]any{"location": f("region"), "properties": map[string]any{
		"addressSpace": map[string]any{"addressPrefixes": []string{f("addressPrefix")}},
		"subnets":      []any{map[string]any{"name": f("subnetName"), "properties": map[string]string{"addressPrefix": f("subnetPrefix")}}}}}
	if err := rq.write("Creating virtual network "+name, portalURL(id.String()), http.MethodPut, id.String(), v, body, "If-None-Match", "*"); err != nil {
		return "", err
	}
	return portalURL(g.String()), nil
}

// createVM makes a Linux VM as az vm create does: its public IP (when
// asked), its NIC in the chosen subnet, then the VM with the SSH key.
func createVM(rq *request, g resID) (string, error) {
	f := func(k string) string { return strings.TrimSpace(rq.r.PostFormValue(k)) }
	name, subnet, key, user := f("vmName"), f("vmSubnet"), f("sshPublicKey"), firstNonEmpty(f("adminUsername"), "azureuser")
	var p []string
	if !clusterNameRule.MatchString(name) || len(name) > 64 {
		p = append(p, fmt.Sprintf("Virtual machine name '%s' is not valid: use 1 to 64 letters, digits, '-' and '_', starting and ending with a letter or digit.", name))
	}
	if subnet == "" {
		p = append(p, "Subnet is required: pick the virtual network and subnet of the VM's network interface.")
	}
	if !strings.HasPrefix(key, "ssh-") && !strings.HasPrefix(key, "ecdsa-") {
		p = append(p, "SSH public key is required: paste one line such as 'ssh-ed25519 AAAA... you@host' (the .pub file).")
	}
	if len(p) > 0 {
		return "", invalid("%s", strings.Join(p, " "))
	}
	sub, err := parseID(subnet)
	if err != nil {
		return "", invalid("%s", err.Error())
	}
	vnet, err := rq.read(resID{Sub: sub.Sub, Group: sub.Group, NS: sub.NS, Types: sub.Types[:1], Names: sub.Names[:1]})
	if err != nil {
		return "", err
	}
	loc := digStr(vnet, "location")
	net := func(typ, n string) resID {
		return resID{Sub: g.Sub, Group: g.Group, NS: "Microsoft.Network", Types: []string{typ}, Names: []string{n}}
	}
	ipc := map[string]any{"subnet": map[string]string{"id": subnet}, "privateIPAllocationMethod": "Dynamic"}
	if rq.r.PostFormValue("publicIP") == "on" {
		pip := net("publicIPAddresses", name+"PublicIP")
		if err := rq.put(pip, map[string]any{"location": loc, "sku": map[string]string{"name": "Standard"},
			"properties": map[string]string{"publicIPAllocationMethod": "Static"}}); err != nil {
			return "", err
		}
		ipc["publicIPAddress"] = map[string]string{"id": pip.String()}
	}
	nic := net("networkInterfaces", name+"VMNic")
	if err := rq.put(nic, map[string]any{"location": loc, "properties": map[string]any{
		"ipConfigurations": []any{map[string]any{"name": "ipconfig" + name, "properties": ipc}}}}); err != nil {
		return "", err
	}
	id := resID{Sub: g.Sub, Group: g.Group, NS: "Microsoft.Compute", Types: []string{"virtualMachines"}, Names: []string{name}}
	v, err := rq.versionOf(id)
	if err != nil {
		return "", err
	}
	body := map[string]any{"location": loc, "properties": map[string]any{
		"hardwareProfile": map[string]string{"vmSize": firstNonEmpty(f("vmSize"), "Standard_B1s")},
		"storageProfile": map[string]any{
			"imageReference": map[string]string{"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"},
			"osDisk":         map[string]any{"createOption": "FromImage", "caching": "ReadWrite", "managedDisk": map[string]string{"storageAccountType": "Premium_LRS"}}},
		"osProfile": map[string]any{"computerName": name, "adminUsername": user, "linuxConfiguration": map[string]any{
			"disablePasswordAuthentication": true,
			"ssh":                           map[string]any{"publicKeys": []any{map[string]string{"path": "/home/" + user + "/.ssh/authorized_keys", "keyData": key}}}}},
		"networkProfile": map[string]any{"networkInterfaces": []any{map[string]string{"id": nic.String()}}}}}
	if err := rq.write("Creating virtual machine "+name, portalURL(id.String()), http.MethodPut, id.String(), v, body, "If-None-Match", "*"); err != nil {
		return "", err
	}
	return portalURL(g.String()), nil
}

// addPeering peers this VNet with another in both directions, as the
// portal's Add peering does.
func addPeering(rq *request, vnet resID) (string, error) {
	f := func(k string) string { return strings.TrimSpace(rq.r.PostFormValue(k)) }
	local, remoteName, remote := f("peeringName"), f("remotePeeringName"), f("remoteVirtualNetwork")
	var p []string
	for _, n := range []struct{ label, v string }{{"This virtual network's peering link name", local}, {"Remote virtual network's peering link name", remoteName}} {
		if !linkName.MatchString(n.v) {
			p = append(p, fmt.Sprintf("%s '%s' is not valid: use 1 to 80 letters, digits, '-', '_' and '.'.", n.label, n.v))
		}
	}
	rid, err := parseID(remote)
	if err != nil || !rid.is("Microsoft.Network/virtualNetworks") {
		p = append(p, "Remote virtual network is required: pick the virtual network to peer with.")
	}
	if len(p) > 0 {
		return "", invalid("%s", strings.Join(p, " "))
	}
	one := func(from, to resID, name string) error {
		id := from.Child("virtualNetworkPeerings", name)
		v, err := rq.versionOf(id)
		if err != nil {
			return err
		}
		return rq.write("Adding peering "+name+" to "+from.Name(), portalURL(from.String())+"?view=peerings", http.MethodPut, id.String(), v,
			map[string]any{"properties": map[string]any{"remoteVirtualNetwork": map[string]string{"id": to.String()},
				"allowVirtualNetworkAccess": true, "allowForwardedTraffic": false}})
	}
	if err := one(vnet, rid, local); err != nil {
		return "", err
	}
	if err := one(rid, vnet, remoteName); err != nil {
		return "", err
	}
	return "peerings", nil
}
