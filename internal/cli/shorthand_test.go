package cli

import (
	"reflect"
	"testing"
)

func TestParseShorthand(t *testing.T) {
	for in, want := range map[string]any{
		`[{private-ip-address:'',private-ip-allocation-method:Dynamic,id:/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/in}]`: []any{map[string]any{
			"private-ip-address": "", "private-ip-allocation-method": "Dynamic", "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/in"}},
		`[{ip-address:"10.0.0.1",port:53},{ip-address:10.0.0.2}]`: []any{map[string]any{"ip-address": "10.0.0.1", "port": "53"}, map[string]any{"ip-address": "10.0.0.2"}},
		`{"id": "x", "port": 53}`:                                 map[string]any{"id": "x", "port": "53"},
		`plain`:                                                   "plain",
	} {
		got, err := parseShorthand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseShorthand(%s) = %#v, %v; want %#v", in, got, err, want)
		}
	}
	for _, bad := range []string{`[{a:1`, `{a 1}`, `{'a:1}`} {
		if _, err := parseShorthand(bad); err == nil {
			t.Errorf("parseShorthand(%s) accepted", bad)
		}
	}
	objs, err := shorthandObjects("target-dns-servers", []string{`{ip-address:10.0.0.1}`, `[{ip-address:10.0.0.2}]`})
	if err != nil || len(objs) != 2 || field(objs[1], "ip-address") != "10.0.0.2" {
		t.Fatalf("objects of several values: %v %v", objs, err)
	}
}

func TestResolverArguments(t *testing.T) {
	ipc, err := ipConfigurations([]string{`[{private-ip-address:'',private-ip-allocation-method:Dynamic,id:/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/in}]`})
	if err != nil || len(ipc) != 1 || ipc[0].PrivateIPAddress != nil || string(*ipc[0].PrivateIPAllocationMethod) != "Dynamic" ||
		*ipc[0].Subnet.ID != "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/in" {
		t.Fatalf("--ip-configurations: %v %+v", err, ipc)
	}
	ts, err := targetServers([]string{`[{ip-address:"10.0.0.1",port:53},{ip-address:10.0.0.2}]`})
	if err != nil || len(ts) != 2 || *ts[1].IPAddress != "10.0.0.2" || *ts[1].Port != 53 {
		t.Fatalf("--target-dns-servers: %v %+v", err, ts)
	}
	if _, err := targetServers([]string{`[{port:53}]`}); err == nil {
		t.Fatal("a target without an address was accepted")
	}
}
