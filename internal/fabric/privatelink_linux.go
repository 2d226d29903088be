package fabric

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
)

// Private link is kernel forwarding between two host namespaces joined by a
// veth on a /31 of plsRange:
//
//	client ─▶ endpoint IP:port     (endpoint namespace, customer subnet)
//	          DNAT → frontend side of the /31, SNAT → endpoint side
//	       ─▶ frontend side:port   (frontend namespace, provider subnet)
//	          DNAT → Target, SNAT → NAT address
//	       ─▶ Target:port
//
// Conntrack rewrites the replies. Each side translates both addresses, so
// neither ever routes the other network's addresses: the customer and the
// provider address spaces may overlap, and the endpoint reaches nothing but
// its frontend, the frontend nothing but Target.

// plsRange holds the /31 links between private endpoints and frontends; the
// frontend side has the even address. A frontend's namespace uses each /31
// at most once; an endpoint's has just one.
var plsRange = netip.MustParsePrefix("169.254.128.0/18")

// EnsureFrontend makes the namespace of a private link service with its NAT
// NIC in the provider subnet, and forwards the TCP connections of the
// endpoints linked to it to Target from the NAT address. The provider
// virtual network must have been ensured. Endpoints stay linked when the
// frontend changes.
func (f *Fabric) EnsureFrontend(fe Frontend) error {
	fe.NAT.Host = cmp.Or(fe.NAT.Host, fe.ID)
	if err := validateFrontend(fe); err != nil {
		return fmt.Errorf("ensuring private link service: %w", err)
	}
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	ns, err := f.ensureHost(fe.ID, nil)
	if err == nil {
		err = f.ensureNIC(fe.NAT)
	}
	if err == nil {
		fw := forwarder{inPrefix: f.names.prefix + linkPE, dnatTo: fe.Target, snatTo: fe.NAT.IP}
		err = doNS(ns, fw.setup)
	}
	if err != nil {
		return fmt.Errorf("ensuring private link service %s: %w", fe.ID, err)
	}
	f.log.Debug("private link service ensured", "pls", fe.ID, "ns", ns, "nat", fe.NAT.IP, "target", fe.Target)
	return nil
}

// RemoveFrontend deletes a private link service's namespace; the links of
// its endpoints go with it, so they forward nowhere until ensured again.
func (f *Fabric) RemoveFrontend(id string) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	if err := f.removeHost(id); err != nil {
		return fmt.Errorf("removing private link service %s: %w", id, err)
	}
	f.log.Debug("private link service removed", "pls", id)
	return nil
}

// EnsureEndpoint makes the namespace of a private endpoint with its NIC in
// the customer subnet, links it to its frontend, and forwards every TCP
// connection to the NIC's address there. The customer virtual network and
// the frontend must have been ensured.
func (f *Fabric) EnsureEndpoint(e Endpoint) error {
	e.NIC.Host = cmp.Or(e.NIC.Host, e.ID)
	if err := validateEndpoint(e); err != nil {
		return fmt.Errorf("ensuring private endpoint: %w", err)
	}
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	if err := f.ensureEndpoint(e); err != nil {
		return fmt.Errorf("ensuring private endpoint %s: %w", e.ID, err)
	}
	f.log.Debug("private endpoint ensured", "pe", e.ID, "ip", e.NIC.IP, "pls", e.Frontend)
	return nil
}

func (f *Fabric) ensureEndpoint(e Endpoint) error {
	pls := f.names.hostNS(e.Frontend)
	if !nsExists(pls) {
		return fmt.Errorf("private link service %s is not realized", e.Frontend)
	}
	ns, err := f.ensureHost(e.ID, nil)
	if err != nil {
		return err
	}
	if err := f.ensureNIC(e.NIC); err != nil {
		return err
	}
	link, peer := f.names.plsLink(e.Frontend), f.names.peLink(e.ID)
	if err := doNS(ns, func() error { return f.deletePLSLinks(link) }); err != nil { // the frontend changed
		return err
	}
	mine, err := readPeerEnd(ns, link)
	if err != nil {
		return err
	}
	theirs, err := readPeerEnd(pls, peer)
	if err != nil {
		return err
	}
	if !mine.addr.IsValid() || !theirs.addr.IsValid() || mine.addr.Addr() != partner(theirs.addr.Addr()) {
		if theirs, mine, err = createLinkPair(plsRange, pls, peer, ns, link); err != nil {
			return err
		}
		// Connections of an earlier link with these addresses are dead.
		if err := forgetFlows(ns, pls, mine.addr.Addr()); err != nil {
			return err
		}
	}
	if err := doNS(pls, func() error { return upWithAddr(peer, theirs.addr) }); err != nil {
		return err
	}
	fw := forwarder{dsts: append([]netip.Addr{e.NIC.IP}, e.NIC.More...), dnatTo: theirs.addr.Addr(), snatTo: mine.addr.Addr()}
	return doNS(ns, func() error {
		if err := upWithAddr(link, mine.addr); err != nil {
			return err
		}
		if err := waitOperUp(link); err != nil {
			return err
		}
		return fw.setup()
	})
}

// RemoveEndpoint deletes a private endpoint's namespace, its NIC and its
// link to the frontend, and forgets its connections there.
func (f *Fabric) RemoveEndpoint(id string) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	ns := f.names.hostNS(id)
	var links map[string]netip.Addr
	if nsExists(ns) {
		if err := doNS(ns, func() (err error) { links, err = f.plsLinks(); return err }); err != nil {
			return fmt.Errorf("removing private endpoint %s: %w", id, err)
		}
	}
	if err := f.removeHost(id); err != nil {
		return fmt.Errorf("removing private endpoint %s: %w", id, err)
	}
	for pls, addr := range links {
		if err := forgetFlows("", pls, addr); err != nil {
			return fmt.Errorf("removing private endpoint %s: %w", id, err)
		}
	}
	f.log.Debug("private endpoint removed", "pe", id)
	return nil
}

func validateFrontend(fe Frontend) error {
	errs := []error{requireID("private link service", fe.ID), validateNIC(fe.NAT)}
	if !strings.EqualFold(fe.NAT.Host, fe.ID) {
		errs = append(errs, fmt.Errorf("nat nic host %s is not the private link service", fe.NAT.Host))
	}
	if t := fe.Target; !t.Is4() || t.IsUnspecified() || t.IsLoopback() || t.IsMulticast() || plsRange.Contains(t) {
		errs = append(errs, fmt.Errorf("target %s is not a unicast IPv4 address", t))
	}
	return errors.Join(errs...)
}

func validateEndpoint(e Endpoint) error {
	errs := []error{requireID("private endpoint", e.ID), validateNIC(e.NIC), requireID("private link service", e.Frontend)}
	if !strings.EqualFold(e.NIC.Host, e.ID) {
		errs = append(errs, fmt.Errorf("nic host %s is not the private endpoint", e.NIC.Host))
	}
	return errors.Join(errs...)
}

// plsLinks maps the frontend namespace each link of the current (endpoint)
// namespace leads to to the link's own address.
func (f *Fabric) plsLinks() (map[string]netip.Addr, error) {
	links, err := linkList()
	if err != nil {
		return nil, fmt.Errorf("listing links: %w", err)
	}
	out := map[string]netip.Addr{}
	for _, l := range links {
		pls, ok := f.names.hostOfPLSLink(l.Attrs().Name)
		if !ok || l.Type() != "veth" {
			continue
		}
		if p, err := firstAddr(l); err == nil {
			out[pls] = p.Addr()
		}
	}
	return out, nil
}

// deletePLSLinks deletes the links of the current (endpoint) namespace to
// frontends other than keep's.
func (f *Fabric) deletePLSLinks(keep string) error {
	links, err := linkList()
	if err != nil {
		return fmt.Errorf("listing links: %w", err)
	}
	for _, l := range links {
		name := l.Attrs().Name
		if _, ok := f.names.hostOfPLSLink(name); ok && name != keep {
			if err := netlink.LinkDel(l); err != nil {
				return fmt.Errorf("deleting %s: %w", name, err)
			}
		}
	}
	return nil
}

// forgetFlows deletes every connection an endpoint namespace tracks, and
// those the frontend tracks from the endpoint's link address, so a new link
// with the same addresses starts clean. Absent namespaces are skipped.
func forgetFlows(endpointNS, plsNS string, addr netip.Addr) error {
	if endpointNS != "" && nsExists(endpointNS) {
		err := doNS(endpointNS, func() error { return netlink.ConntrackTableFlush(netlink.ConntrackTable) })
		if err != nil {
			return fmt.Errorf("flushing connections: %w", err)
		}
	}
	if !nsExists(plsNS) {
		return nil
	}
	return doNS(plsNS, func() error {
		filter := &netlink.ConntrackFilter{}
		if err := filter.AddIP(netlink.ConntrackOrigSrcIP, addr.AsSlice()); err != nil {
			return fmt.Errorf("filtering connections: %w", err)
		}
		if _, err := netlink.ConntrackDeleteFilters(netlink.ConntrackTable, netlink.FAMILY_V4, filter); err != nil {
			return fmt.Errorf("deleting connections from %s: %w", addr, err)
		}
		return nil
	})
}

// setSysctls writes network sysctls (paths under /proc/sys/net) of the
// current namespace; optional ones the kernel lacks are skipped.
func setSysctls(values map[string]string, optional bool) error {
	for key, value := range values {
		err := os.WriteFile("/proc/sys/net/"+key, []byte(value), 0o644)
		if err != nil && !(optional && errors.Is(err, os.ErrNotExist)) {
			return fmt.Errorf("setting %s: %w", key, err)
		}
	}
	return nil
}
