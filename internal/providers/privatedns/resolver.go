package privatedns

import (
	"context"
	"encoding/json"
	"net"
	"sort"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/miekg/dns"
)

// autoTTL is the TTL of auto-registered records, as in Azure.
const autoTTL = 10

// zoneData is one zone's records, by lower-case FQDN and type.
type zoneData struct {
	id, name string
	records  map[string]map[uint16][]dns.RR
	auto     map[string]string // auto-registered A records: FQDN → IP
}

// index is every zone's answers and which virtual networks see them, as
// of a generation of the records.
type index struct {
	gen    int64
	byVNet map[string][]*zoneData
	byID   map[string]*zoneData
	public []*zoneData // the cloud's public DNS
}

func (z *zoneData) add(rr dns.RR) {
	name := strings.ToLower(rr.Header().Name)
	if z.records[name] == nil {
		z.records[name] = map[uint16][]dns.RR{}
	}
	z.records[name][rr.Header().Rrtype] = append(z.records[name][rr.Header().Rrtype], rr)
}

func hdr(name string, t uint16, ttl int64) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(name), Rrtype: t, Class: dns.ClassINET, Ttl: uint32(ttl)}
}

// current returns the index, rebuilding it when the records changed.
func (p *Provider) current(ctx context.Context) *index {
	gen := p.rec.Generation()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.index != nil && p.index.gen == gen {
		return p.index
	}
	idx, err := p.build(ctx, gen)
	if err != nil {
		p.log.Error("building the DNS index", "err", err)
		if p.index != nil {
			return p.index
		}
		return &index{byVNet: map[string][]*zoneData{}, byID: map[string]*zoneData{}}
	}
	p.index = idx
	return idx
}

type vmNICs struct {
	name string
	nics []string
}

type nicAddr struct {
	ip, vnet string
}

// fact is what the DNS index takes from one record: a zone, a link, a
// record set's answers, a VM's NICs or a NIC's address (or nothing). Facts
// are kept by key and revision across rebuilds, so that a rebuild decodes
// only the records written since the last; the index is rebuilt after
// every write, and decoding every record each time made a write cost more
// the more the instance held.
type fact struct {
	rev  int64
	zone *zoneData // id and name only; records are added per index
	link *link
	set  *recordSet
	vm   *vmNICs
	nic  *nicAddr
}

type link struct {
	zone, vnet string
	reg        bool
}

type recordSet struct {
	zone string // lower-case zone ID
	rrs  []dns.RR
}

// extract reads the fact of one record, decoding only the kinds the index
// takes something from.
func extract(sc arm.Scanned) (*fact, error) {
	f := &fact{rev: sc.Revision}
	id, err := arm.ParseID(arm.IDOfKey(sc.Key))
	if err != nil {
		return f, nil
	}
	t := strings.ToLower(id.Type())
	if !strings.HasPrefix(t, "microsoft.network/privatednszones") && t != "microsoft.compute/virtualmachines" && t != "microsoft.network/networkinterfaces" {
		return f, nil
	}
	st, err := sc.Peek() // only read
	if err != nil {
		return nil, err
	}
	switch {
	case t == "microsoft.network/privatednszones":
		if zid, err := arm.ParseID(arm.IDOf(st.Body)); err == nil {
			f.zone = &zoneData{id: zid.String(), name: strings.ToLower(zid.Name())}
		}
	case t == "microsoft.network/privatednszones/virtualnetworklinks":
		var l Link
		if arm.Decode(st, &l) == nil && l.Properties.VirtualNetwork != nil {
			f.link = &link{zone: strings.ToLower(id.Parent().String()), vnet: strings.ToLower(l.Properties.VirtualNetwork.ID), reg: l.Properties.RegistrationEnabled}
		}
	case strings.HasPrefix(t, "microsoft.network/privatednszones/"):
		var rs RecordSet
		if arm.Decode(st, &rs) == nil {
			f.set = &recordSet{zone: strings.ToLower(id.Parent().String()), rrs: toRRs(&rs)}
		}
	case t == "microsoft.compute/virtualmachines":
		var v struct {
			Name       string `json:"name"`
			Properties struct {
				NetworkProfile struct {
					NetworkInterfaces []struct {
						ID string `json:"id"`
					} `json:"networkInterfaces"`
				} `json:"networkProfile"`
			} `json:"properties"`
		}
		if arm.Decode(st, &v) == nil {
			vm := vmNICs{name: v.Name}
			for _, n := range v.Properties.NetworkProfile.NetworkInterfaces {
				vm.nics = append(vm.nics, strings.ToLower(n.ID))
			}
			f.vm = &vm
		}
	case t == "microsoft.network/networkinterfaces":
		var n struct {
			Properties struct {
				IPConfigurations []struct {
					Properties struct {
						PrivateIPAddress string  `json:"privateIPAddress"`
						Subnet           *SubRef `json:"subnet"`
					} `json:"properties"`
				} `json:"ipConfigurations"`
			} `json:"properties"`
		}
		if arm.Decode(st, &n) == nil && len(n.Properties.IPConfigurations) > 0 && n.Properties.IPConfigurations[0].Properties.Subnet != nil {
			c := n.Properties.IPConfigurations[0].Properties
			if sid, err := arm.ParseID(c.Subnet.ID); err == nil {
				f.nic = &nicAddr{ip: c.PrivateIPAddress, vnet: strings.ToLower(sid.Parent().String())}
			}
		}
	}
	return f, nil
}

// build makes the index of generation gen from every record, reusing the
// facts of records unchanged since the last build. Called with p.mu held.
func (p *Provider) build(ctx context.Context, gen int64) (*index, error) {
	all, err := p.rec.Scan(ctx, "/subscriptions")
	if err != nil {
		return nil, err
	}
	facts := make(map[string]*fact, len(all))
	idx := &index{gen: gen, byVNet: map[string][]*zoneData{}, byID: map[string]*zoneData{}}
	var links []*link
	var vms []*vmNICs
	nics := map[string]nicAddr{}
	var sets []*recordSet
	for _, st := range all {
		f := p.facts[st.Key]
		if f == nil || f.rev != st.Revision {
			if f, err = extract(st); err != nil {
				return nil, err
			}
		}
		facts[st.Key] = f
		switch {
		case f.zone != nil:
			z := &zoneData{id: f.zone.id, name: f.zone.name, records: map[string]map[uint16][]dns.RR{}, auto: map[string]string{}}
			idx.byID[strings.ToLower(z.id)] = z
			if p.publicGroup != "" && strings.HasPrefix(strings.ToLower(z.id), p.publicGroup) {
				idx.public = append(idx.public, z)
			}
		case f.link != nil:
			links = append(links, f.link)
		case f.set != nil:
			sets = append(sets, f.set)
		case f.vm != nil:
			vms = append(vms, f.vm)
		case f.nic != nil:
			nics[arm.IDOfKey(st.Key)] = *f.nic
		}
	}
	p.facts = facts
	for _, rs := range sets {
		if z := idx.byID[rs.zone]; z != nil {
			for _, rr := range rs.rrs {
				z.add(rr)
			}
		}
	}
	for _, l := range links {
		z := idx.byID[l.zone]
		if z == nil {
			continue
		}
		idx.byVNet[l.vnet] = append(idx.byVNet[l.vnet], z)
		if !l.reg {
			continue
		}
		for _, vm := range vms {
			for _, n := range vm.nics {
				if a, ok := nics[n]; ok && a.vnet == l.vnet && a.ip != "" {
					name := strings.ToLower(vm.name + "." + z.name + ".")
					if _, taken := z.records[name]; !taken {
						z.auto[name] = a.ip
						z.add(&dns.A{Hdr: hdr(name, dns.TypeA, autoTTL), A: net.ParseIP(a.ip)})
					}
					break
				}
			}
		}
	}
	return idx, nil
}

// toRRs turns a record set into DNS records.
func toRRs(rs *RecordSet) []dns.RR {
	name, ttl := rs.Properties.Fqdn, rs.Properties.TTL
	var out []dns.RR
	for _, a := range rs.Properties.ARecords {
		out = append(out, &dns.A{Hdr: hdr(name, dns.TypeA, ttl), A: net.ParseIP(a.IPv4Address)})
	}
	for _, a := range rs.Properties.AAAARecords {
		out = append(out, &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA, ttl), AAAA: net.ParseIP(a.IPv6Address)})
	}
	if c := rs.Properties.CnameRecord; c != nil && c.Cname != "" {
		out = append(out, &dns.CNAME{Hdr: hdr(name, dns.TypeCNAME, ttl), Target: dns.Fqdn(c.Cname)})
	}
	for _, t := range rs.Properties.TxtRecords {
		out = append(out, &dns.TXT{Hdr: hdr(name, dns.TypeTXT, ttl), Txt: t.Value})
	}
	return out
}

// zoneFor finds the most specific linked zone holding name.
func zoneFor(zones []*zoneData, name string) *zoneData {
	var best *zoneData
	for _, z := range zones {
		if (name == z.name+"." || strings.HasSuffix(name, "."+z.name+".")) && (best == nil || len(z.name) > len(best.name)) {
			best = z
		}
	}
	return best
}

// Resolve answers a question asked inside a virtual network from the zones
// linked to it: records, NODATA or NXDOMAIN for names in those zones. A name
// no linked zone holds is answered from the cloud's public DNS (the names
// the cloud owns); for every other name it is not authoritative (the DNS
// server refuses: nothing on the internet is ever asked).
func (p *Provider) Resolve(vnetID string, q dns.Question) ([]dns.RR, bool, int) {
	idx := p.current(context.Background())
	linked := idx.byVNet[strings.ToLower(vnetID)]
	find := func(name string) *zoneData {
		if z := zoneFor(linked, name); z != nil {
			return z
		}
		return zoneFor(idx.public, name)
	}
	name := strings.ToLower(dns.Fqdn(q.Name))
	z := find(name)
	if z == nil {
		return nil, false, dns.RcodeRefused
	}
	var answers []dns.RR
	for hops := 0; hops < 8; hops++ {
		rrs, ok := z.records[name]
		if !ok {
			if len(answers) > 0 {
				return answers, true, dns.RcodeSuccess
			}
			return nil, true, dns.RcodeNameError
		}
		if got := rrs[q.Qtype]; len(got) > 0 || q.Qtype == dns.TypeCNAME {
			return append(answers, got...), true, dns.RcodeSuccess
		}
		cname := rrs[dns.TypeCNAME]
		if len(cname) == 0 {
			return answers, true, dns.RcodeSuccess // the name exists without this type
		}
		answers = append(answers, cname[0])
		name = strings.ToLower(cname[0].(*dns.CNAME).Target)
		if z = find(name); z == nil {
			return answers, true, dns.RcodeSuccess // the target is outside: the client resolves it
		}
	}
	return answers, true, dns.RcodeSuccess
}

// autoRegistered lists a zone's auto-registered A record sets.
func (p *Provider) autoRegistered(ctx context.Context, zoneID, typ string, all bool) []json.RawMessage {
	if !all && typ != "A" {
		return nil
	}
	var out []json.RawMessage
	idx := p.current(ctx)
	for _, z := range idx.byID {
		if !strings.EqualFold(z.id, zoneID) {
			continue
		}
		names := make([]string, 0, len(z.auto))
		for n := range z.auto {
			names = append(names, n)
		}
		sort.Strings(names)
		zid, _ := arm.ParseID(z.id)
		for _, n := range names {
			rel := strings.TrimSuffix(n, "."+z.name+".")
			rs := RecordSet{ID: zid.Child("A", rel).String(), Name: rel, Type: Namespace + "/privateDnsZones/A",
				Properties: RecordSetProps{TTL: autoTTL, Fqdn: n, IsAutoRegistered: true, ARecords: []ARecord{{IPv4Address: z.auto[n]}}}}
			b, _ := json.Marshal(rs)
			out = append(out, b)
		}
	}
	return out
}

// Holds tells whether a zone linked to the virtual network holds name, and
// whether the cloud's public DNS does (for forwarding rules, which come
// after the linked zones and before the public DNS).
func (p *Provider) Holds(vnetID, name string) (linked, public bool) {
	idx := p.current(context.Background())
	name = strings.ToLower(dns.Fqdn(name))
	return zoneFor(idx.byVNet[strings.ToLower(vnetID)], name) != nil, zoneFor(idx.public, name) != nil
}
