package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/aksbox/aksbox/internal/testenv"
)

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$`)

// User-assigned identities through the CLI and the Go SDK: created with
// GUIDs that never change, listed, shown, re-tagged, refused in ARM's
// envelope when misnamed or unplaced, gated by the namespace's
// registration, and gone with their group.
func TestIdentity(t *testing.T) {
	in := start(t, "--provider-registration-delay", "0s")
	ctx := context.Background()
	in.mustAksbox("group", "create", "-n", "idrg", "-l", "westus2")
	t.Cleanup(func() { in.aksbox("group", "delete", "-n", "idrg", "--yes") })
	if s := in.tsv("provider", "show", "-n", "Microsoft.ManagedIdentity", "--query", "registrationState"); s != "Registered" {
		t.Fatalf("Microsoft.ManagedIdentity starts %s, want Registered", s)
	}

	// az identity create: the group's location, tags, the IDs.
	id1 := in.jsonOf("identity", "create", "-g", "idrg", "-n", "id1", "--tags", "env=test", "team")
	wantID := "/subscriptions/" + in.Sub + "/resourcegroups/idrg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
	principal, client := id1["principalId"].(string), id1["clientId"].(string)
	if id1["id"] != wantID || id1["name"] != "id1" || id1["resourceGroup"] != "idrg" || id1["location"] != "westus2" ||
		id1["type"] != "Microsoft.ManagedIdentity/userAssignedIdentities" || id1["tenantId"] != in.Tenant ||
		!guidRE.MatchString(principal) || !guidRE.MatchString(client) || principal == client ||
		id1["tags"].(map[string]any)["env"] != "test" || id1["tags"].(map[string]any)["team"] != "" ||
		id1["properties"] != nil || id1["isolationScope"] != nil {
		t.Fatalf("identity create: %v", id1)
	}
	// A second PUT replaces the tags and keeps the IDs; another region is refused.
	again := in.jsonOf("identity", "create", "-g", "idrg", "-n", "ID1", "-l", "West US 2")
	if again["principalId"] != principal || again["clientId"] != client || again["name"] != "id1" || len(again["tags"].(map[string]any)) != 0 {
		t.Fatalf("second create: %v", again)
	}
	in.fails(1, "(InvalidResourceLocation)", "identity", "create", "-g", "idrg", "-n", "id1", "-l", "eastus")

	// show by name and by ID, list by group and subscription, az's table.
	if got := in.jsonOf("identity", "show", "-g", "idrg", "-n", "id1"); got["principalId"] != principal || got["clientId"] != client {
		t.Errorf("identity show: %v", got)
	}
	if got := in.tsv("identity", "show", "--ids", wantID, "--query", "clientId"); got != client {
		t.Errorf("identity show --ids: %q", got)
	}
	in.mustAksbox("identity", "create", "-g", "idrg", "-n", "id2")
	if names := in.tsv("identity", "list", "-g", "idrg", "--query", "[].name"); names != "id1\nid2" {
		t.Errorf("identity list -g: %q", names)
	}
	if n := in.tsv("identity", "list", "--query", "length(@)"); n != "2" {
		t.Errorf("identity list: %s identities", n)
	}
	h, row := tableRow(t, in.mustAksbox("identity", "list", "-g", "idrg", "-o", "table"), client)
	if strings.Join(h, " ") != "ClientId Location Name PrincipalId ResourceGroup TenantId" ||
		strings.Join(row, " ") != strings.Join([]string{client, "westus2", "id1", principal, "idrg", in.Tenant}, " ") {
		t.Errorf("identity list -o table:\n%v\n%v", h, row)
	}

	// The Go SDK (armmsi, 2024-11-30): the same identity, with isolationScope; PATCH of tags.
	ic, err := armmsi.NewUserAssignedIdentitiesClient(in.Sub, in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	got, err := ic.Get(ctx, "idrg", "id1", nil)
	if err != nil || deref(got.Properties.PrincipalID) != principal || deref(got.Properties.ClientID) != client ||
		deref(got.Properties.TenantID) != in.Tenant || got.Properties.IsolationScope == nil || *got.Properties.IsolationScope != armmsi.IsolationScopeNone {
		t.Fatalf("SDK get: %v %+v", err, got.Properties)
	}
	upd, err := ic.Update(ctx, "idrg", "id1", armmsi.IdentityUpdate{Tags: map[string]*string{"stage": to.Ptr("two")},
		Properties: &armmsi.UserAssignedIdentityProperties{IsolationScope: to.Ptr(armmsi.IsolationScopeRegional)}}, nil)
	if err != nil || deref(upd.Tags["stage"]) != "two" || len(upd.Tags) != 1 || *upd.Properties.IsolationScope != armmsi.IsolationScopeRegional ||
		deref(upd.Properties.PrincipalID) != principal {
		t.Fatalf("SDK update: %v %+v", err, upd)
	}
	put, err := ic.CreateOrUpdate(ctx, "idrg", "id3", armmsi.Identity{Location: to.Ptr("westus2")}, nil)
	if err != nil || !guidRE.MatchString(deref(put.Properties.PrincipalID)) || deref(put.Properties.PrincipalID) == principal {
		t.Fatalf("SDK create: %v %+v", err, put)
	}
	pager := ic.NewListBySubscriptionPager(nil)
	n := 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Value)
	}
	if n != 3 {
		t.Errorf("SDK list by subscription: %d identities, want 3", n)
	}

	// Bad input: ARM's envelope with the real code and what would be right.
	base := "/subscriptions/" + in.Sub + "/resourceGroups/idrg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
	for _, c := range []struct {
		name, body, code, says string
		status                 int
	}{
		{"ab", `{"location":"westus2"}`, "InvalidResourceName", "3 to 128 letters, digits, hyphens or underscores", 400},
		{"-lead", `{"location":"westus2"}`, "InvalidResourceName", "must start with a letter or digit", 400},
		{"no-location", `{}`, "LocationRequired", "westus2", 400},
		{"moon", `{"location":"moon"}`, "LocationNotAvailableForResourceType", "moon", 400},
	} {
		status, m, _ := in.call("PUT", base+c.name+"?api-version=2023-01-31", c.body)
		if status != c.status || errCode(m) != c.code || !strings.Contains(errMessage(m), c.says) {
			t.Errorf("PUT %s %s: %d %v, want %d %s saying %q", c.name, c.body, status, m, c.status, c.code, c.says)
		}
	}
	in.fails(1, "(InvalidResourceName)", "identity", "create", "-g", "idrg", "-n", "a.b")
	if _, err := ic.CreateOrUpdate(ctx, "idrg", "x", armmsi.Identity{Location: to.Ptr("westus2")}, nil); respCode(err) != "InvalidResourceName" {
		t.Errorf("SDK create of a two-letter name: %v", err)
	}

	// Unregistered, the namespace's types answer MissingSubscriptionRegistration
	// (and the CLI, like az, registers it and goes on).
	in.mustAksbox("provider", "unregister", "-n", "Microsoft.ManagedIdentity")
	if status, m, _ := in.call("GET", "/subscriptions/"+in.Sub+"/resourceGroups/idrg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1?api-version=2023-01-31", ""); status != 409 || errCode(m) != "MissingSubscriptionRegistration" {
		t.Errorf("GET while unregistered: %d %v", status, m)
	}
	if _, stderr, code := in.aksbox("identity", "show", "-g", "idrg", "-n", "id1"); code != 0 ||
		!strings.Contains(stderr, "Resource provider 'Microsoft.ManagedIdentity' used by this operation is not registered. We are registering for you.") {
		t.Errorf("identity show while unregistered: exit %d\n%s", code, stderr)
	}

	// Delete: gone (exit 3 on show, as az), and deleting again is no error.
	in.mustAksbox("identity", "delete", "-g", "idrg", "-n", "id1")
	in.fails(3, "(ResourceNotFound)", "identity", "show", "-g", "idrg", "-n", "id1")
	in.mustAksbox("identity", "delete", "--ids", wantID)

	// Deleting the group takes the rest with it.
	in.mustAksbox("group", "delete", "-n", "idrg", "--yes")
	if n := in.tsv("identity", "list", "--query", "length(@)"); n != "0" {
		t.Errorf("after deleting the group, %s identities remain", n)
	}
	in.mustAksbox("group", "create", "-n", "idrg", "-l", "westus2")
	if _, err := ic.Get(ctx, "idrg", "id2", nil); respCode(err) != "ResourceNotFound" {
		t.Errorf("id2 outlived its group: %v", err)
	}
}

// The real az (Debian's azure-cli 2.45) runs its identity commands against
// aksbox, and aksbox's CLI prints exactly what az prints.
func TestRealAzureCLIIdentity(t *testing.T) {
	azPath := testenv.Tool(t, "az", "install Debian's azure-cli")
	in := start(t)
	az, mustAz := azRunner(t, in, azPath)
	mustAz("login", "--service-principal", "-u", in.ClientID, "-p", in.Secret, "--tenant", in.Tenant)
	mustAz("group", "create", "-n", "azid", "-l", "westus2")
	created := decodeJSON(t, mustAz("identity", "create", "-g", "azid", "-n", "id1", "--tags", "env=test"))
	if created["location"] != "westus2" || !guidRE.MatchString(created["principalId"].(string)) || created["resourceGroup"] != "azid" {
		t.Fatalf("az identity create: %v", created)
	}
	for _, args := range [][]string{
		{"identity", "show", "-g", "azid", "-n", "id1"},
		{"identity", "show", "--ids", created["id"].(string)},
		{"identity", "list", "-g", "azid"},
		{"identity", "list", "-o", "table"},
		{"identity", "show", "-g", "azid", "-n", "id1", "-o", "tsv"},
	} {
		if want, got := mustAz(args...), in.mustAksbox(args...); got != want {
			t.Errorf("%s: aksbox printed\n%s\naz printed\n%s", strings.Join(args, " "), got, want)
		}
	}
	if _, errOut, code := az("identity", "create", "-g", "azid", "-n", "x"); code != 1 || !strings.Contains(errOut, "InvalidResourceName") {
		t.Errorf("az identity create of a bad name: exit %d %s", code, errOut)
	}
	mustAz("identity", "delete", "-g", "azid", "-n", "id1")
	if _, errOut, code := az("identity", "show", "-g", "azid", "-n", "id1"); code != 3 || !strings.Contains(errOut, "ResourceNotFound") {
		t.Errorf("az identity show after delete: exit %d %s", code, errOut)
	}
	mustAz("group", "delete", "-n", "azid", "--yes")
}
