package fabric

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// maxNICs bounds the interfaces of one host: eth0 to eth63.
const maxNICs = 64

// EnsureNIC plugs a host into a subnet: a veth whose router side is a port
// of the subnet bridge and whose host side is ethN in the host namespace,
// marked with the NIC's alias, holding IP with the subnet's prefix length.
// The first NIC of a host carries its default route, via the subnet gateway.
// The virtual network, subnet and host must have been ensured.
func (f *Fabric) EnsureNIC(n NIC) error {
	if err := validateNIC(n); err != nil {
		return fmt.Errorf("ensuring nic: %w", err)
	}
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	if err := f.ensureNIC(n); err != nil {
		return fmt.Errorf("ensuring nic %s: %w", n.ID, err)
	}
	return nil
}

func (f *Fabric) ensureNIC(n NIC) error {
	place := nicPlace{router: f.names.routerNS(n.VNet), host: f.names.hostNS(n.Host)}
	if !nsExists(place.router) {
		return fmt.Errorf("virtual network %s is not realized", n.VNet)
	}
	if !nsExists(place.host) {
		return fmt.Errorf("host %s is not realized", n.Host)
	}
	rlink, tag, key := f.names.nicLink(n.ID), nicTag(n.ID), strings.ToLower(n.ID)
	if old, ok := f.nics[key]; ok && old != place { // the NIC moved
		if err := errors.Join(deleteLinkIn(old.router, rlink), deleteTagged(old.host, tag)); err != nil {
			return err
		}
	}
	var gw netip.Prefix
	var bridge int
	var routerOK bool
	err := doNS(place.router, func() error {
		br, err := findLink(f.names.bridge(n.Subnet))
		if err != nil || br == nil {
			return errors.Join(err, fmt.Errorf("subnet %s is not realized", n.Subnet))
		}
		if gw, err = firstAddr(br); err != nil {
			return err
		}
		bridge = br.Attrs().Index
		l, err := findLink(rlink)
		routerOK = l != nil && l.Attrs().MasterIndex == bridge
		return err
	})
	if err != nil {
		return err
	}
	if err := hostAddrs(gw, n.Subnet, append([]netip.Addr{n.IP}, n.More...)...); err != nil {
		return err
	}
	hostLink, taken, err := hostLinks(place.host, tag)
	if err != nil {
		return err
	}
	plugged := !routerOK || hostLink == ""
	if plugged {
		if err := errors.Join(deleteLinkIn(place.router, rlink), deleteTagged(place.host, tag)); err != nil {
			return err
		}
		delete(taken, hostLink)
		if hostLink, err = freeEth(taken); err != nil {
			return err
		}
		if err := plugNIC(place, rlink, bridge, hostLink, n); err != nil {
			return err
		}
	}
	err = doNS(place.host, func() error {
		return configureNIC(hostLink, tag, n.MAC, netip.PrefixFrom(n.IP, gw.Bits()), n.More, gw.Addr())
	})
	if err != nil {
		return err
	}
	// The router side is a bridge port once the kernel has seen its carrier.
	if err := doNS(place.router, func() error { return errors.Join(setUp(rlink), waitOperUp(rlink)) }); err != nil {
		return err
	}
	if plugged { // neighbours may remember another MAC for this address
		err := doNS(place.host, func() error {
			for _, ip := range append([]netip.Addr{n.IP}, n.More...) {
				if err := announce(hostLink, ip); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	f.nics[key] = place
	f.log.Debug("nic ensured", "nic", n.ID, "host", place.host, "link", hostLink, "ip", n.IP)
	return nil
}

func validateNIC(n NIC) error {
	errs := []error{requireID("nic", n.ID), requireID("host", n.Host), requireID("virtual network", n.VNet)}
	if n.Subnet == "" {
		errs = append(errs, errors.New("subnet name is empty"))
	}
	if !n.IP.Is4() {
		errs = append(errs, fmt.Errorf("ip %s is not an IPv4 address", n.IP))
	}
	if n.MAC != nil && len(n.MAC) != 6 {
		errs = append(errs, fmt.Errorf("mac %s is not an ethernet address", n.MAC))
	}
	return errors.Join(errs...)
}

// plugNIC creates the veth in the router with its peer directly in the host
// namespace under its final name, so nothing ever appears on the host.
func plugNIC(place nicPlace, rlink string, bridge int, hostLink string, n NIC) error {
	h, err := netns.GetFromPath(nsPath(place.host))
	if err != nil {
		return fmt.Errorf("opening namespace %s: %w", place.host, err)
	}
	defer h.Close()
	return doNS(place.router, func() error {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.MasterIndex = rlink, bridge
		veth := &netlink.Veth{LinkAttrs: attrs, PeerName: hostLink, PeerNamespace: netlink.NsFd(h), PeerHardwareAddr: n.MAC}
		if err := netlink.LinkAdd(veth); err != nil {
			return fmt.Errorf("adding nic link: %w", err)
		}
		if err := setUp(rlink); err != nil {
			return err
		}
		// Forget the MAC a previous NIC with this address had.
		_ = netlink.NeighDel(&netlink.Neigh{LinkIndex: bridge, IP: n.IP.AsSlice()})
		return nil
	})
}

// configureNIC sets the host side of a NIC up with its alias, MAC and
// address (and more addresses, each a /32), and routes by default through it unless another NIC does.
func configureNIC(name, tag string, mac net.HardwareAddr, addr netip.Prefix, more []netip.Addr, gw netip.Addr) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("finding %s: %w", name, err)
	}
	if l.Attrs().Alias != tag {
		if err := netlink.LinkSetAlias(l, tag); err != nil {
			return fmt.Errorf("setting alias of %s: %w", name, err)
		}
	}
	if mac != nil && !bytes.Equal(l.Attrs().HardwareAddr, mac) {
		if err := errors.Join(netlink.LinkSetDown(l), netlink.LinkSetHardwareAddr(l, mac)); err != nil {
			return fmt.Errorf("setting mac of %s: %w", name, err)
		}
	}
	if err := syncAddr(l, addr, more...); err != nil {
		return err
	}
	for _, a := range more { // each a /32: one subnet route, the primary's
		if err := netlink.AddrReplace(l, &netlink.Addr{IPNet: prefixNet(netip.PrefixFrom(a, 32))}); err != nil {
			return fmt.Errorf("adding address %s: %w", a, err)
		}
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	if err := enableBigTCP(l); err != nil {
		return err
	}
	if err := waitOperUp(name); err != nil {
		return err
	}
	def, err := defaultRoute()
	if err != nil {
		return err
	}
	route := &netlink.Route{LinkIndex: l.Attrs().Index, Gw: gw.AsSlice()}
	switch {
	case def == nil:
		err = netlink.RouteAdd(route)
	case def.LinkIndex == l.Attrs().Index && !def.Gw.Equal(route.Gw):
		err = netlink.RouteReplace(route)
	}
	if err != nil {
		return fmt.Errorf("adding default route via %s: %w", gw, err)
	}
	return nil
}

// defaultRoute is the current namespace's IPv4 default route, if any.
func defaultRoute() (*netlink.Route, error) {
	routes, err := routeList(nil, 0)
	if err != nil {
		return nil, fmt.Errorf("listing routes: %w", err)
	}
	for _, r := range routes {
		if p, ok := netPrefix(r.Dst); !ok || p.Bits() == 0 {
			return &r, nil
		}
	}
	return nil, nil
}

// hostLinks finds the link tagged for a NIC and the names in use in a host.
func hostLinks(ns, tag string) (string, map[string]bool, error) {
	var found string
	taken := map[string]bool{}
	err := doNS(ns, func() error {
		links, err := linkList()
		if err != nil {
			return fmt.Errorf("listing links: %w", err)
		}
		for _, l := range links {
			taken[l.Attrs().Name] = true
			if l.Attrs().Alias == tag {
				found = l.Attrs().Name
			}
		}
		return nil
	})
	return found, taken, err
}

func freeEth(taken map[string]bool) (string, error) {
	for i := range maxNICs {
		if name := fmt.Sprintf("eth%d", i); !taken[name] {
			return name, nil
		}
	}
	return "", fmt.Errorf("host has %d nics already", maxNICs)
}
