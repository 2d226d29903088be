package managedidentity

import (
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{
		"id1": true, "my-identity_01": true, "0abc": true, "ABC": true, strings.Repeat("a", 128): true,
		"ab": false, strings.Repeat("a", 129): false, "-abc": false, "_abc": false, "a.b.c": false,
		"has space": false, "ünï": false, "": false,
	} {
		e := validName(name)
		if (e == nil) != ok {
			t.Errorf("%q: got %v, want ok=%v", name, e, ok)
		}
		if e != nil && (e.Code != "InvalidResourceName" || e.Status != 400 || !strings.Contains(e.Message, "3 to 128")) {
			t.Errorf("%q: error %+v does not say what is allowed", name, e)
		}
	}
}

func TestCheckLocation(t *testing.T) {
	for given, want := range map[string]string{"westus2": "westus2", "West US 2": "westus2", "EASTUS": "eastus"} {
		if got, e := checkLocation(given); e != nil || got != want {
			t.Errorf("%q: %q %v", given, got, e)
		}
	}
	if _, e := checkLocation(""); e == nil || e.Code != "LocationRequired" || e.Target != "location" {
		t.Errorf("empty: %v", e)
	}
	if _, e := checkLocation("moon"); e == nil || e.Code != "LocationNotAvailableForResourceType" || !strings.Contains(e.Message, "westus2") {
		t.Errorf("unknown: %v", e)
	}
}

func TestCheckIsolation(t *testing.T) {
	if s, e := checkIsolation("regional"); e != nil || s != IsolationRegional {
		t.Errorf("regional: %q %v", s, e)
	}
	if _, e := checkIsolation("Global"); e == nil || e.Code != "InvalidParameter" || !strings.Contains(e.Message, "'None' or 'Regional'") {
		t.Errorf("Global: %v", e)
	}
}

func TestHasIsolation(t *testing.T) {
	for v, want := range map[string]bool{"2024-11-30": true, "2025-01-31-preview": true, "2023-07-31-preview": false,
		"2022-01-31-preview": false, "2018-11-30": false, "": false} {
		if hasIsolation(v) != want {
			t.Errorf("%q: want %v", v, want)
		}
	}
}
