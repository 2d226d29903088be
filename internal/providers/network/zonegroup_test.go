package network

import "testing"

func TestRecordName(t *testing.T) {
	for _, c := range []struct{ fqdn, zone, want string }{
		{"myreg.azurecr.io", "privatelink.azurecr.io", "myreg"},
		{"myreg.westus2.data.azurecr.io", "privatelink.azurecr.io", "myreg.westus2.data"},
		{"seed-1.0000.privatelink.westus2.azmk8s.io", "0000.privatelink.westus2.azmk8s.io", "seed-1"},
		{"myreg.azurecr.io", "privatelink.blob.core.windows.net", ""},
		{"myreg.privatelink.azurecr.io", "privatelink.azurecr.io", "myreg"},
		{"x.contoso.com", "contoso.com", "x"},
	} {
		if got := recordName(c.fqdn, c.zone); got != c.want {
			t.Errorf("recordName(%q, %q) = %q, want %q", c.fqdn, c.zone, got, c.want)
		}
	}
}
