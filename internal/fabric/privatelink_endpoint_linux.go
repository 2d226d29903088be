package fabric

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
)

// EnsureEndpoint puts a private endpoint's addresses on the router of its
// subnet, links that router to its frontend's, and forwards every TCP
// connection to the addresses there. The virtual network and the frontend
// must have been ensured.
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
	fe, ok := f.frontends[strings.ToLower(e.Frontend)]
	if !ok || !nsExists(fe.router) {
		return fmt.Errorf("private link service %s is not realized", e.Frontend)
	}
	router := f.names.routerNS(e.NIC.VNet)
	if !nsExists(router) {
		return fmt.Errorf("virtual network %s is not realized", e.NIC.VNet)
	}
	if err := f.removeEarlierLayout(e.ID); err != nil {
		return err
	}
	key := strings.ToLower(e.ID)
	if old, ok := f.endpoints[key]; ok && (!strings.EqualFold(old.Frontend, e.Frontend) || f.names.routerNS(old.NIC.VNet) != router) {
		if err := f.unlinkEndpoint(old); err != nil {
			return err
		}
	}
	ips := e.addrs()
	table := peTable(e.ID, e.Frontend)
	err := doNS(router, func() error {
		br := f.names.bridge(e.NIC.Subnet)
		if err := checkHostAddrs(br, e.NIC.Subnet, ips...); err != nil {
			return err
		}
		if err := syncLabelled(peLabel(e.ID), ips...); err != nil {
			return err
		}
		stale, err := tables(peTables(e.ID)) // of an earlier frontend
		if err != nil {
			return err
		}
		if err := dropTranslations(slices.DeleteFunc(stale, func(t string) bool { return t == table })...); err != nil {
			return err
		}
		for _, ip := range ips {
			if err := announce(br, ip); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fw := forwarder{table: table, dsts: ips, dnatTo: fe.target, snatTo: fe.nat}
	if router == fe.router {
		err = deleteLinkIn(router, f.names.peLink(e.ID)) // linked across before
	} else {
		fw.snatTo, fw.dnatTo, err = f.linkEndpoint(e, router, fe)
	}
	if err == nil {
		err = doNS(router, fw.apply)
	}
	if err != nil {
		return err
	}
	f.endpoints[key] = e
	return nil
}

// addrs are the endpoint's addresses, its primary first.
func (e Endpoint) addrs() []netip.Addr { return append([]netip.Addr{e.NIC.IP}, e.NIC.More...) }

// linkEndpoint makes (or keeps) the link between an endpoint's router and
// its frontend's, and the frontend's translation of it. It returns the
// link's customer and provider addresses.
func (f *Fabric) linkEndpoint(e Endpoint, router string, fe frontendPlace) (near, far netip.Addr, err error) {
	cust, prov := f.names.peLink(e.ID), f.names.plsLink(e.ID)
	mine, err := readPeerEnd(router, cust)
	if err != nil {
		return near, far, err
	}
	theirs, err := readPeerEnd(fe.router, prov)
	if err != nil {
		return near, far, err
	}
	if !mine.addr.IsValid() || !theirs.addr.IsValid() || mine.addr.Addr() != partner(theirs.addr.Addr()) {
		if theirs, mine, err = createLinkPair(plsRange, fe.router, prov, router, cust); err != nil {
			return near, far, err
		}
		// Connections of an earlier link with these addresses are dead.
		err = errors.Join(forget(router, netlink.ConntrackOrigDstIP, e.addrs()...),
			forget(fe.router, netlink.ConntrackOrigSrcIP, mine.addr.Addr()))
		if err != nil {
			return near, far, err
		}
	}
	near, far = mine.addr.Addr(), theirs.addr.Addr()
	err = doNS(fe.router, func() error {
		if err := upWithAddr(prov, theirs.addr); err != nil {
			return err
		}
		return forwarder{table: plsTable(e.Frontend, e.ID), dsts: []netip.Addr{far}, dnatTo: fe.target, snatTo: fe.nat}.apply()
	})
	if err != nil {
		return near, far, err
	}
	return near, far, doNS(router, func() error {
		if err := upWithAddr(cust, mine.addr); err != nil {
			return err
		}
		return waitOperUp(cust)
	})
}

// RemoveEndpoint takes a private endpoint's addresses, link and
// translations off the routers, and forgets its connections.
func (f *Fabric) RemoveEndpoint(id string) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	key := strings.ToLower(id)
	err := f.removeEarlierLayout(id)
	if e, ok := f.endpoints[key]; ok && err == nil {
		err = f.unlinkEndpoint(e)
	} else if err == nil {
		err = f.sweepEndpoint(id)
	}
	if err != nil {
		return fmt.Errorf("removing private endpoint %s: %w", id, err)
	}
	delete(f.endpoints, key)
	f.log.Debug("private endpoint removed", "pe", id)
	return nil
}

// sweepEndpoint removes from every router what an endpoint not ensured
// since this process started may have left: its addresses, links and
// tables, and the connections to its addresses.
func (f *Fabric) sweepEndpoint(id string) error {
	all, err := f.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range slices.DeleteFunc(all, func(ns string) bool { return !f.names.isRouter(ns) }) {
		errs = append(errs, doNS(r, func() error {
			ts, err := tables("p")
			if err != nil {
				return err
			}
			mine := slices.DeleteFunc(ts, func(t string) bool {
				return !strings.HasPrefix(t, peTables(id)) && !isPLSTableOf(id, t)
			})
			addrs, err := labelled(peLabel(id))
			if err != nil {
				return err
			}
			return errors.Join(dropTranslations(mine...), deleteLinkHere(f.names.peLink(id)), deleteLinkHere(f.names.plsLink(id)),
				syncLabelled(peLabel(id)), forgetHere(netlink.ConntrackOrigDstIP, addrs...))
		}))
	}
	return errors.Join(errs...)
}

// unlinkEndpoint undoes an endpoint as it was last ensured.
func (f *Fabric) unlinkEndpoint(e Endpoint) error {
	router := f.names.routerNS(e.NIC.VNet)
	if !nsExists(router) {
		return nil
	}
	mine, err := readPeerEnd(router, f.names.peLink(e.ID))
	if err != nil {
		return err
	}
	err = doNS(router, func() error {
		stale, err := tables(peTables(e.ID))
		if err != nil {
			return err
		}
		return errors.Join(dropTranslations(stale...), deleteLinkHere(f.names.peLink(e.ID)),
			syncLabelled(peLabel(e.ID)), forgetHere(netlink.ConntrackOrigDstIP, e.addrs()...))
	})
	if err != nil {
		return err
	}
	fe, ok := f.frontends[strings.ToLower(e.Frontend)]
	if !ok || fe.router == router || !nsExists(fe.router) {
		return nil
	}
	return doNS(fe.router, func() error {
		err := errors.Join(dropTranslations(plsTable(e.Frontend, e.ID)), deleteLinkHere(f.names.plsLink(e.ID)))
		if mine.addr.IsValid() {
			err = errors.Join(err, forgetHere(netlink.ConntrackOrigSrcIP, mine.addr.Addr()))
		}
		return err
	})
}

func validateEndpoint(e Endpoint) error {
	errs := []error{requireID("private endpoint", e.ID), validateNIC(e.NIC), requireID("private link service", e.Frontend)}
	if !strings.EqualFold(e.NIC.Host, e.ID) {
		errs = append(errs, fmt.Errorf("nic host %s is not the private endpoint", e.NIC.Host))
	}
	return errors.Join(errs...)
}
