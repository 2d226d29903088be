package containerregistry

import "testing"

func TestNameProblem(t *testing.T) {
	for name, ok := range map[string]bool{
		"abcde": true, "MyRegistry01": true, "abcd": false, "ab-cd-e": false, "ab_cdef": false,
		"a2345678901234567890123456789012345678901234567890": true, "a23456789012345678901234567890123456789012345678901": false,
	} {
		if got := nameProblem(name) == ""; got != ok {
			t.Errorf("nameProblem(%q) ok = %v, want %v", name, got, ok)
		}
	}
}

func TestFeaturesBySKU(t *testing.T) {
	r := &Registry{SKU: SKU{Name: Basic}, Properties: Properties{PublicNetworkAccess: "Disabled", AnonymousPullEnabled: true, DataEndpointEnabled: true}}
	errs := checkFeatures(r)
	codes := map[string]bool{}
	for _, e := range errs {
		codes[e.Code] = true
	}
	if !codes["DisablingPublicNetworkAccessNotSupported"] || !codes["StandardSkuRequired"] || !codes["PremiumSkuRequired"] {
		t.Errorf("Basic with Premium features: %v", errs)
	}
	r.SKU.Name = Premium
	if errs := checkFeatures(r); len(errs) != 0 {
		t.Errorf("Premium refused: %v", errs)
	}
}
