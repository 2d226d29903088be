package fabric

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vishvananda/netlink"
)

// defaultResolvConf points a host at its virtual network's DNS.
var defaultResolvConf = []byte("nameserver " + AzureDNS.String() + "\n")

// EnsureHost makes the namespace of a host (a VM, say) with lo up, and
// writes /etc/netns/<ns>/resolv.conf, which `ip netns exec` mounts over
// /etc/resolv.conf. An empty resolvConf means "nameserver 168.63.129.16".
func (f *Fabric) EnsureHost(id string, resolvConf []byte) (string, error) {
	if err := requireID("host", id); err != nil {
		return "", fmt.Errorf("ensuring host: %w", err)
	}
	if err := f.lock(); err != nil {
		return "", err
	}
	defer f.mu.Unlock()
	return f.ensureHost(id, resolvConf)
}

func (f *Fabric) ensureHost(id string, resolvConf []byte) (string, error) {
	ns := f.names.hostNS(id)
	if err := createNS(ns); err != nil {
		return "", fmt.Errorf("ensuring host %s: %w", id, err)
	}
	err := doNS(ns, func() error {
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return fmt.Errorf("finding lo: %w", err)
		}
		if err := netlink.LinkSetUp(lo); err != nil {
			return fmt.Errorf("setting lo up: %w", err)
		}
		return vmSysctls()
	})
	if err != nil {
		return "", fmt.Errorf("ensuring host %s: %w", id, err)
	}
	if len(resolvConf) == 0 {
		resolvConf = defaultResolvConf
	}
	if err := writeIfChanged(filepath.Join(nsEtcDir, ns, "resolv.conf"), resolvConf); err != nil {
		return "", fmt.Errorf("ensuring host %s: %w", id, err)
	}
	f.log.Debug("host ensured", "host", id, "ns", ns)
	return ns, nil
}

// vmSysctls lets root of a VM's sandbox (an unprivileged user of the
// host, see package sandbox) do in the namespace what root does on a
// machine: listen on ports below 1024 (a DNS forwarder on 53) and ping.
// The settings are the namespace's own; the thread is inside it.
func vmSysctls() error {
	for file, value := range map[string]string{
		"/proc/sys/net/ipv4/ip_unprivileged_port_start": "0",
		"/proc/sys/net/ipv4/ping_group_range":           "0 2147483647",
	} {
		if err := os.WriteFile(file, []byte(value), 0o644); err != nil {
			return fmt.Errorf("setting %s: %w", file, err)
		}
	}
	return nil
}

// RemoveHost deletes a host's namespace and its files; its NICs go at once,
// on the router side too. Processes still inside keep the namespace alive
// until they exit, but it has no name and no links any more.
func (f *Fabric) RemoveHost(id string) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	return f.removeHost(id)
}

func (f *Fabric) removeHost(id string) error {
	ns := f.names.hostNS(id)
	if nsExists(ns) {
		killProcesses(ns)
		if err := doNS(ns, deleteVeths); err != nil {
			return fmt.Errorf("removing host %s: %w", id, err)
		}
	}
	if err := deleteNS(ns); err != nil {
		return fmt.Errorf("removing host %s: %w", id, err)
	}
	for nic, p := range f.nics {
		if p.host == ns {
			delete(f.nics, nic)
		}
	}
	f.log.Debug("host removed", "host", id, "ns", ns)
	return nil
}

// writeIfChanged writes a file atomically unless it already holds data. The
// temporary file goes one level up, where `ip netns exec` never mounts it.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	dir := filepath.Dir(path)
	tmp := filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+"."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(fmt.Errorf("writing %s: %w", path, err), os.Remove(tmp))
	}
	return nil
}

// SetResolvConf rewrites the resolv.conf of a host whose namespace exists
// (a DHCP lease renewal); a host that is gone, or not made yet, is left
// alone, so a late renewal never brings a deleted host back.
func (f *Fabric) SetResolvConf(id string, resolvConf []byte) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	ns := f.names.hostNS(id)
	if !nsExists(ns) {
		return nil
	}
	return writeIfChanged(filepath.Join(nsEtcDir, ns, "resolv.conf"), resolvConf)
}

// ResolvConfPath is the file that holds a host's resolv.conf.
func (f *Fabric) ResolvConfPath(id string) string {
	return filepath.Join(nsEtcDir, f.names.hostNS(id), "resolv.conf")
}
