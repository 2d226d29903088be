package cli

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
	"golang.org/x/crypto/ssh"
)

// testKey is an OpenSSH public key (of a private key thrown away).
const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJUsjnv27QfjCHGEbh3OZ8B3pyL3WdoI4UZarWbCTy/I"

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// --generate-ssh-keys makes ~/.ssh/id_rsa (0600) and id_rsa.pub once, and
// uses them from then on, as az does.
func TestSSHKeysGenerate(t *testing.T) {
	home := t.TempDir()
	if _, _, err := sshKeys(nil, false, home); err != errNoSSHKey {
		t.Fatalf("no key, no --generate-ssh-keys: %v", err)
	}
	keys, warnings, err := sshKeys(nil, true, home)
	if err != nil || len(keys) != 1 || !strings.HasPrefix(keys[0], "ssh-rsa ") || len(warnings) != 1 {
		t.Fatalf("generate: %v %v %v", keys, warnings, err)
	}
	priv, pub := filepath.Join(home, ".ssh", "id_rsa"), filepath.Join(home, ".ssh", "id_rsa.pub")
	if mode(t, priv) != 0o600 || mode(t, pub) != 0o644 || mode(t, filepath.Dir(priv)) != 0o700 {
		t.Errorf("modes %v %v %v", mode(t, priv), mode(t, pub), mode(t, filepath.Dir(priv)))
	}
	data, _ := os.ReadFile(priv)
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil || strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) != keys[0] {
		t.Fatalf("the private key does not match the public one: %v", err)
	}
	if b, _ := pem.Decode(data); b == nil || b.Type != "RSA PRIVATE KEY" {
		t.Errorf("private key PEM: %v", b)
	}
	again, warnings, err := sshKeys(nil, true, home)
	if err != nil || !reflect.DeepEqual(again, keys) || len(warnings) != 0 {
		t.Fatalf("second run: %v %v %v", again, warnings, err)
	}
	// Without --generate-ssh-keys, the default file is used when it exists.
	if k, _, err := sshKeys(nil, false, home); err != nil || k[0] != keys[0] {
		t.Fatalf("default file: %v %v", k, err)
	}
	// A private key without its public half gets it back.
	os.Remove(pub)
	k, warnings, err := sshKeys(nil, true, home)
	if err != nil || k[0] != keys[0] || len(warnings) != 2 || !strings.Contains(warnings[0], "A paired public key file") {
		t.Fatalf("from the private key: %v %v %v", k, warnings, err)
	}
}

func TestSSHKeysValues(t *testing.T) {
	home := t.TempDir()
	key := testKey
	file := filepath.Join(home, "k.pub")
	os.WriteFile(file, []byte(key+"\n"), 0o644)
	os.MkdirAll(filepath.Join(home, "d"), 0o755)
	os.WriteFile(filepath.Join(home, "d", "x.pub"), []byte(key), 0o644)
	keys, warnings, err := sshKeys([]string{key, file, "~/d/x.pub"}, true, home)
	if err != nil || !reflect.DeepEqual(keys, []string{key, key, key}) || len(warnings) != 1 || !strings.HasPrefix(warnings[0], "Ignoring --generate-ssh-keys") {
		t.Fatalf("%v %v %v", keys, warnings, err)
	}
	if _, _, err := sshKeys([]string{"not a key"}, false, home); err != errNoSSHKey {
		t.Fatalf("bad key: %v", err)
	}
	// A missing file with --generate-ssh-keys is where the new key goes.
	newPub := filepath.Join(home, "new", "key.pub")
	if k, _, err := sshKeys([]string{newPub}, true, home); err != nil || !strings.HasPrefix(k[0], "ssh-rsa ") {
		t.Fatalf("generate at a path: %v %v", k, err)
	}
	if mode(t, filepath.Join(home, "new", "key")) != 0o600 {
		t.Error("private key of key.pub")
	}
}

// vm create prints az's summary: its fields in az's order (for -o table),
// sorted in JSON like every az object.
func TestVMSummary(t *testing.T) {
	id := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
	d := vmDetails{PowerState: "VM running", PublicIPs: "127.0.0.5", PrivateIPs: "10.0.0.4", MACs: "00-0D-3A-00-00-01"}
	s := vmSummary(id, "westus2", nil, d)
	var keys []string
	for _, f := range s {
		keys = append(keys, f.Key)
	}
	if want := []string{"id", "resourceGroup", "powerState", "publicIpAddress", "fqdns", "privateIpAddress", "macAddress", "location", "zones"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %v", keys)
	}
	var out bytes.Buffer
	if err := output.Write(&out, s, output.Options{}); err != nil {
		t.Fatal(err)
	}
	want := `{
  "fqdns": "",
  "id": "` + id + `",
  "location": "westus2",
  "macAddress": "00-0D-3A-00-00-01",
  "powerState": "VM running",
  "privateIpAddress": "10.0.0.4",
  "publicIpAddress": "127.0.0.5",
  "resourceGroup": "rg",
  "zones": ""
}
`
	if out.String() != want {
		t.Errorf("json:\n%s", out.String())
	}
	if z, _ := vmSummary(id, "westus2", []*string{to.Ptr("2")}, d).Get("zones"); z != "2" {
		t.Errorf("zones %v", z)
	}
}

func TestWithDetails(t *testing.T) {
	vm := &armcompute.VirtualMachine{ID: to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v"),
		Properties: &armcompute.VirtualMachineProperties{ProvisioningState: to.Ptr("Succeeded"),
			InstanceView: &armcompute.VirtualMachineInstanceView{ComputerName: to.Ptr("v")}}}
	m, err := withDetails(vm, vmDetails{PowerState: "VM stopped", PublicIPs: "1", PrivateIPs: "2", MACs: "3", FQDNs: ""})
	if err != nil || m["powerState"] != "VM stopped" || m["publicIps"] != "1" || m["privateIps"] != "2" || m["macAddresses"] != "3" ||
		m["fqdns"] != "" || m["provisioningState"] != "Succeeded" || m["resourceGroup"] != "rg" || m["instanceView"] != nil {
		t.Fatalf("%v %v", m, err)
	}
}

func TestRunCommandOutput(t *testing.T) {
	lvl := armcompute.StatusLevelTypesInfo
	out := runCommandOutput(armcompute.RunCommandResult{Value: []*armcompute.InstanceViewStatus{{Code: to.Ptr("ProvisioningState/succeeded"),
		DisplayStatus: to.Ptr("Provisioning succeeded"), Level: &lvl, Message: to.Ptr("Enable succeeded")}}})
	want := map[string]any{"value": []any{map[string]any{"code": "ProvisioningState/succeeded", "displayStatus": "Provisioning succeeded",
		"level": "Info", "message": "Enable succeeded", "time": nil}}}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("%v", out)
	}
}

func TestSSHArgs(t *testing.T) {
	if got := sshArgs("azureuser", "127.0.0.2", "", 22, nil); !reflect.DeepEqual(got, []string{"azureuser@127.0.0.2"}) {
		t.Errorf("%v", got)
	}
	got := sshArgs("u", "1.2.3.4", "/k", 2222, []string{"-t", "ls"})
	if want := []string{"-i", "/k", "-p", "2222", "u@1.2.3.4", "-t", "ls"}; !reflect.DeepEqual(got, want) {
		t.Errorf("%v", got)
	}
}
