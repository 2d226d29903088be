package fabric

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
)

// operUpTimeout bounds the wait for links to come up. The kernel reports a
// bridge's carrier up to a second late, and drops what the bridge sends
// until then.
const (
	operUpTimeout = 5 * time.Second
	operUpPoll    = 2 * time.Millisecond
)

// syncBridges makes one bridge per subnet with its gateway address and
// deletes the bridges of subnets no longer there. Each bridge has an anchor
// port, a veth inside the router, so its carrier stays on whether or not
// any NIC is plugged in: a NIC then works the moment it is up.
func (f *Fabric) syncBridges(v VNet) error {
	want := map[string]bool{}
	var bridges []string
	for _, s := range v.Subnets {
		br, anchor := f.names.bridge(s.Name), f.names.anchor(s.Name)
		want[br], want[anchor] = true, true
		bridges = append(bridges, br)
		keep := f.listenerAddrs(f.names.routerNS(v.ID), s.Name)
		if err := ensureBridge(br, anchor, f.names.anchorZ(s.Name), bridgeMAC(v.ID, s.Name), s.Prefix, keep); err != nil {
			return fmt.Errorf("creating subnet bridge %s for %s: %w", br, s.Name, err)
		}
	}
	links, err := linkList()
	if err != nil {
		return fmt.Errorf("listing links: %w", err)
	}
	for _, l := range links {
		name := l.Attrs().Name
		stale := l.Type() == "bridge" && strings.HasPrefix(name, f.names.prefix+linkBridge) ||
			l.Type() == "veth" && strings.HasPrefix(name, f.names.prefix+linkAnchor)
		if stale && !want[name] {
			if err := netlink.LinkDel(l); err != nil {
				return fmt.Errorf("deleting subnet link %s: %w", name, err)
			}
		}
	}
	return waitOperUp(bridges...)
}

// ensureBridge makes a subnet's bridge with its gateway address (and the
// DNS listener addresses keep) and its anchor.
func ensureBridge(name, anchor, anchorZ string, mac net.HardwareAddr, subnet netip.Prefix, keep []netip.Addr) error {
	br, err := findLink(name)
	if err != nil {
		return err
	}
	if br == nil {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.HardwareAddr = name, mac // a fixed MAC never changes as ports join
		if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil {
			return fmt.Errorf("adding bridge: %w", err)
		}
		if br, err = netlink.LinkByName(name); err != nil {
			return fmt.Errorf("finding new bridge: %w", err)
		}
	}
	if err := syncAddr(br, netip.PrefixFrom(Gateway(subnet), subnet.Bits()), keep...); err != nil {
		return err
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return fmt.Errorf("setting bridge up: %w", err)
	}
	a, err := findLink(anchor)
	if err != nil {
		return err
	}
	if a == nil {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.MasterIndex = anchor, br.Attrs().Index
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: anchorZ}); err != nil {
			return fmt.Errorf("adding anchor: %w", err)
		}
	} else if a.Attrs().MasterIndex != br.Attrs().Index {
		if err := netlink.LinkSetMasterByIndex(a, br.Attrs().Index); err != nil {
			return fmt.Errorf("attaching anchor: %w", err)
		}
	}
	for _, n := range []string{anchorZ, anchor, name} {
		if err := setUp(n); err != nil {
			return err
		}
	}
	return nil
}

func setUp(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("finding %s: %w", name, err)
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	return enableBigTCP(l)
}

// waitOperUp waits until the kernel reports links of the current namespace
// operationally up, which is when they pass traffic.
func waitOperUp(names ...string) error {
	deadline := time.Now().Add(operUpTimeout)
	for _, name := range names {
		for {
			l, err := netlink.LinkByName(name)
			if err != nil {
				return fmt.Errorf("finding %s: %w", name, err)
			}
			if l.Attrs().OperState == netlink.OperUp {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s is not up after %s (state %s)", name, operUpTimeout, l.Attrs().OperState)
			}
			time.Sleep(operUpPoll)
		}
	}
	return nil
}

// bridgeMAC is a stable, locally administered unicast MAC for a subnet.
func bridgeMAC(vnetID, subnet string) net.HardwareAddr {
	sum := sha256.Sum256([]byte(strings.ToLower(vnetID) + "/" + strings.ToLower(subnet)))
	mac := net.HardwareAddr(sum[:6])
	mac[0] = mac[0]&0xfc | 0x02
	return mac
}

// checkHostAddrs tells whether ips are host addresses of a subnet, whose
// bridge br in the current (router) namespace holds its gateway address:
// neither its network, gateway nor broadcast address.
func checkHostAddrs(br, subnet string, ips ...netip.Addr) error {
	l, err := findLink(br)
	if err != nil || l == nil {
		return errors.Join(err, fmt.Errorf("subnet %s is not realized", subnet))
	}
	gw, err := firstAddr(l)
	if err != nil {
		return err
	}
	return hostAddrs(gw, subnet, ips...)
}

// hostAddrs checks ips against a subnet given by its gateway's prefix.
func hostAddrs(gw netip.Prefix, subnet string, ips ...netip.Addr) error {
	s := gw.Masked()
	for _, ip := range ips {
		if !ip.Is4() || !s.Contains(ip) || ip == s.Addr() || ip == gw.Addr() || ip == lastAddr(s) {
			return fmt.Errorf("%s is not a host address of subnet %s (%s)", ip, subnet, s)
		}
	}
	return nil
}
