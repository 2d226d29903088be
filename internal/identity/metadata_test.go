package identity

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestMetadataEndpoints(t *testing.T) {
	f := newFixture(t, testBase)
	tests := []struct {
		apiVersion string
		wantStatus int
		wantForm   string // "legacy", "array", "single"
	}{
		{"", 200, "legacy"},
		{"1.0", 200, "legacy"},
		{"2015-01-01", 200, "legacy"},
		{"2018-01-01", 200, "array"},
		{"2019-05-01", 200, "array"},
		{"2020-06-01", 200, "array"},
		{"2022-09-01", 200, "single"},
		{"2023-11-01-preview", 200, "single"},
		{"latest", 400, ""},
	}
	for _, tc := range tests {
		t.Run("api-version="+tc.apiVersion, func(t *testing.T) {
			path := "/metadata/endpoints"
			if tc.apiVersion != "" {
				path += "?api-version=" + tc.apiVersion
			}
			rec := f.get(t, path)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			raw := rec.Body.Bytes()
			switch tc.wantForm {
			case "":
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code != "InvalidApiVersionParameter" {
					t.Errorf("error body %s", raw)
				}
			case "legacy":
				m := decode(t, raw)
				auth, _ := m["authentication"].(map[string]any)
				if m["galleryEndpoint"] == nil || m["graphEndpoint"] == nil || m["portalEndpoint"] == nil ||
					auth["loginEndpoint"] != testBase+"/adfs" || auth["audiences"] == nil {
					t.Errorf("legacy form: %s", raw)
				}
			case "array":
				var clouds []map[string]any
				if err := json.Unmarshal(raw, &clouds); err != nil || len(clouds) != 1 {
					t.Fatalf("want an array of one cloud: %s (%v)", raw, err)
				}
				checkCloud(t, clouds[0], testBase+"/adfs", "adfs", "ADFS")
			case "single":
				checkCloud(t, decode(t, raw), testBase, "common", "AAD")
			}
		})
	}
}

// checkCloud checks the keys Azure CLI 2.45 (_arm_to_cli_mapper, which
// indexes some of them without a default) and go-azure-sdk read, and the
// authority the form names: ADFS for az's array form, AAD for the single
// form go-azure-sdk reads (it refuses any other as Azure Stack).
func checkCloud(t *testing.T, c map[string]any, login, tenant, provider string) {
	t.Helper()
	if c["name"] != DefaultCloudName || c["name"] == "AzureCloud" {
		t.Errorf("name = %v", c["name"])
	}
	if c["resourceManager"] != testBase+"/" {
		t.Errorf("resourceManager = %v", c["resourceManager"])
	}
	auth, _ := c["authentication"].(map[string]any)
	auds, _ := auth["audiences"].([]any)
	if auth["loginEndpoint"] != login || len(auds) == 0 || auds[0] != testBase+"/" ||
		auth["tenant"] != tenant || auth["identityProvider"] != provider {
		t.Errorf("authentication = %v", auth)
	}
	for _, k := range []string{"portal", "media", "graphAudience", "graph", "batch", "vmImageAliasDoc", "activeDirectoryDataLake",
		"sqlManagement", "gallery", "microsoftGraphResourceId", "appInsightsResourceId", "appInsightsTelemetryChannelResourceId",
		"attestationResourceId", "synapseAnalyticsResourceId", "logAnalyticsResourceId", "ossrdbmsResourceId"} {
		if s, _ := c[k].(string); s == "" {
			t.Errorf("cloud lacks %q", k)
		}
	}
	suffixes, _ := c["suffixes"].(map[string]any)
	for _, k := range []string{"storage", "keyVaultDns", "sqlServerHostname", "acrLoginServer", "mhsmDns",
		"mysqlServerEndpoint", "postgresqlServerEndpoint", "mariadbServerEndpoint", "azureDataLakeStoreFileSystem",
		"azureDataLakeAnalyticsCatalogAndJob", "synapseAnalytics", "attestationEndpoint", "storageSyncEndpointSuffix",
		"azureFrontDoorEndpointSuffix"} {
		if s, _ := suffixes[k].(string); s == "" {
			t.Errorf("suffixes lack %q", k)
		}
	}
}

func TestMetadataCloudName(t *testing.T) {
	d := mustDirectory(t, t.TempDir()+"/d.json")
	is, err := NewIssuer(Config{Dir: t.TempDir(), BaseURL: testBase, Directory: d, CloudName: "Custom"})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorderGet(is.Handler(), "/metadata/endpoints?api-version=2022-09-01")
	if rec.Code != http.StatusOK || decode(t, rec.Body.Bytes())["name"] != "Custom" {
		t.Errorf("cloud name not configurable: %s", rec.Body)
	}
}
