package compute

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
	"github.com/aksbox/aksbox/internal/store"
	"github.com/google/uuid"
	"golang.org/x/crypto/ssh"
)

// reservedUsers are admin names Azure refuses.
var reservedUsers = map[string]bool{"administrator": true, "admin": true, "user": true, "user1": true, "test": true,
	"user2": true, "test1": true, "user3": true, "admin1": true, "1": true, "123": true, "a": true, "actuser": true,
	"adm": true, "admin2": true, "aspnet": true, "backup": true, "console": true, "david": true, "guest": true,
	"john": true, "owner": true, "root": true, "server": true, "sql": true, "support": true, "support_388945a0": true,
	"sys": true, "test2": true, "test3": true, "user4": true, "user5": true}

func (p *Provider) buildVM(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	var in VM
	if err := arm.DecodeJSON(body, &in); err != nil {
		return arm.Record{}, err
	}
	var errs []*arm.Error
	if e := validVMName(id.Name()); e != nil {
		errs = append(errs, e)
	}
	loc, ok := arm.NormalizeLocation(in.Location)
	if !ok {
		errs = append(errs, arm.InvalidLocation("location", in.Location))
	}
	os := in.Properties.OSProfile
	if cur != nil {
		var old VM
		_ = arm.Decode(cur, &old)
		if os == nil {
			os = old.Properties.OSProfile // osProfile cannot change after creation
		}
		in.Properties.VMID, in.Properties.TimeCreated = old.Properties.VMID, old.Properties.TimeCreated
	}
	errs = append(errs, checkOSProfile(os)...)
	if err := arm.Join(errs); err != nil {
		return arm.Record{}, err
	}
	if err := p.checkNICs(ctx, id, loc, in.Properties.NetworkProfile); err != nil {
		return arm.Record{}, err
	}
	v := &VM{ID: id.String(), Name: id.Name(), Type: Namespace + "/virtualMachines", Location: loc, Tags: in.Tags, Zones: in.Zones}
	v.Properties = in.Properties
	v.Properties.InstanceView = nil
	if v.Properties.VMID == "" {
		v.Properties.VMID = uuid.NewString()
		v.Properties.TimeCreated = time.Now().UTC().Format(time.RFC3339Nano)
	}
	v.Properties.StorageProfile = storageDefaults(v.Properties.StorageProfile)
	if v.Properties.HardwareProfile == nil {
		v.Properties.HardwareProfile = &Hardware{VMSize: "Standard_DS1_v2"}
	}
	osp := *os
	osp.AdminPassword = "" // never stored nor returned
	custom := osp.CustomData
	osp.CustomData = "" // kept aside, never returned
	if osp.ComputerName == "" {
		osp.ComputerName = id.Name()
	}
	if osp.Secrets == nil {
		osp.Secrets = []any{}
	}
	v.Properties.OSProfile = &osp
	nics := v.Properties.NetworkProfile.NetworkInterfaces
	for i := range nics {
		if nics[i].Properties == nil {
			nics[i].Properties = &NICRefProps{Primary: i == 0}
		}
	}
	rec := arm.Record{}
	rec.Internal, _ = json.Marshal(vmInternal{Power: Running, CustomData: custom})
	if cur != nil && len(cur.Internal) > 0 {
		rec.Internal = cur.Internal // custom data runs at the first boot only
	}
	var err error
	rec.Body, err = json.Marshal(v)
	return rec, err
}

func validVMName(name string) *arm.Error {
	if name == "" || len(name) > 64 {
		return arm.BadRequest("InvalidParameter", "The VM name '%s' must be 1 to 64 characters long.", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return arm.BadRequest("InvalidParameter", "The VM name '%s' has the character '%c'; use letters, digits, '-', '.' and '_'.", name, c)
		}
	}
	if strings.HasSuffix(name, ".") || strings.HasPrefix(name, "_") {
		return arm.BadRequest("InvalidParameter", "The VM name '%s' cannot begin with '_' or end with '.'.", name)
	}
	return nil
}

// checkOSProfile requires an admin user and at least one valid SSH key:
// aksbox VMs are reached with keys only.
func checkOSProfile(os *OSProfile) []*arm.Error {
	if os == nil {
		return []*arm.Error{arm.InvalidParameter("osProfile", "Required parameter 'osProfile' is missing (null); give adminUsername and an SSH public key.")}
	}
	var errs []*arm.Error
	u := os.AdminUsername
	switch {
	case u == "":
		errs = append(errs, arm.InvalidParameter("adminUsername", "Required parameter 'adminUsername' is missing (null)."))
	case reservedUsers[strings.ToLower(u)]:
		errs = append(errs, arm.InvalidParameter("adminUsername", "The Admin Username specified is not allowed: '%s' is reserved; pick another name such as 'azureuser'.", u))
	case len(u) > 64:
		errs = append(errs, arm.InvalidParameter("adminUsername", "The Admin Username '%s' is longer than 64 characters.", u))
	case !validUserName(u):
		errs = append(errs, arm.InvalidParameter("adminUsername", "The Admin Username '%s' is invalid: use letters, digits, '.', '-' and '_', and do not start with a digit or '-'.", u))
	}
	if n := os.ComputerName; n != "" && (len(n) > 64 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != "" || strings.HasPrefix(n, "-")) {
		errs = append(errs, arm.InvalidParameter("computerName", "Linux host name '%s' is invalid: it cannot exceed 64 characters in length or contain characters other than letters, digits, '-' and '.', nor start with '-'.", n))
	}
	if os.CustomData != "" {
		if b, err := base64.StdEncoding.DecodeString(os.CustomData); err != nil {
			errs = append(errs, arm.InvalidParameter("customData", "The value of parameter customData is invalid: it must be base64-encoded (%v).", err))
		} else if len(b) > 65535 {
			errs = append(errs, arm.InvalidParameter("customData", "Custom data is %d bytes long; the most a VM takes is 65535 bytes before base64 encoding.", len(b)))
		}
	}
	var keys []SSHKey
	if os.LinuxConfiguration != nil && os.LinuxConfiguration.SSH != nil {
		keys = os.LinuxConfiguration.SSH.PublicKeys
	}
	if len(keys) == 0 {
		errs = append(errs, arm.InvalidParameter("linuxConfiguration.ssh.publicKeys",
			"A VM needs at least one SSH public key in osProfile.linuxConfiguration.ssh.publicKeys; aksbox VMs accept key authentication only (e.g. 'aksbox vm create --generate-ssh-keys')."))
	}
	for _, k := range keys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k.KeyData)); err != nil {
			errs = append(errs, arm.InvalidParameter("linuxConfiguration.ssh.publicKeys.keyData",
				"The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid: it is not an OpenSSH public key (%v).", err))
		}
	}
	return errs
}

// validUserName is Azure's rule for a Linux admin user name, which also
// keeps it a valid entry of the VM's /etc/passwd.
func validUserName(u string) bool {
	for i, c := range u {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || i > 0 && (c == '-' || c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// checkNICs requires existing NICs in the VM's location, not used by
// another VM.
func (p *Provider) checkNICs(ctx context.Context, id arm.ResourceID, loc string, np *NetworkProfile) error {
	if np == nil || len(np.NetworkInterfaces) == 0 {
		return arm.InvalidParameter("networkProfile.networkInterfaces", "VM '%s' needs at least one network interface in networkProfile.networkInterfaces.", id.Name())
	}
	for _, ref := range np.NetworkInterfaces {
		st, err := p.rec.Get(ctx, ref.ID)
		if errors.Is(err, store.ErrNotFound) {
			return arm.Errorf(http.StatusNotFound, "NotFound", "Resource %s not found; create the network interface before the VM.", ref.ID)
		}
		if err != nil {
			return err
		}
		var n network.NIC
		_ = arm.Decode(st, &n)
		if n.Location != loc {
			return arm.BadRequest("NicNotInSameLocation", "The network interface %s is in '%s' but VM '%s' is in '%s'; they must be in one location.", ref.ID, n.Location, id.Name(), loc)
		}
		if owner, err := p.NICOwner(ctx, ref.ID); err != nil {
			return err
		} else if owner != "" && !strings.EqualFold(owner, id.String()) {
			return arm.Errorf(http.StatusConflict, "NicInUse", "Network interface %s is used by virtual machine %s; a NIC belongs to one VM.", ref.ID, owner)
		}
	}
	return nil
}

// NICOwner finds the VM a NIC is attached to ("" if none).
func (p *Provider) NICOwner(ctx context.Context, nicID string) (string, error) {
	all, err := p.vms.All(ctx, p.rec)
	if err != nil {
		return "", err
	}
	for _, st := range all {
		var v VM
		if arm.Decode(st, &v) != nil || v.Properties.NetworkProfile == nil {
			continue
		}
		for _, ref := range v.Properties.NetworkProfile.NetworkInterfaces {
			if strings.EqualFold(ref.ID, nicID) {
				return v.ID, nil
			}
		}
	}
	return "", nil
}

// storageDefaults fills what Azure fills in a Linux VM's storage profile:
// no data disks, an OS disk of type Linux. Disks are stored, not made.
func storageDefaults(raw json.RawMessage) json.RawMessage {
	sp := map[string]any{}
	if len(raw) > 0 && json.Unmarshal(raw, &sp) != nil {
		return raw
	}
	if _, ok := sp["dataDisks"]; !ok {
		sp["dataDisks"] = []any{}
	}
	osDisk, _ := sp["osDisk"].(map[string]any)
	if osDisk == nil {
		osDisk = map[string]any{"createOption": "FromImage"}
	}
	if _, ok := osDisk["osType"]; !ok {
		osDisk["osType"] = "Linux"
	}
	sp["osDisk"] = osDisk
	out, err := json.Marshal(sp)
	if err != nil {
		return raw
	}
	return out
}

// patchVM is Compute's update of a VM (PATCH): the patch merged over the VM
// as a client sees it, then checked and built as a PUT of the result. The
// NICs stay those the VM runs with: changing them takes a PUT.
func (p *Provider) patchVM(ctx context.Context, r *arm.Request, id arm.ResourceID, body []byte, cur *arm.Stored) (arm.Record, error) {
	merged := arm.MergeSent(arm.Overlay(cur.Sent, cur.Body), body)
	rec, err := p.buildVM(ctx, r, id, merged, cur)
	if err != nil {
		return arm.Record{}, err
	}
	var was, now VM
	_ = arm.Decode(cur, &was)
	_ = json.Unmarshal(rec.Body, &now)
	if nicIDs(was.Properties.NetworkProfile) != nicIDs(now.Properties.NetworkProfile) {
		return arm.Record{}, arm.BadRequest("OperationNotAllowed",
			"A PATCH of virtual machine '%s' cannot change its network interfaces; send the whole VM with PUT.", id.Name())
	}
	return rec, nil
}

// nicIDs is the VM's NIC IDs, lower-cased and joined, for comparison.
func nicIDs(np *NetworkProfile) string {
	if np == nil {
		return ""
	}
	ids := make([]string, len(np.NetworkInterfaces))
	for i, n := range np.NetworkInterfaces {
		ids[i] = strings.ToLower(n.ID)
	}
	return strings.Join(ids, ",")
}
