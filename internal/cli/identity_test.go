package cli

import (
	"bytes"
	"strings"
	"testing"
)

// Bad command lines fail before connecting, with az's exit code 2.
func TestIdentityUsageErrors(t *testing.T) {
	other := "/subscriptions/" + testSub + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"identity", "create", "-n", "id1"}, "--resource-group/-g"},
		{[]string{"identity", "show", "-g", "rg"}, "--name/-n"},
		{[]string{"identity", "delete"}, "--resource-group/-g, --name/-n"},
		{[]string{"identity", "show", "--ids", other}, "not the resource ID of a user-assigned identity"},
		{[]string{"identity", "show", "--ids", "id1"}, "not the resource ID of a user-assigned identity"},
		{[]string{"identity", "delete", "--ids", identityID("rg", "id1"), "-n", "id1"}, "--ids cannot be used with"},
		{[]string{"identity", "list", "extra"}, "unrecognized arguments: extra"},
	} {
		var out, errb bytes.Buffer
		code := Main(append(c.args, "--state-dir", t.TempDir()), nil, &out, &errb, nil)
		if code != 2 || !strings.HasPrefix(errb.String(), "ERROR: ") || !strings.Contains(errb.String(), c.says) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errb.String(), c.says)
		}
	}
}

func identityID(rg, name string) string {
	return "/subscriptions/" + testSub + "/resourcegroups/" + rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name
}

// --ids takes IDs as the service writes them (lower-case resourcegroups),
// several at once.
func TestIdentityIDs(t *testing.T) {
	cmd := identityShowCmd(&App{})
	if err := cmd.ParseFlags([]string{"--ids", identityID("rg1", "a"), strings.ToUpper(identityID("rg2", "b"))}); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
		t.Fatal(err)
	}
	var r idRefs
	r.ids = []string{identityID("rg1", "a"), strings.Replace(identityID("rg2", "b"), "resourcegroups", "resourceGroups", 1)}
	refs, err := r.refs(cmd)
	if err != nil || len(refs) != 2 || refs[0] != (ref{rg: "rg1", name: "a"}) || refs[1] != (ref{rg: "rg2", name: "b"}) {
		t.Errorf("refs %v %v", refs, err)
	}
}

// What is printed is az's: the Python model flattened with resourceGroup,
// and az's automatic table of its scalars, sorted.
func TestIdentityOutput(t *testing.T) {
	body := decode(t, `{"id":"`+identityID("rg", "id1")+`","name":"id1","type":"Microsoft.ManagedIdentity/userAssignedIdentities",
		"location":"westus2","tags":{"env":"test"},"properties":{"tenantId":"t-1","principalId":"p-1","clientId":"c-1"}}`)
	shaped := azShape(body, true).(map[string]any)
	if shaped["resourceGroup"] != "rg" || shaped["clientId"] != "c-1" || shaped["principalId"] != "p-1" || shaped["tenantId"] != "t-1" ||
		shaped["properties"] != nil || shaped["tags"].(map[string]any)["env"] != "test" {
		t.Errorf("shaped %v", shaped)
	}
	want := `ClientId    Location    Name    PrincipalId    ResourceGroup    TenantId
----------  ----------  ------  -------------  ---------------  ----------
c-1         westus2     id1     p-1            rg               t-1
`
	if got := table(t, []any{shaped}, nil); got != want {
		t.Errorf("identity list -o table:\n%s", got)
	}
}
