package compute

import (
	"strings"
	"testing"
)

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ5mOT6C6DQkQx7Bq+3Tqs7bDcJbGbSm6n4Gm7Tn0b9 test"

func TestCheckOSProfile(t *testing.T) {
	withKeys := func(user string, keys ...string) *OSProfile {
		o := &OSProfile{AdminUsername: user, LinuxConfiguration: &LinuxConfig{SSH: &SSHConfig{}}}
		for _, k := range keys {
			o.LinuxConfiguration.SSH.PublicKeys = append(o.LinuxConfiguration.SSH.PublicKeys, SSHKey{KeyData: k})
		}
		return o
	}
	for _, c := range []struct {
		name string
		os   *OSProfile
		want []string // targets of the errors
	}{
		{"ok", withKeys("azureuser", key), nil},
		{"no profile", nil, []string{"osProfile"}},
		{"no key", withKeys("azureuser"), []string{"linuxConfiguration.ssh.publicKeys"}},
		{"bad key", withKeys("azureuser", "not a key"), []string{"linuxConfiguration.ssh.publicKeys.keyData"}},
		{"reserved user and no key", withKeys("root"), []string{"adminUsername", "linuxConfiguration.ssh.publicKeys"}},
		{"no user", withKeys("", key), []string{"adminUsername"}},
	} {
		errs := checkOSProfile(c.os)
		var got []string
		for _, e := range errs {
			got = append(got, e.Target)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestValidVMName(t *testing.T) {
	for name, ok := range map[string]bool{"vm1": true, "my.vm_1-a": true, "": false, "a b": false, "_vm": false, "vm.": false, strings.Repeat("a", 65): false} {
		if (validVMName(name) == nil) != ok {
			t.Errorf("%q: want ok=%v", name, ok)
		}
	}
}
