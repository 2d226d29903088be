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

// Private link is kernel forwarding between the routers of two virtual
// networks, joined by a veth on a /31 of plsRange for each endpoint:
//
//	client ─▶ endpoint IP:port      (customer router; the address is on its lo)
//	          DNAT → provider side of the /31, SNAT → customer side
//	       ─▶ provider side:port     (provider router)
//	          DNAT → Target, SNAT → NAT address (on that router's lo)
//	       ─▶ Target:port
//
// Conntrack rewrites the replies. Each router translates both addresses, so
// neither ever routes the other network's addresses: customer and provider
// address spaces may overlap, and an endpoint reaches nothing but its
// frontend's Target. The path is as long as a peering's: one router more
// than within a subnet. An endpoint in its frontend's own virtual network is
// translated once, by that router: endpoint IP → Target, from the NAT
// address.
//
// What a frontend is (its router, NAT address and Target) is remembered
// from its last ensure: endpoints need it, so frontends are ensured first.

// plsRange holds the /31 links between private endpoints and frontends; the
// provider side has the even address. A router uses each /31 at most once.
var plsRange = netip.MustParsePrefix("169.254.128.0/18")

// frontendPlace is where and how a frontend was last ensured.
type frontendPlace struct {
	router      string
	nat, target netip.Addr
}

// EnsureFrontend puts a private link service's NAT address on the router of
// its subnet and forwards the TCP connections of the endpoints linked to it
// to Target from the NAT address. The virtual network must have been
// ensured. Endpoints stay linked when the frontend changes.
func (f *Fabric) EnsureFrontend(fe Frontend) error {
	fe.NAT.Host = cmp.Or(fe.NAT.Host, fe.ID)
	if err := validateFrontend(fe); err != nil {
		return fmt.Errorf("ensuring private link service: %w", err)
	}
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	if err := f.ensureFrontend(fe); err != nil {
		return fmt.Errorf("ensuring private link service %s: %w", fe.ID, err)
	}
	f.log.Debug("private link service ensured", "pls", fe.ID, "nat", fe.NAT.IP, "target", fe.Target)
	return nil
}

func (f *Fabric) ensureFrontend(fe Frontend) error {
	router := f.names.routerNS(fe.NAT.VNet)
	if !nsExists(router) {
		return fmt.Errorf("virtual network %s is not realized", fe.NAT.VNet)
	}
	if err := f.removeEarlierLayout(fe.ID); err != nil {
		return err
	}
	key := strings.ToLower(fe.ID)
	old, known := f.frontends[key]
	moved := known && old.router != router
	if moved {
		if err := f.clearFrontend(fe.ID, old); err != nil {
			return err
		}
	}
	err := doNS(router, func() error {
		br := f.names.bridge(fe.NAT.Subnet)
		if err := checkHostAddrs(br, fe.NAT.Subnet, fe.NAT.IP); err != nil {
			return err
		}
		if err := syncLabelled(natLabel(fe.ID), fe.NAT.IP); err != nil {
			return err
		}
		if err := announce(br, fe.NAT.IP); err != nil {
			return err
		}
		return f.repoint(fe)
	})
	if err != nil {
		return err
	}
	f.frontends[key] = frontendPlace{router: router, nat: fe.NAT.IP, target: fe.Target}
	var errs []error
	for _, e := range f.endpoints {
		if moved && strings.EqualFold(e.Frontend, fe.ID) {
			errs = append(errs, f.ensureEndpoint(e))
		}
	}
	return errors.Join(errs...)
}

// repoint rewrites the current (provider) router's translations of a
// frontend's endpoints to its Target and NAT address.
func (f *Fabric) repoint(fe Frontend) error {
	linked, err := tables(plsTables(fe.ID))
	if err != nil {
		return err
	}
	for _, t := range linked {
		eh, _ := endpointOfPLSTable(fe.ID, t)
		l, err := findLink(f.names.plsLinkOf(eh))
		if err != nil {
			return err
		}
		if l == nil { // its endpoint's link is gone
			if err := dropTranslations(t); err != nil {
				return err
			}
			continue
		}
		end, err := firstAddr(l)
		if err != nil {
			return err
		}
		if err := (forwarder{table: t, dsts: []netip.Addr{end.Addr()}, dnatTo: fe.Target, snatTo: fe.NAT.IP}).apply(); err != nil {
			return err
		}
	}
	local, err := tables("pe-")
	if err != nil {
		return err
	}
	for _, t := range local {
		eh, ok := endpointOfPETable(fe.ID, t)
		if !ok {
			continue
		}
		addrs, err := labelled(peLabelOf(eh))
		if err != nil {
			return err
		}
		if err := (forwarder{table: t, dsts: addrs, dnatTo: fe.Target, snatTo: fe.NAT.IP}).apply(); err != nil {
			return err
		}
	}
	return nil
}

// RemoveFrontend takes a private link service's NAT address and its
// endpoints' links off its router, so they forward nowhere until it is
// ensured again.
func (f *Fabric) RemoveFrontend(id string) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	key := strings.ToLower(id)
	err := f.removeEarlierLayout(id)
	if fe, ok := f.frontends[key]; ok && err == nil {
		err = f.clearFrontend(id, fe)
	}
	if err != nil {
		return fmt.Errorf("removing private link service %s: %w", id, err)
	}
	delete(f.frontends, key)
	f.log.Debug("private link service removed", "pls", id)
	return nil
}

// clearFrontend undoes a frontend in its router: its NAT address, the links
// and translations of its endpoints, and their connections. Endpoints of
// the same router keep their addresses, which then refuse connections.
func (f *Fabric) clearFrontend(id string, fe frontendPlace) error {
	if !nsExists(fe.router) {
		return nil
	}
	return doNS(fe.router, func() error {
		all, err := tables("")
		if err != nil {
			return err
		}
		var mine []string
		for _, t := range all {
			if eh, ok := endpointOfPLSTable(id, t); ok {
				mine = append(mine, t)
				if err := deleteLinkHere(f.names.plsLinkOf(eh)); err != nil {
					return err
				}
			} else if _, ok := endpointOfPETable(id, t); ok {
				mine = append(mine, t)
			}
		}
		return errors.Join(dropTranslations(mine...), syncLabelled(natLabel(id)),
			forgetHere(netlink.ConntrackReplyDstIP, fe.nat))
	})
}

// forgetRouter drops what the fabric remembers of the private link of a
// router about to go: its endpoints are unlinked from their frontends'
// routers, and its frontends' endpoints elsewhere lose their links.
func (f *Fabric) forgetRouter(ns string) error {
	var errs []error
	for key, e := range f.endpoints {
		if f.names.routerNS(e.NIC.VNet) == ns {
			errs = append(errs, f.unlinkEndpoint(e))
			delete(f.endpoints, key)
		}
	}
	for key, fe := range f.frontends {
		if fe.router == ns {
			for _, e := range f.endpoints {
				if strings.EqualFold(e.Frontend, key) {
					errs = append(errs, deleteLinkIn(f.names.routerNS(e.NIC.VNet), f.names.peLink(e.ID)))
				}
			}
			delete(f.frontends, key)
		}
	}
	return errors.Join(errs...)
}

// dropTranslations deletes private link tables of the current (router)
// namespace, and the table that untracks the rest with the last of them.
func dropTranslations(names ...string) error {
	if err := deleteTables(names...); err != nil {
		return err
	}
	left, err := tables("p")
	if err != nil || len(left) != 1 || left[0] != untrackTable {
		return err
	}
	return deleteTables(untrackTable)
}

// removeEarlierLayout removes the namespace an earlier aksbox gave each
// private endpoint and each frontend, if it is there.
func (f *Fabric) removeEarlierLayout(id string) error {
	if !nsExists(f.names.hostNS(id)) {
		return nil
	}
	return f.removeHost(id)
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

// forget deletes the connections a namespace tracks whose field is one of
// addrs; an absent namespace has none.
func forget(ns string, field netlink.ConntrackFilterType, addrs ...netip.Addr) error {
	if !nsExists(ns) {
		return nil
	}
	return doNS(ns, func() error { return forgetHere(field, addrs...) })
}

// forgetHere is forget in the current namespace.
func forgetHere(field netlink.ConntrackFilterType, addrs ...netip.Addr) error {
	var filters []netlink.CustomConntrackFilter
	for _, a := range addrs {
		filter := &netlink.ConntrackFilter{}
		if err := filter.AddIP(field, a.AsSlice()); err != nil {
			return fmt.Errorf("filtering connections: %w", err)
		}
		filters = append(filters, filter)
	}
	if len(filters) == 0 {
		return nil
	}
	if _, err := netlink.ConntrackDeleteFilters(netlink.ConntrackTable, netlink.FAMILY_V4, filters...); err != nil {
		return fmt.Errorf("deleting connections of %v: %w", addrs, err)
	}
	return nil
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
