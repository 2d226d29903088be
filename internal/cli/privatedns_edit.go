package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
)

// How add-record, set-record and remove-record change a record set.

// editRecordSet reads a record set, changes it with edit and writes it
// back, as az's add-record and remove-record do. A missing set starts
// empty with az's TTL of 3600 when create is set; edit may ask for the set
// to be deleted instead (its last record went), and then nil is returned.
// Unlike az, the write is conditional on the ETag read (If-Match, or
// If-None-Match for a new set) and redone when another writer came first,
// so that concurrent add-records keep every record.
func editRecordSet(ctx context.Context, rc *armprivatedns.RecordSetsClient, r ref, typ armprivatedns.RecordType, create bool,
	edit func(p *armprivatedns.RecordSetProperties) (del bool, err error)) (*armprivatedns.RecordSet, error) {
	for attempt := 1; ; attempt++ {
		var ifMatch, ifNoneMatch *string
		props := &armprivatedns.RecordSetProperties{TTL: to.Ptr[int64](3600)}
		cur, err := rc.Get(ctx, r.rg, r.parent, typ, r.name, nil)
		switch {
		case err == nil:
			ifMatch = cur.Etag
			if cur.Properties != nil {
				props = cur.Properties
			}
		case create && isNotFound(err):
			ifNoneMatch = createOnly
		default:
			return nil, err
		}
		props.Fqdn, props.IsAutoRegistered = nil, nil // read-only
		del, err := edit(props)
		if err != nil {
			return nil, err
		}
		var out *armprivatedns.RecordSet
		if del {
			_, err = rc.Delete(ctx, r.rg, r.parent, typ, r.name, &armprivatedns.RecordSetsClientDeleteOptions{IfMatch: ifMatch})
		} else {
			var resp armprivatedns.RecordSetsClientCreateOrUpdateResponse
			resp, err = rc.CreateOrUpdate(ctx, r.rg, r.parent, typ, r.name, armprivatedns.RecordSet{Properties: props},
				&armprivatedns.RecordSetsClientCreateOrUpdateOptions{IfMatch: ifMatch, IfNoneMatch: ifNoneMatch})
			out = &resp.RecordSet
		}
		if f, ok := asARMFailure(err); ok && f.Status == http.StatusPreconditionFailed && attempt < 10 {
			continue // changed (or created) by someone else since we read it
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// addRecord adds a record to a set as az does: appended to the list, or
// replacing the one CNAME. TXT values are concatenated and cut into
// strings of at most 255 characters.
func addRecord(p *armprivatedns.RecordSetProperties, typ armprivatedns.RecordType, vals []string) {
	switch typ {
	case armprivatedns.RecordTypeA:
		p.ARecords = append(p.ARecords, &armprivatedns.ARecord{IPv4Address: to.Ptr(vals[0])})
	case armprivatedns.RecordTypeAAAA:
		p.AaaaRecords = append(p.AaaaRecords, &armprivatedns.AaaaRecord{IPv6Address: to.Ptr(vals[0])})
	case armprivatedns.RecordTypeCNAME:
		p.CnameRecord = &armprivatedns.CnameRecord{Cname: to.Ptr(vals[0])}
	case armprivatedns.RecordTypeTXT:
		p.TxtRecords = append(p.TxtRecords, &armprivatedns.TxtRecord{Value: to.SliceOfPtrs(txtChunks(vals)...)})
	}
}

// txtChunks joins TXT values and cuts them into DNS character strings of
// at most 255 characters.
func txtChunks(vals []string) []string {
	text := []rune(strings.Join(vals, ""))
	out := []string{}
	for len(text) > 255 {
		out = append(out, string(text[:255]))
		text = text[255:]
	}
	return append(out, string(text))
}

// removeRecord removes every record of a set matching vals; for the
// CNAME, the record whatever its value, as az does. A record of a list
// type that is not there is an error.
func removeRecord(p *armprivatedns.RecordSetProperties, typ armprivatedns.RecordType, vals []string) error {
	notFound := func(field string) error {
		return fmt.Errorf("Record {'%s': '%s'} not found.", field, strings.Join(vals, ""))
	}
	switch typ {
	case armprivatedns.RecordTypeA:
		n := len(p.ARecords)
		p.ARecords = filterRecords(p.ARecords, func(r *armprivatedns.ARecord) bool { return !sameRecordIP(deref(r.IPv4Address), vals[0]) })
		if len(p.ARecords) == n {
			return notFound("ipv4_address")
		}
	case armprivatedns.RecordTypeAAAA:
		n := len(p.AaaaRecords)
		p.AaaaRecords = filterRecords(p.AaaaRecords, func(r *armprivatedns.AaaaRecord) bool { return !sameRecordIP(deref(r.IPv6Address), vals[0]) })
		if len(p.AaaaRecords) == n {
			return notFound("ipv6_address")
		}
	case armprivatedns.RecordTypeCNAME:
		p.CnameRecord = nil
	case armprivatedns.RecordTypeTXT:
		n := len(p.TxtRecords)
		p.TxtRecords = filterRecords(p.TxtRecords, func(r *armprivatedns.TxtRecord) bool { return !sameTXT(r.Value, vals) })
		if len(p.TxtRecords) == n {
			return notFound("value")
		}
	}
	return nil
}

// recordCount is the number of records of typ in a set.
func recordCount(p *armprivatedns.RecordSetProperties, typ armprivatedns.RecordType) int {
	switch typ {
	case armprivatedns.RecordTypeA:
		return len(p.ARecords)
	case armprivatedns.RecordTypeAAAA:
		return len(p.AaaaRecords)
	case armprivatedns.RecordTypeCNAME:
		if p.CnameRecord != nil {
			return 1
		}
	case armprivatedns.RecordTypeTXT:
		return len(p.TxtRecords)
	}
	return 0
}

func filterRecords[T any](list []*T, ok func(*T) bool) []*T {
	out := []*T{}
	for _, e := range list {
		if ok(e) {
			out = append(out, e)
		}
	}
	return out
}

// sameRecordIP compares addresses by value (fd00::1 is fd00:0::1), else as text.
func sameRecordIP(a, b string) bool {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 == nil && err2 == nil {
		return x == y
	}
	return a == b
}

// sameTXT matches a TXT record to the values given: the same strings in
// any order (as az compares them), or the same text once concatenated
// (what add-record made of them).
func sameTXT(have []*string, vals []string) bool {
	var h []string
	for _, s := range have {
		h = append(h, deref(s))
	}
	if strings.Join(h, "") == strings.Join(vals, "") {
		return true
	}
	if len(h) != len(vals) {
		return false
	}
	count := map[string]int{}
	for _, s := range h {
		count[s]++
	}
	for _, s := range vals {
		if count[s]--; count[s] < 0 {
			return false
		}
	}
	return true
}
