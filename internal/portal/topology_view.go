package portal

import (
	"fmt"
	"strings"
)

// picture is the topology laid out for SVG.
type picture struct {
	W, H  int
	Boxes []svgBox
	Lines []svgLine
}

type svgBox struct {
	X, Y, W, H         int
	Label, Sub         string
	Href, Class, Title string
}

type svgLine struct {
	D, Class, Label, Title string
	LX, LY                 int
}

// reach says whether a VM can reach a private cluster's API server, and why.
type reach struct {
	VM, Cluster      string
	Resolves, Routes bool
	Why              []string
}

// topologyView is the Topology blade's data.
type topologyView struct {
	Picture *picture
	Reach   []reach
	VMs     []option
	Check   *checkResult
	Counts  string
}

const (
	vnetW, vnetGap, top = 380, 70, 110
	rowH, subHead       = 24, 26
)

func layout(t *topology, hops map[string]bool) *picture {
	p := &picture{}
	pos := map[string][2]int{} // VNet ID → top-centre x, bottom y
	devAt := map[string][2]int{}
	x, bottom := 20, top
	for _, v := range t.VNets {
		y := top
		h := 46
		for _, s := range v.Subnets {
			h += subHead + rowH*len(s.Devices) + 12
		}
		class := "vnet"
		if v.Outside {
			class += " outside"
		}
		p.Boxes = append(p.Boxes, svgBox{X: x, Y: y, W: vnetW, H: h, Label: "VNet " + v.Name, Sub: strings.Join(v.Prefixes, ", ") + dnsNote(v),
			Href: portalURL(v.ID), Class: class, Title: v.ID})
		sy := y + 46
		for _, s := range v.Subnets {
			sh := subHead + rowH*len(s.Devices) + 4
			p.Boxes = append(p.Boxes, svgBox{X: x + 12, Y: sy, W: vnetW - 24, H: sh, Label: "Subnet " + s.Name + "  " + s.Prefix,
				Href: portalURL(v.ID) + "?view=subnets", Class: "subnet", Title: s.ID})
			for i, d := range s.Devices {
				dy := sy + subHead + i*rowH
				c := "device " + strings.ToLower(strings.ReplaceAll(d.Kind, " ", "-"))
				if hops[strings.ToLower(d.ID)] {
					c += " hop"
				}
				p.Boxes = append(p.Boxes, svgBox{X: x + 22, Y: dy, W: vnetW - 44, H: rowH - 4, Label: d.Kind + " " + d.Name + "  " + d.IP,
					Href: portalURL(d.ID), Class: c, Title: d.ID})
				devAt[strings.ToLower(d.ID)] = [2]int{x + vnetW - 22, dy + (rowH-4)/2}
			}
			sy += sh + 8
		}
		pos[strings.ToLower(v.ID)] = [2]int{x + vnetW/2, y + h}
		if y+h > bottom {
			bottom = y + h
		}
		x += vnetW + vnetGap
	}
	// Peerings: an arc above the VNets per direction, coloured by state.
	for i, v := range t.VNets {
		for j, pr := range v.Peerings {
			a, ok1 := pos[strings.ToLower(v.ID)]
			b, ok2 := pos[strings.ToLower(pr.Remote)]
			if !ok1 || !ok2 {
				continue
			}
			lift := 30 + ((i+j)%3)*22
			off := 6
			if a[0] > b[0] {
				off = -6
			}
			d := fmt.Sprintf("M %d %d C %d %d, %d %d, %d %d", a[0]+off, top, a[0]+off, top-lift-30, b[0]+off, top-lift-30, b[0]+off, top)
			p.Lines = append(p.Lines, svgLine{D: d, Class: "peering " + strings.ToLower(pr.State), Label: pr.Name + ": " + pr.State,
				LX: (a[0]+b[0])/2 - 60, LY: top - lift - 12 + off, Title: v.Name + " → " + remoteName(pr.Remote)})
		}
	}
	// Hidden API server networks, to the right, reached by private link.
	hx, hy := x, top
	for _, c := range t.Clusters {
		at, ok := devAt[strings.ToLower(c.Endpoint)]
		if !ok || !c.Private {
			continue
		}
		p.Boxes = append(p.Boxes, svgBox{X: hx, Y: hy, W: 260, H: 52, Label: "API server of " + c.Name, Sub: "hidden network",
			Href: portalURL(c.ID), Class: "apiserver", Title: c.FQDN})
		p.Lines = append(p.Lines, svgLine{D: fmt.Sprintf("M %d %d L %d %d", at[0], at[1], hx, hy+26), Class: "privatelink",
			Label: "private link", LX: hx - 90, LY: hy + 20, Title: c.Endpoint})
		hy += 80
	}
	if hy > bottom {
		bottom = hy
	}
	// Private DNS zones below, with a line to each linked VNet.
	zy, zx := bottom+90, 20
	for _, z := range t.Zones {
		p.Boxes = append(p.Boxes, svgBox{X: zx, Y: zy, W: vnetW, H: 46, Label: "Private DNS zone", Sub: z.Name, Href: portalURL(z.ID) + "?view=links",
			Class: "zone", Title: z.ID})
		for _, l := range z.Links {
			v, ok := pos[strings.ToLower(l.VNet)]
			if !ok {
				continue
			}
			p.Lines = append(p.Lines, svgLine{D: fmt.Sprintf("M %d %d L %d %d", zx+vnetW/2, zy, v[0], v[1]), Class: "link " + strings.ToLower(l.State),
				Label: l.Name, LX: (zx+vnetW/2+v[0])/2 + 4, LY: (zy + v[1]) / 2, Title: z.Name + " ↔ " + remoteName(l.VNet)})
		}
		zx += vnetW + vnetGap
	}
	p.W = max(x, zx, hx+280) + 20
	p.H = zy + 70
	return p
}

func dnsNote(v *topoVNet) string {
	if len(v.DNS) == 0 {
		return ""
	}
	return " · DNS " + strings.Join(v.DNS, ", ")
}

func remoteName(id string) string { return id[strings.LastIndex(id, "/")+1:] }

// reachability explains, for each VM that is not a node and each private
// cluster, whether the VM resolves the API server's name (its VNet is
// linked to the cluster's zone) and routes to its endpoint (same VNet, or
// peered both ways and Connected).
func (t *topology) reachability() []reach {
	var out []reach
	for _, v := range t.VNets {
		for _, s := range v.Subnets {
			for _, d := range s.Devices {
				if d.Kind != "VM" {
					continue
				}
				for _, c := range t.Clusters {
					if c.Private {
						out = append(out, t.reachOne(v, d, c))
					}
				}
			}
		}
	}
	return out
}

func (t *topology) reachOne(v *topoVNet, d *topoDevice, c *topoCluster) reach {
	r := reach{VM: d.Name, Cluster: c.Name}
	pe := t.devices[strings.ToLower(c.Endpoint)]
	var peVNet *topoVNet
	for _, w := range t.VNets {
		for _, s := range w.Subnets {
			for _, x := range s.Devices {
				if x == pe {
					peVNet = w
				}
			}
		}
	}
	switch {
	case pe == nil || peVNet == nil:
		r.Why = append(r.Why, "the cluster's kube-apiserver private endpoint is not in the picture")
	case peVNet == v:
		r.Routes = true
		r.Why = append(r.Why, fmt.Sprintf("routes: in the same virtual network '%s' as the endpoint %s", v.Name, pe.IP))
	default:
		there, back := peeringState(v, peVNet.ID), peeringState(peVNet, v.ID)
		switch {
		case there == "Connected" && back == "Connected":
			r.Routes = true
			r.Why = append(r.Why, fmt.Sprintf("routes: '%s' and '%s' are peered both ways (Connected)", v.Name, peVNet.Name))
		case there == "" && back == "":
			r.Why = append(r.Why, fmt.Sprintf("no route: '%s' is not peered with '%s', where the endpoint %s is", v.Name, peVNet.Name, pe.IP))
		default:
			r.Why = append(r.Why, fmt.Sprintf("no route: the peering '%s' → '%s' is %s and '%s' → '%s' is %s; both must be Connected",
				v.Name, peVNet.Name, orNone(there), peVNet.Name, v.Name, orNone(back)))
		}
	}
	linked := false
	for _, z := range t.Zones {
		if !strings.EqualFold(z.Name, c.Zone) {
			continue
		}
		for _, l := range z.Links {
			if strings.EqualFold(l.VNet, v.ID) {
				linked = true
			}
		}
	}
	switch {
	case len(v.DNS) > 0:
		r.Why = append(r.Why, fmt.Sprintf("resolves through the custom DNS servers %s: the name resolves only if they forward to 168.63.129.16 of a VNet linked to '%s'", strings.Join(v.DNS, ", "), c.Zone))
		r.Resolves = linked
	case linked:
		r.Resolves = true
		r.Why = append(r.Why, fmt.Sprintf("resolves: '%s' is linked to the zone '%s'", v.Name, c.Zone))
	default:
		r.Why = append(r.Why, fmt.Sprintf("does not resolve %s: '%s' is not linked to the zone '%s'; add a virtual network link", c.FQDN, v.Name, c.Zone))
	}
	return r
}

func peeringState(v *topoVNet, remote string) string {
	for _, p := range v.Peerings {
		if strings.EqualFold(p.Remote, remote) {
			return p.State
		}
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "missing"
	}
	return s
}

func topologyBlade(rq *request, b *blade) error {
	groups := []string{b.ID.Group}
	add := func(g string) {
		for _, x := range groups {
			if strings.EqualFold(x, g) {
				return
			}
		}
		groups = append(groups, g)
	}
	var clusters []string
	if b.ID.is("Microsoft.ContainerService/managedClusters") {
		clusters = []string{b.IDStr}
		for _, p := range asList(dig(b.Doc, "properties", "agentPoolProfiles")) {
			if s, err := parseID(digStr(p, "vnetSubnetID")); err == nil {
				add(s.Group)
			}
		}
	} else {
		res, err := rq.arm.list(b.IDStr+"/resources", resourcesAPI)
		if err != nil {
			return err
		}
		for _, r := range res {
			if strings.EqualFold(digStr(r, "type"), "Microsoft.ContainerService/managedClusters") {
				clusters = append(clusters, digStr(r, "id"))
			}
		}
	}
	for _, id := range clusters {
		rid, _ := parseID(id)
		mc, err := rq.read(rid)
		if err != nil {
			return err
		}
		if node := digStr(mc, "properties", "nodeResourceGroup"); node != "" {
			add(node)
		}
	}
	t, err := rq.gatherTopology(b.ID.Sub, groups, nil)
	if err != nil {
		return err
	}
	tv := &topologyView{}
	rq.ss.mu.Lock()
	if c, ok := rq.ss.checks[strings.ToLower(b.IDStr)]; ok {
		tv.Check = &c
	}
	rq.ss.mu.Unlock()
	hops := map[string]bool{}
	if tv.Check != nil {
		for _, h := range tv.Check.Hops {
			hops[strings.ToLower(h.ResourceID)] = true
		}
	}
	tv.Picture = layout(t, hops)
	tv.Reach = t.reachability()
	for _, d := range t.devices {
		if d.Kind == "VM" {
			tv.VMs = append(tv.VMs, option{Value: d.ID, Label: d.Name})
		}
	}
	sortOptions(tv.VMs)
	tv.Counts = fmt.Sprintf("%d virtual networks, %d private DNS zones, %d clusters", len(t.VNets), len(t.Zones), len(t.Clusters))
	b.Extra = tv
	return nil
}
