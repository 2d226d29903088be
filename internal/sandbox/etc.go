package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// adminGroups are the groups Azure's Linux images put the admin user in
// that matter here: adm (logs) and sudo (passwordless sudo).
var adminGroups = []string{"adm", "sudo"}

// systemEntries keeps the lines of a host passwd or group file whose ID is
// a system one (below 1000, or nogroup/nobody's 65534): the users packages
// made (dnsmasq, _apt, ...), which the host's programs look up, without the
// host's people.
func systemEntries(data []byte, skip string) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 4 || f[0] == skip {
			continue
		}
		id, err := strconv.Atoi(f[2])
		if err != nil || (id >= 1000 && id != 65534) {
			continue
		}
		out = append(out, sc.Text())
	}
	return out
}

// etcFiles returns the files a VM's /etc starts with, over the host's:
// its users and groups, shadow, host name, hosts, sudoers rule, and
// resolv.conf, a link to the DNS servers the VNet hands out.
func etcFiles(s Spec, hostPasswd, hostGroup []byte) map[string]string {
	users := systemEntries(hostPasswd, s.User)
	if len(users) == 0 || !strings.HasPrefix(users[0], "root:") {
		users = append([]string{"root:x:0:0:root:/root:/bin/bash"}, users...)
	}
	users = append(users, fmt.Sprintf("%s:x:%d:%d:%s:/home/%s:/bin/bash", s.User, AdminUID, AdminUID, s.User, s.User))

	var groups []string
	have := map[string]bool{}
	for _, line := range systemEntries(hostGroup, s.User) {
		f := strings.SplitN(line, ":", 4)
		have[f[0]] = true
		for _, g := range adminGroups {
			if f[0] == g {
				if f[3] != "" {
					f[3] += ","
				}
				f[3] += s.User
			}
		}
		groups = append(groups, strings.Join(f, ":"))
	}
	for gid, g := range map[int]string{4: "adm", 27: "sudo"} {
		if !have[g] {
			groups = append(groups, fmt.Sprintf("%s:x:%d:%s", g, gid, s.User))
		}
	}
	groups = append(groups, fmt.Sprintf("%s:x:%d:", s.User, AdminUID))

	var shadow strings.Builder
	for _, u := range users {
		name, _, _ := strings.Cut(u, ":")
		fmt.Fprintf(&shadow, "%s:%s:20000:0:99999:7:::\n", name, map[bool]string{true: "!", false: "*"}[name == s.User])
	}
	return map[string]string{
		"passwd":   strings.Join(users, "\n") + "\n",
		"group":    strings.Join(groups, "\n") + "\n",
		"shadow":   shadow.String(),
		"gshadow":  "",
		"hostname": s.Hostname + "\n",
		"hosts": "127.0.0.1 localhost\n127.0.1.1 " + s.Hostname + "\n\n" +
			"::1 ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n",
		// The rule Azure's provisioning agent writes.
		"sudoers.d/waagent": s.User + " ALL=(ALL) NOPASSWD:ALL\n",
		"machine-id":        machineID(s.ID) + "\n",
	}
}

// machineID is the VM's stable /etc/machine-id, from its resource ID.
func machineID(id string) string { return Folder(id) + Folder(id+"/machine") }

// readHostFile reads a host file, or nothing.
func readHostFile(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}

// findUser reads a user's entry from passwd data.
func findUser(passwd []byte, name string) (User, bool) {
	sc := bufio.NewScanner(bytes.NewReader(passwd))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 7 || f[0] != name {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		shell := f[6]
		if shell == "" {
			shell = "/bin/sh"
		}
		return User{Name: name, UID: uid, GID: gid, Home: f[5], Shell: shell}, true
	}
	return User{}, false
}

// groupsOf lists the primary gid and the gids of the groups name is in.
func groupsOf(group []byte, name string, primary int) []int {
	out := []int{primary}
	sc := bufio.NewScanner(bytes.NewReader(group))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 4 {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if gid, err := strconv.Atoi(f[2]); err == nil && m == name && gid != primary {
				out = append(out, gid)
			}
		}
	}
	return out
}
