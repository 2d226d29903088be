package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
)

// recordKind is a record type with az's record-set commands.
type recordKind struct {
	group string // the command group: a, aaaa, cname, txt
	typ   armprivatedns.RecordType
	flag  string // the flag giving a record's value
	short string
	usage string
}

// an is the type with its article: "an A", "a TXT".
func (k recordKind) an() string {
	if k.group == "a" || k.group == "aaaa" {
		return "an " + strings.ToUpper(k.group)
	}
	return "a " + strings.ToUpper(k.group)
}

// isList tells the types whose sets hold several records from the CNAME,
// whose set holds one.
func (k recordKind) isList() bool { return k.typ != armprivatedns.RecordTypeCNAME }

var recordKinds = []recordKind{
	{"a", armprivatedns.RecordTypeA, "ipv4-address", "a", "IPv4 address in string notation"},
	{"aaaa", armprivatedns.RecordTypeAAAA, "ipv6-address", "a", "IPv6 address in string notation"},
	{"cname", armprivatedns.RecordTypeCNAME, "cname", "c", "canonical name"},
	{"txt", armprivatedns.RecordTypeTXT, "value", "v", "space-separated list of text values which will be concatenated together"},
}

func dnsRecordSetCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "record-set", Short: "Manage record sets of private DNS zones"}
	for _, k := range recordKinds {
		g.AddCommand(recordGroupCmd(a, k))
	}
	g.AddCommand(recordListCmd(a, nil))
	return g
}

func recordGroupCmd(a *App, k recordKind) *cobra.Command {
	upper := strings.ToUpper(k.group)
	g := &cobra.Command{Use: k.group, Short: "Manage " + upper + " record sets of private DNS zones"}
	if k.isList() {
		g.AddCommand(recordAddCmd(a, k, "add-record", "Add "+k.an()+" record; the record set is created when missing"))
	} else {
		g.AddCommand(recordAddCmd(a, k, "set-record", "Set the CNAME record; the record set is created when missing"))
	}
	g.AddCommand(recordRemoveCmd(a, k), recordCreateCmd(a, k), recordListCmd(a, &k))
	var sr, dr ref
	var yes bool
	kind := dnsKind{what: upper + " record set", inZone: true}
	show := a.simple(simpleCmd{use: "show", short: "Get the details of " + k.an() + " record set", table: recordSetTable,
		required: kind.required(true),
		call: kind.call(&sr, func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			resp, err := f.NewRecordSetsClient().Get(ctx, r.rg, r.parent, k.typ, r.name, nil)
			if err != nil {
				return nil, err
			}
			return recordSetOut(resp.RecordSet)
		})})
	kind.flags(show, &sr, true)
	del := a.simple(simpleCmd{use: "delete", short: "Delete " + k.an() + " record set and all its records", required: kind.required(true),
		check: func() error { return a.confirm(yes, areYouSure) },
		call: kind.call(&dr, func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			_, err := f.NewRecordSetsClient().Delete(ctx, r.rg, r.parent, k.typ, r.name, nil)
			return nil, err
		})})
	kind.flags(del, &dr, true)
	del.Flags().BoolVarP(&yes, "yes", "y", false, "do not prompt for confirmation")
	g.AddCommand(show, del)
	return g
}

// recordListCmd is 'record-set list' (every type, SOA too) or, with a
// kind, '<type> list'.
func recordListCmd(a *App, k *recordKind) *cobra.Command {
	var r ref
	kind := dnsKind{what: "record set", inZone: true}
	short := "List all record sets of a private DNS zone"
	if k != nil {
		short = "List the " + strings.ToUpper(k.group) + " record sets of a private DNS zone"
	}
	cmd := a.simple(simpleCmd{use: "list", short: short, table: recordSetTable, required: kind.required(false),
		call: kind.call(&r, func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			rc := f.NewRecordSetsClient()
			var sets []*armprivatedns.RecordSet
			var err error
			if k == nil {
				sets, err = collect(ctx, rc.NewListPager(r.rg, r.parent, nil),
					func(p armprivatedns.RecordSetsClientListResponse) []*armprivatedns.RecordSet { return p.Value })
			} else {
				sets, err = collect(ctx, rc.NewListByTypePager(r.rg, r.parent, k.typ, nil),
					func(p armprivatedns.RecordSetsClientListByTypeResponse) []*armprivatedns.RecordSet { return p.Value })
			}
			if err != nil {
				return nil, err
			}
			return recordSetOut(sets)
		})})
	kind.flags(cmd, &r, false)
	return cmd
}

func recordCreateCmd(a *App, k recordKind) *cobra.Command {
	var r ref
	var ttl int64
	var metadata []string
	kind := dnsKind{what: "record set", inZone: true}
	cmd := a.simple(simpleCmd{use: "create", short: "Create an empty " + strings.ToUpper(k.group) + " record set", required: kind.required(true),
		call: kind.call(&r, func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			md, err := parseTags(metadata, nil)
			if err != nil {
				return nil, err
			}
			rs := armprivatedns.RecordSet{Properties: &armprivatedns.RecordSetProperties{TTL: to.Ptr(ttl)}}
			if len(md) > 0 {
				rs.Properties.Metadata = strPtrMap(md)
			}
			resp, err := f.NewRecordSetsClient().CreateOrUpdate(ctx, r.rg, r.parent, k.typ, r.name, rs,
				&armprivatedns.RecordSetsClientCreateOrUpdateOptions{IfNoneMatch: createOnly})
			if err != nil {
				return nil, err
			}
			return recordSetOut(resp.RecordSet)
		})})
	kind.flags(cmd, &r, true)
	cmd.Flags().Int64Var(&ttl, "ttl", 3600, "record set TTL (time-to-live), in seconds")
	multiFlag(cmd.Flags(), &metadata, "metadata", "", nil, "metadata in space-separated key=value pairs")
	azArgs(cmd, false)
	return cmd
}

// recordFlags adds the flags of add-record, set-record and remove-record:
// -g, -z, -n/--record-set-name and the record's value.
func recordFlags(cmd *cobra.Command, k recordKind, r *ref, values *[]string, single *string) {
	f := cmd.Flags()
	f.StringVarP(&r.rg, "resource-group", "g", "", "name of the resource group")
	zoneFlag(cmd, &r.parent)
	f.StringVarP(&r.name, "record-set-name", "n", "", "name of the record set, relative to the zone ('@' for the apex)")
	if k.typ == armprivatedns.RecordTypeTXT {
		multiFlag(f, values, k.flag, k.short, nil, k.usage)
	} else {
		f.StringVarP(single, k.flag, k.short, "", k.usage)
	}
}

func recordAddCmd(a *App, k recordKind, use, short string) *cobra.Command {
	var r ref
	var values []string
	var single string
	var ttl int64
	var cmd *cobra.Command
	kind := dnsKind{what: "record set", inZone: true}
	cmd = a.simple(simpleCmd{use: use, short: short, required: []string{"resource-group", "zone-name", "record-set-name", k.flag},
		call: kind.call(&r, func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			vals := values
			if k.typ != armprivatedns.RecordTypeTXT {
				vals = []string{single}
			}
			rs, err := editRecordSet(ctx, f.NewRecordSetsClient(), r, k.typ, true, func(p *armprivatedns.RecordSetProperties) (bool, error) {
				if cmd.Flags().Changed("ttl") {
					p.TTL = to.Ptr(ttl)
				}
				addRecord(p, k.typ, vals)
				return false, nil
			})
			if err != nil {
				return nil, err
			}
			return recordSetOut(rs)
		})})
	recordFlags(cmd, k, &r, &values, &single)
	cmd.Flags().Int64Var(&ttl, "ttl", 3600, "TTL of the record set, in seconds (aksbox: applies to a new set, or changes an existing one's)")
	azArgs(cmd, false)
	return cmd
}

func recordRemoveCmd(a *App, k recordKind) *cobra.Command {
	var r ref
	var values []string
	var single string
	var keep bool
	kind := dnsKind{what: "record set", inZone: true}
	cmd := a.simple(simpleCmd{use: "remove-record", short: "Remove " + k.an() + " record; an emptied record set is deleted",
		required: []string{"resource-group", "zone-name", "record-set-name", k.flag},
		call: kind.call(&r, func(ctx context.Context, f *armprivatedns.ClientFactory, r ref) (any, error) {
			vals := values
			if k.typ != armprivatedns.RecordTypeTXT {
				vals = []string{single}
			}
			rs, err := editRecordSet(ctx, f.NewRecordSetsClient(), r, k.typ, false, func(p *armprivatedns.RecordSetProperties) (bool, error) {
				if err := removeRecord(p, k.typ, vals); err != nil {
					return false, err
				}
				return recordCount(p, k.typ) == 0 && !keep, nil
			})
			if err != nil || rs == nil {
				return nil, err
			}
			return recordSetOut(rs)
		})})
	recordFlags(cmd, k, &r, &values, &single)
	cmd.Flags().BoolVar(&keep, "keep-empty-record-set", false, "keep the record set when its last record is removed")
	azArgs(cmd, false)
	return cmd
}

// recordSetOut is a record set (or a list of them) as az prints it:
// flattened, with resourceGroup, and without the record lists it has
// none of (az's transform_privatedns_record_set_output).
func recordSetOut(v any) (any, error) {
	j, err := shaped(v, false)
	if err != nil {
		return nil, err
	}
	strip := func(m map[string]any) {
		for k, val := range m {
			if !strings.Contains(strings.ToLower(k), "record") {
				continue
			}
			if l, ok := val.([]any); val == nil || ok && len(l) == 0 {
				delete(m, k)
			}
		}
	}
	switch t := j.(type) {
	case []any:
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				strip(m)
			}
		}
	case map[string]any:
		strip(t)
	}
	return j, nil
}

// recordSetTable is az's table of record sets.
func recordSetTable(v any) any {
	return mapRows(v, func(r map[string]any) output.Ordered {
		typ, _ := r["type"].(string)
		if i := strings.LastIndex(typ, "/"); i >= 0 {
			typ = typ[i+1:]
		}
		meta := " "
		if m, _ := r["metadata"].(map[string]any); len(m) > 0 {
			var pairs []string
			for _, k := range slices.Sorted(maps.Keys(m)) {
				pairs = append(pairs, fmt.Sprintf(`%s="%v"`, k, m[k]))
			}
			meta = strings.Join(pairs, " ")
		}
		return row("Name", r["name"], "ResourceGroup", r["resourceGroup"], "Ttl", r["ttl"], "Type", typ,
			"AutoRegistered", r["isAutoRegistered"], "Metadata", meta)
	})
}
