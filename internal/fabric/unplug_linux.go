package fabric

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
)

// RemoveNIC unplugs a NIC. If it carried its host's default route, the
// host's next NIC takes the route over.
func (f *Fabric) RemoveNIC(id string) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	rlink, tag, key := f.names.nicLink(id), nicTag(id), strings.ToLower(id)
	place, known := f.nics[key]
	routers := []string{place.router}
	if !known { // not ensured since this process started: look everywhere
		all, err := f.List()
		if err != nil {
			return fmt.Errorf("removing nic %s: %w", id, err)
		}
		routers = slices.DeleteFunc(all, func(ns string) bool { return !f.names.isRouter(ns) })
	}
	for _, r := range routers {
		if err := deleteLinkIn(r, rlink); err != nil {
			return fmt.Errorf("removing nic %s: %w", id, err)
		}
	}
	if known && nsExists(place.host) {
		err := doNS(place.host, func() error {
			if err := deleteTaggedHere(tag); err != nil {
				return err
			}
			return repairDefaultRoute()
		})
		if err != nil {
			return fmt.Errorf("removing nic %s: %w", id, err)
		}
	}
	delete(f.nics, key)
	f.log.Debug("nic removed", "nic", id)
	return nil
}

// deleteTagged deletes the host side of a NIC in a namespace, if both exist.
func deleteTagged(ns, tag string) error {
	if !nsExists(ns) {
		return nil
	}
	return doNS(ns, func() error { return deleteTaggedHere(tag) })
}

func deleteTaggedHere(tag string) error {
	links, err := nicLinks()
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Attrs().Alias == tag {
			if err := netlink.LinkDel(l); err != nil {
				return fmt.Errorf("deleting %s: %w", l.Attrs().Name, err)
			}
		}
	}
	return nil
}

// repairDefaultRoute routes a host without a default route through its
// first remaining NIC.
func repairDefaultRoute() error {
	def, err := defaultRoute()
	if err != nil || def != nil {
		return err
	}
	links, err := nicLinks()
	if err != nil || len(links) == 0 {
		return err
	}
	addr, err := firstAddr(links[0])
	if err != nil {
		return err
	}
	gw := Gateway(addr.Masked())
	route := &netlink.Route{LinkIndex: links[0].Attrs().Index, Gw: gw.AsSlice()}
	if err := netlink.RouteAdd(route); err != nil {
		return fmt.Errorf("adding default route via %s: %w", gw, err)
	}
	return nil
}

// nicLinks lists the NIC links of the current namespace, eth0 first.
func nicLinks() ([]netlink.Link, error) {
	links, err := linkList()
	if err != nil {
		return nil, fmt.Errorf("listing links: %w", err)
	}
	links = slices.DeleteFunc(links, func(l netlink.Link) bool { return !strings.HasPrefix(l.Attrs().Alias, "nic-") })
	slices.SortFunc(links, func(a, b netlink.Link) int {
		an, bn := a.Attrs().Name, b.Attrs().Name
		if len(an) != len(bn) {
			return len(an) - len(bn)
		}
		return strings.Compare(an, bn)
	})
	return links, nil
}
