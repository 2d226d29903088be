package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aksbox/aksbox/internal/testenv"
)

// The portal in a real browser: sign-in with a wrong and a right secret,
// a resource group made with a form, tags written with a form and HTML in
// them shown as text, the document's preview feature and a provider
// registered, a form without the session's CSRF token refused with
// nothing changed, and sign-out.
func TestPortalBasics(t *testing.T) {
	in := start(t, "--provider-registration-delay", "1s", "--feature-registration-delay", "2s")
	b := newBrowser(t, in)

	// Nothing is reachable without a session.
	b.open("/portal/")
	b.run("reaching sign-in", chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()="Sign in"]`)))
	b.shot("signin")
	b.fill("Application (client) ID", in.ClientID)
	b.fill("Client secret", "not-the-secret")
	b.click("Sign in")
	b.waitText("InvalidClientSecret")
	// The keyboard alone: type the ID, Tab to the secret, Enter submits.
	b.run("focusing the ID", chromedp.Focus(chromedp.CSS(b.field("Application (client) ID"))))
	evaluate[bool](b, "clearing the ID", `(document.activeElement.value = "", true)`)
	b.run("typing with the keyboard", chromedp.KeyEvent(in.ClientID), chromedp.KeyEvent("\t"))
	if id := evaluate[string](b, "reading the focus", `document.activeElement.id`); id != "clientSecret" {
		t.Fatalf("Tab from the ID went to %q, not the secret", id)
	}
	b.run("typing the secret", chromedp.KeyEvent(in.Secret+"\r"))
	b.waitText("Resource groups")

	// A resource group from the subscription's form.
	b.click("aksbox")
	b.fill("Resource group name", "portal-rg")
	b.choose("Region", "westus2")
	b.click("Create")
	b.waitText("Creating resource group portal-rg: Succeeded")
	if out := in.mustAksbox("group", "show", "-n", "portal-rg", "--query", "location", "-o", "tsv"); strings.TrimSpace(out) != "westus2" {
		t.Fatalf("the group the portal made: %q", out)
	}

	// HTML in a tag is text on every page that shows it.
	evil := `<img src=x onerror="document.title='pwned'">`
	in.mustAksbox("group", "update", "-n", "portal-rg", "--tags", "note="+evil)
	for _, view := range []string{"overview", "tags", "json", "properties"} {
		b.open("/portal/r/subscriptions/" + in.Sub + "/resourceGroups/portal-rg?view=" + view)
		imgs := evaluate[int](b, "counting images", `document.querySelectorAll("img").length`)
		title := evaluate[string](b, "reading the title", `document.title`)
		if imgs != 0 || title == "pwned" {
			t.Fatalf("view %s: the tag's HTML became markup (%d images, title %q)", view, imgs, title)
		}
		shown := b.text()
		if view == "tags" {
			shown = evaluate[string](b, "reading the tag's value", `document.querySelector("`+b.field("Tag value 0")+`").value`)
		}
		if view != "properties" && !strings.Contains(shown, `<img src=x onerror=`) {
			t.Fatalf("view %s does not show the tag as text:\n%s", view, b.text())
		}
	}

	// Tags from the Tags form.
	b.open("/portal/r/subscriptions/" + in.Sub + "/resourceGroups/portal-rg?view=tags")
	b.fill("New tag name", "team")
	b.fill("New tag value", "platform")
	b.click("Save tags")
	b.waitText("Updating the tags of portal-rg: Succeeded")
	if out := in.mustAksbox("group", "show", "-n", "portal-rg", "--query", "tags.team", "-o", "tsv"); strings.TrimSpace(out) != "platform" {
		t.Fatalf("the tag the portal wrote: %q", out)
	}

	// A private DNS zone's A records: add, edit, delete; then the zone is
	// deleted from the group's list.
	in.mustAksbox("network", "private-dns", "zone", "create", "-g", "portal-rg", "-n", "corp.example")
	zone := "/portal/r/subscriptions/" + in.Sub + "/resourceGroups/portal-rg/providers/Microsoft.Network/privateDnsZones/corp.example"
	b.open(zone + "?view=recordsets")
	b.fill("Name", "web")
	b.fill("IP address", "10.9.0.5")
	b.click("OK")
	b.waitRow("recordsets", "web A 3600 10.9.0.5")
	b.fill("Name", "web")
	b.fill("TTL (seconds)", "60")
	b.fill("IP address", "10.9.0.6, 10.9.0.7")
	b.click("OK")
	b.waitRow("recordsets", "web A 60 10.9.0.6, 10.9.0.7")
	if out := in.mustAksbox("network", "private-dns", "record-set", "a", "show", "-g", "portal-rg", "-z", "corp.example", "-n", "web",
		"--query", "aRecords[].ipv4Address", "-o", "tsv"); strings.Join(strings.Fields(out), " ") != "10.9.0.6 10.9.0.7" {
		t.Fatalf("the record set the portal wrote: %q", out)
	}
	b.fill("Name", "bad name!")
	b.fill("IP address", "10.9.0.8")
	b.click("OK")
	b.waitText("bad name!")
	if v := evaluate[string](b, "reading the kept name", `document.querySelector("#recordName").value`); v != "bad name!" {
		t.Fatalf("the refused form lost the name: %q", v)
	}
	b.click("Delete")
	b.waitText("Deleting web: Succeeded")
	for _, r := range b.rows("recordsets") {
		if strings.HasPrefix(r, "web ") {
			t.Fatalf("the deleted record set is listed: %q", r)
		}
	}
	b.open("/portal/r/subscriptions/" + in.Sub + "/resourceGroups/portal-rg")
	b.run("deleting the zone", chromedp.Click(chromedp.CSS(`button[aria-label="Delete corp.example"]`), chromedp.NodeVisible))
	b.waitText("Deleting corp.example: Succeeded")
	if out, _, code := in.aksbox("network", "private-dns", "zone", "show", "-g", "portal-rg", "-n", "corp.example"); code == 0 {
		t.Fatalf("the zone the portal deleted is there:\n%s", out)
	}

	// A form without the session's CSRF token changes nothing.
	b.open("/portal/r/subscriptions/" + in.Sub + "/resourceGroups/portal-rg?view=tags")
	b.fill("New tag name", "forged")
	b.fill("New tag value", "yes")
	evaluate[bool](b, "forging the form", `document.querySelectorAll('input[name="csrf"]').forEach(i => i.value = "forged"), true`)
	b.click("Save tags")
	b.waitText("InvalidCsrfToken")
	if out := in.mustAksbox("group", "show", "-n", "portal-rg", "--query", "tags.forged", "-o", "tsv"); strings.TrimSpace(out) != "" {
		t.Fatalf("a forged form changed the tags: %q", out)
	}

	// The document's preview feature, registered from the portal.
	b.open("/portal/r/subscriptions/" + in.Sub + "?view=features")
	b.fill("Filter by name", "AKSPrivateLinkPreview")
	b.click("Filter")
	if rows := b.rows("features"); len(rows) != 1 || !strings.Contains(rows[0], "Microsoft.ContainerService/AKSPrivateLinkPreview NotRegistered") {
		t.Fatalf("features listed: %q", rows)
	}
	b.click("Register")
	b.waitText("Registering Microsoft.ContainerService/AKSPrivateLinkPreview")
	b.waitRow("features", "Microsoft.ContainerService/AKSPrivateLinkPreview Registered")
	b.shot("preview-features")
	if out := in.mustAksbox("feature", "show", "--name", "AKSPrivateLinkPreview", "--namespace", "Microsoft.ContainerService",
		"--query", "properties.state", "-o", "tsv"); strings.TrimSpace(out) != "Registered" {
		t.Fatalf("feature state after the portal registered it: %q", out)
	}

	// A resource provider, registered from the portal.
	b.open("/portal/r/subscriptions/" + in.Sub + "?view=providers")
	b.fill("Filter by name", "Microsoft.ContainerService")
	b.click("Filter")
	b.click("Register")
	b.waitRow("providers", "Microsoft.ContainerService Registered")

	// Sign-out ends the session: the portal asks to sign in again.
	b.click("Sign out")
	b.waitText("You signed out.")
	b.open("/portal/r/subscriptions/" + in.Sub)
	b.run("reaching sign-in", chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()="Sign in"]`)))

	// A one-time link works once.
	out := in.mustAksbox("portal", "--no-open")
	link := out[strings.Index(out, "https://"+strings.TrimPrefix(in.Endpoint, "https://")+"/portal/signin?code="):]
	link = link[:strings.IndexByte(link, '\n')]
	b.run("using the link", chromedp.Navigate(link))
	b.waitText("Home")
	b.click("Sign out")
	b.run("using the link again", chromedp.Navigate(link))
	b.waitText("This sign-in link was used already or has expired")
}

// A session that ended while a form was being filled sends the form to
// sign-in and back with what was typed; nothing is lost and nothing is
// sent until it is submitted again.
func TestPortalSessionEndsKeepsTheForm(t *testing.T) {
	in := start(t, "--portal-session-idle", "3s")
	b := newBrowser(t, in)
	b.signInWithLink()
	b.open("/portal/r/subscriptions/" + in.Sub)
	b.fill("Resource group name", "kept-rg")
	b.choose("Region", "eastus")
	time.Sleep(4 * time.Second)
	b.click("Create")
	b.waitText("Your session ended")
	if out := in.mustAksbox("group", "exists", "-n", "kept-rg"); strings.TrimSpace(out) != "false" {
		t.Fatal("a form posted without a session made the group")
	}
	b.fill("Application (client) ID", in.ClientID)
	b.fill("Client secret", in.Secret)
	b.click("Sign in")
	b.waitText("Create a resource group")
	name := evaluate[string](b, "reading the name", `document.querySelector("`+b.field("Resource group name")+`").value`)
	region := evaluate[string](b, "reading the region", `document.querySelector("`+b.field("Region")+`").value`)
	if name != "kept-rg" || region != "eastus" {
		t.Fatalf("after sign-in the form holds %q in %q, want kept-rg in eastus", name, region)
	}
	b.click("Create")
	b.waitText("Creating resource group kept-rg: Succeeded")
}

// The document's portal steps: with a jump box in a VNet peered both ways
// with a private cluster's VNet, kubectl on it fails until, in the portal,
// one opens the MC_ group, its private DNS zone, Virtual network links, and
// adds the jump box's VNet; the link shows Completed, and then kubectl on
// the jump box, over the real ssh, lists the nodes.
func TestPortalSeedSteps(t *testing.T) {
	needRoot(t)
	testenv.Tool(t, "kubectl", "install kubectl")
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "aks")
	keyPath, authorized := writeKey(t)
	l.key = authorized
	l.vnet("cluster-vnet", "10.1.0.0/16", "10.1.1.0/24")
	mc, err := l.create("private", l.seedCluster(l.subnetID("cluster-vnet"), 2))
	if err != nil {
		t.Fatalf("creating the cluster: %v\n%s", err, in.log)
	}
	fqdn := deref(mc.Properties.PrivateFQDN)
	zone := fqdn[strings.IndexByte(fqdn, '.')+1:]
	creds, err := l.aks.NewManagedClustersClient().ListClusterUserCredentials(l.ctx, "aks", "private", nil)
	if err != nil {
		t.Fatal(err)
	}
	kc := string(creds.Kubeconfigs[0].Value)
	l.vnet("jump-vnet", "10.3.0.0/16", "10.3.1.0/24")
	jumpIP := l.publicVM("jump", "jump-vnet")
	l.peer("jump-vnet", "to-cluster", "cluster-vnet")
	l.peer("cluster-vnet", "to-jump", "jump-vnet")
	kubectl := "cat > kc && kubectl --kubeconfig kc --request-timeout=10s get nodes"
	if out, err := sshRun(keyPath, jumpIP, kubectl, kc); err == nil {
		t.Fatalf("kubectl worked before the zone was linked:\n%s", out)
	}

	b := newBrowser(t, in)
	b.signInWithLink()
	b.shot("home")
	b.click("MC_aks_private_westus2")
	b.shot("node-resource-group")
	b.click(zone)
	b.click("Virtual network links")
	if rows := b.rows("links"); len(rows) != 1 || !strings.Contains(rows[0], "Completed cluster-vnet") {
		t.Fatalf("the zone's links before: %q", rows)
	}
	b.fill("Link name", "jump-link")
	b.choose("Virtual network", "jump-vnet (aks)")
	b.click("OK")
	b.waitText("Creating virtual network link jump-link: Succeeded")
	b.waitRow("links", "jump-link Completed jump-vnet Disabled Succeeded")
	b.shot("zone-links")

	waitForOutput(t, func() (string, error) { return sshRun(keyPath, jumpIP, kubectl, kc) }, " Ready ", 2)
	link, err := l.dns.NewVirtualNetworkLinksClient().Get(l.ctx, "MC_aks_private_westus2", zone, "jump-link", nil)
	if err != nil || !strings.HasSuffix(deref(link.Properties.VirtualNetwork.ID), "/virtualNetworks/jump-vnet") {
		t.Fatalf("the link the portal made, through ARM: %v", err)
	}

	// The cluster's blade shows what the document's user looks for.
	b.open(portalPath(deref(mc.ID)))
	for _, want := range []string{"Private FQDN", fqdn, "MC_aks_private_westus2", "Private cluster\nEnabled"} {
		if !strings.Contains(b.text(), want) {
			t.Fatalf("the cluster's overview lacks %q:\n%s", want, b.text())
		}
	}
	b.shot("cluster-overview")
	b.click("Node pools")
	b.waitRow("nodepools", "nodepool1 System 2")

	// The endpoint's network interface and the VNet's address space.
	b.open(portalPath("/subscriptions/" + in.Sub + "/resourceGroups/MC_aks_private_westus2/providers/Microsoft.Network/privateEndpoints/kube-apiserver"))
	b.click("Network interface")
	if !strings.Contains(b.text(), "/networkInterfaces/") {
		t.Fatalf("the endpoint's Network interface view:\n%s", b.text())
	}
	b.open(portalPath("/subscriptions/" + in.Sub + "/resourceGroups/aks/providers/Microsoft.Network/virtualNetworks/jump-vnet"))
	b.click("Address space")
	b.waitRow("address-space", "10.3.0.0/16")

	// Deleting the link from the portal takes the name away again.
	b.open(portalPath("/subscriptions/" + in.Sub + "/resourceGroups/MC_aks_private_westus2/providers/Microsoft.Network/privateDnsZones/" + zone + "?view=links"))
	b.run("deleting the link", chromedp.Click(chromedp.CSS(`button[aria-label="Delete link jump-link"]`), chromedp.NodeVisible))
	b.waitText("Deleting jump-link: Succeeded")
	waitForOutput(t, func() (string, error) {
		return sshRun(keyPath, jumpIP, "getent hosts "+fqdn+" || echo unresolved", "")
	}, "unresolved", 1)
}

// portalPath is the portal's page of an ARM resource ID.
func portalPath(id string) string { return "/portal/r" + id }

// Building the document's topology in the portal alone: VNets from the
// form, the create-cluster wizard refused first by the portal's own check
// and then by ARM (with nothing made and every value kept), then a
// private cluster; a jump box with its key; a peering both ways; the
// topology explaining why the jump box cannot reach the API server, with
// Network Watcher's hops; the cluster's run command and node pool scale.
func TestPortalCreateAndTopology(t *testing.T) {
	needRoot(t)
	in := start(t, "--provider-registration-delay", "0s", "--feature-registration-delay", "0s")
	l := newAKSLab(t, in, "aks")
	keyPath, authorized := writeKey(t)
	b := newBrowser(t, in)
	b.signInWithLink()
	group := "/portal/r/subscriptions/" + in.Sub + "/resourceGroups/aks"

	newVNet := func(name, space, subnet, prefix string) {
		b.open(group)
		b.click("+ Virtual network")
		b.fill("Virtual network name", name)
		b.fill("Address space", space)
		b.fill("Subnet name", subnet)
		b.fill("Subnet address range", prefix)
		b.click("Create")
		b.waitText("Creating virtual network " + name + ": Succeeded")
	}
	newVNet("cluster-vnet", "10.1.0.0/16", "nodes", "10.1.1.0/24")
	newVNet("jump-vnet", "10.3.0.0/16", "default", "10.3.1.0/24")

	// The wizard: the portal's own check first.
	b.open(group)
	b.click("+ Kubernetes cluster")
	b.fill("Kubernetes cluster name", "wiz")
	b.fill("Node count", "2")
	b.choose("Virtual network and subnet", "cluster-vnet / nodes (10.1.1.0/24, aks)")
	b.fill("Kubernetes service address range", "10.1.0.0/16")
	b.fill("Kubernetes DNS service IP address", "10.9.0.10")
	b.fill("SSH public key (for the nodes' admin user azureuser)", authorized)
	b.shot("create-cluster")
	b.click("Review + create")
	b.waitText("DNS service IP address 10.9.0.10 is not within the service CIDR 10.1.0.0/16")
	// Then ARM's: the service range overlaps the VNet, which only ARM knows.
	b.fill("Kubernetes DNS service IP address", "10.1.0.10")
	b.click("Review + create")
	b.waitText("Review + create")
	b.click("Create")
	b.waitText("ServiceCidrOverlapExistingSubnetsCidr")
	b.shot("create-cluster-refused")
	if _, err := l.aks.NewManagedClustersClient().Get(l.ctx, "aks", "wiz", nil); respCode(err) != "ResourceNotFound" {
		t.Fatalf("a cluster ARM refused exists: %v", err)
	}
	b.click("Previous")
	if v := evaluate[string](b, "reading the kept value", `document.querySelector("`+b.field("Kubernetes cluster name")+`").value`); v != "wiz" {
		t.Fatalf("the wizard lost the name: %q", v)
	}
	b.fill("Kubernetes service address range", "10.2.0.0/24")
	b.fill("Kubernetes DNS service IP address", "10.2.0.10")
	b.click("Review + create")
	b.click("Create")
	b.waitText("Creating Kubernetes cluster wiz: Succeeded")
	mc, err := l.aks.NewManagedClustersClient().Get(l.ctx, "aks", "wiz", nil)
	if err != nil || !*mc.Properties.APIServerAccessProfile.EnablePrivateCluster || deref(mc.Properties.NetworkProfile.ServiceCidr) != "10.2.0.0/24" {
		t.Fatalf("the cluster the wizard made: %v", err)
	}
	fqdn := deref(mc.Properties.PrivateFQDN)

	// A jump box with a public IP and the key; a peering both ways.
	b.open(group)
	b.click("+ Virtual machine")
	b.fill("Virtual machine name", "jump")
	b.choose("Virtual network and subnet", "jump-vnet / default (10.3.1.0/24, aks)")
	b.fill("SSH public key", authorized)
	b.click("Create")
	b.waitText("Creating virtual machine jump: Succeeded")
	b.open(portalPath("/subscriptions/" + in.Sub + "/resourceGroups/aks/providers/Microsoft.Compute/virtualMachines/jump"))
	b.click("Connect")
	ssh := b.text()
	i := strings.Index(ssh, "ssh azureuser@")
	if i < 0 {
		t.Fatalf("the VM's Connect shows no ssh command:\n%s", ssh)
	}
	jumpIP := strings.Fields(ssh[i+len("ssh azureuser@"):])[0]
	if out, err := sshRun(keyPath, jumpIP, "hostname", ""); err != nil || strings.TrimSpace(out) != "jump" {
		t.Fatalf("ssh to the portal's VM at %s: %v %s", jumpIP, err, out)
	}
	b.open(portalPath("/subscriptions/" + in.Sub + "/resourceGroups/aks/providers/Microsoft.Network/virtualNetworks/jump-vnet"))
	b.click("Peerings")
	b.fill("Peering link name (this virtual network)", "jump-to-cluster")
	b.choose("Remote virtual network", "cluster-vnet (aks)")
	b.fill("Peering link name (remote virtual network)", "cluster-to-jump")
	b.click("Add")
	b.waitRow("peerings", "jump-to-cluster Connected")

	// The topology: every VNet, the peering, the endpoint, the zone and its
	// link; and why the jump box cannot reach the API server yet.
	b.open(group + "?view=topology")
	texts := evaluate[string](b, "reading the picture", `[...document.querySelectorAll("svg text")].map(t => t.textContent).join("\n")`)
	for _, want := range []string{"VNet cluster-vnet", "VNet jump-vnet", "Subnet nodes  10.1.1.0/24", "jump-to-cluster: Connected",
		"cluster-to-jump: Connected", "Private endpoint kube-apiserver", "API server of wiz", "VM jump  10.3.1.4", "private link", fqdn[strings.IndexByte(fqdn, '.')+1:]} {
		if !strings.Contains(texts, want) {
			t.Fatalf("the topology lacks %q:\n%s", want, texts)
		}
	}
	if n := strings.Count(texts, "Node aks-nodepool1-"); n != 2 {
		t.Fatalf("the topology draws %d nodes, want 2:\n%s", n, texts)
	}
	if rows := b.rows("reach"); len(rows) != 1 || !strings.HasPrefix(rows[0], "jump wiz no yes") || !strings.Contains(rows[0], "'jump-vnet' is not linked to the zone") {
		t.Fatalf("reachability: %q", rows)
	}
	b.choose("Source virtual machine", "jump")
	b.fill("Destination (IP address or host name)", fqdn)
	b.click("Check")
	b.waitText("Result: jump → " + fqdn + ":443: Unreachable")
	if hops := evaluate[int](b, "counting highlighted hops", `document.querySelectorAll("svg .hop").length`); hops == 0 {
		t.Fatal("the connectivity check's hops are not drawn on the picture")
	}
	b.shot("topology")

	// The jump box stopped and started from its Overview.
	vm := portalPath("/subscriptions/" + in.Sub + "/resourceGroups/aks/providers/Microsoft.Compute/virtualMachines/jump")
	b.open(vm)
	b.click("Stop")
	b.waitText("Stopping jump: Succeeded")
	b.waitText("VM stopped")
	b.click("Start")
	b.waitText("Starting jump: Succeeded")
	b.waitText("VM running")

	// The VNet's connected devices and the VM's run command.
	b.open(portalPath("/subscriptions/" + in.Sub + "/resourceGroups/aks/providers/Microsoft.Network/virtualNetworks/jump-vnet"))
	b.click("Connected devices")
	b.waitRow("devices", "jump Virtual machine 10.3.1.4 default jumpVMNic")
	b.open(portalPath("/subscriptions/" + in.Sub + "/resourceGroups/aks/providers/Microsoft.Compute/virtualMachines/jump"))
	b.click("Run command")
	b.fill("Command", "hostname; id -un")
	b.click("Run")
	if out := evaluate[string](b, "reading the output", `document.querySelector("#command-output").textContent`); !strings.Contains(out, "jump\nroot") {
		t.Fatalf("the VM's run command output:\n%s", out)
	}

	// The cluster's run command and node pool scale.
	cluster := portalPath(deref(mc.ID))
	b.open(cluster)
	b.click("Run command")
	b.fill("Command", "kubectl get nodes")
	b.click("Run")
	if out := evaluate[string](b, "reading the output", `document.querySelector("#command-output").textContent`); strings.Count(out, " Ready ") != 2 {
		t.Fatalf("run command output:\n%s", out)
	}
	b.shot("run-command")
	// Stop and start from the Overview.
	b.open(cluster)
	b.click("Stop")
	b.waitText("Stopping wiz: Succeeded")
	b.waitText("Status\nStopped")
	b.click("Start")
	b.waitText("Starting wiz: Succeeded")
	b.waitText("Status\nRunning")
	b.open("/portal/")
	if !strings.Contains(b.text(), "Recent resources\nwiz (Microsoft.ContainerService/managedClusters)") {
		t.Fatalf("Home does not list the cluster first among recent resources:\n%s", b.text())
	}
	b.open(cluster)
	b.click("Node pools")
	b.fill("Node count of nodepool1", "3")
	b.click("Scale")
	b.waitText("Scaling nodepool1 to 3 nodes: Succeeded")
	b.waitRow("nodepools", "nodepool1 System 3")
}
