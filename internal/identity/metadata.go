package identity

import (
	"fmt"
	"net/http"
	"time"
)

// cloudAuthentication is the "authentication" object of a cloud.
type cloudAuthentication struct {
	LoginEndpoint    string   `json:"loginEndpoint"`
	Audiences        []string `json:"audiences"`
	Tenant           string   `json:"tenant,omitempty"`
	IdentityProvider string   `json:"identityProvider,omitempty"`
}

// cloudSuffixes are the DNS suffixes of a cloud's data-plane services.
type cloudSuffixes struct {
	AzureDataLakeStoreFileSystem        string `json:"azureDataLakeStoreFileSystem"`
	AcrLoginServer                      string `json:"acrLoginServer"`
	SQLServerHostname                   string `json:"sqlServerHostname"`
	AzureDataLakeAnalyticsCatalogAndJob string `json:"azureDataLakeAnalyticsCatalogAndJob"`
	KeyVaultDNS                         string `json:"keyVaultDns"`
	Storage                             string `json:"storage"`
	AzureFrontDoorEndpointSuffix        string `json:"azureFrontDoorEndpointSuffix"`
	StorageSyncEndpointSuffix           string `json:"storageSyncEndpointSuffix"`
	MhsmDNS                             string `json:"mhsmDns"`
	MysqlServerEndpoint                 string `json:"mysqlServerEndpoint"`
	PostgresqlServerEndpoint            string `json:"postgresqlServerEndpoint"`
	MariadbServerEndpoint               string `json:"mariadbServerEndpoint"`
	SynapseAnalytics                    string `json:"synapseAnalytics"`
	AttestationEndpoint                 string `json:"attestationEndpoint"`
}

// cloudMetadata is one cloud as ARM's /metadata/endpoints describes it
// (api-version 2019-05-01 and later). Azure CLI maps these keys by name,
// case-sensitively, so "ossrdbmsResourceId" is spelled as ARM spells it.
type cloudMetadata struct {
	Portal                                string              `json:"portal"`
	Authentication                        cloudAuthentication `json:"authentication"`
	Media                                 string              `json:"media"`
	GraphAudience                         string              `json:"graphAudience"`
	Graph                                 string              `json:"graph"`
	Name                                  string              `json:"name"`
	Suffixes                              cloudSuffixes       `json:"suffixes"`
	Batch                                 string              `json:"batch"`
	ResourceManager                       string              `json:"resourceManager"`
	VMImageAliasDoc                       string              `json:"vmImageAliasDoc"`
	ActiveDirectoryDataLake               string              `json:"activeDirectoryDataLake"`
	SQLManagement                         string              `json:"sqlManagement"`
	Gallery                               string              `json:"gallery"`
	MicrosoftGraphResourceID              string              `json:"microsoftGraphResourceId"`
	AppInsightsResourceID                 string              `json:"appInsightsResourceId"`
	AppInsightsTelemetryChannelResourceID string              `json:"appInsightsTelemetryChannelResourceId"`
	AttestationResourceID                 string              `json:"attestationResourceId"`
	SynapseAnalyticsResourceID            string              `json:"synapseAnalyticsResourceId"`
	LogAnalyticsResourceID                string              `json:"logAnalyticsResourceId"`
	OSSRDBMSResourceID                    string              `json:"ossrdbmsResourceId"`
}

// legacyMetadata is the api-version 2015-01-01 (and no api-version) form
// read by Azure Stack tooling and go-autorest's EnvironmentFromURL.
type legacyMetadata struct {
	GalleryEndpoint string              `json:"galleryEndpoint"`
	GraphEndpoint   string              `json:"graphEndpoint"`
	PortalEndpoint  string              `json:"portalEndpoint"`
	Authentication  cloudAuthentication `json:"authentication"`
}

// offlineSuffix replaces Azure's public DNS domains in the suffixes, so a
// client building a data-plane host name fails fast in DNS instead of
// reaching for the internet.
const offlineSuffix = "aksbox.invalid"

// cloud returns the metadata of the aksbox cloud. Everything a client calls
// (ARM, portal, gallery, Graph) points at BaseURL, so stray calls land on
// aksbox; data-plane suffixes end in .aksbox.invalid; pure token resource
// identifiers of services aksbox does not emulate keep Azure's public values.
func (is *Issuer) cloud() cloudMetadata {
	root := is.base + "/"
	graph := root + "graph/"
	return cloudMetadata{
		Portal: root + "portal",
		Authentication: cloudAuthentication{
			LoginEndpoint: is.LoginEndpoint(), Audiences: is.Audiences(), Tenant: "adfs", IdentityProvider: "ADFS",
		},
		Media:         "https://rest.media.azure.net",
		GraphAudience: graph,
		Graph:         graph,
		Name:          is.cloudName,
		Suffixes: cloudSuffixes{
			AzureDataLakeStoreFileSystem:        "azuredatalakestore." + offlineSuffix,
			AcrLoginServer:                      "azurecr." + offlineSuffix,
			SQLServerHostname:                   "database." + offlineSuffix,
			AzureDataLakeAnalyticsCatalogAndJob: "azuredatalakeanalytics." + offlineSuffix,
			KeyVaultDNS:                         "vault." + offlineSuffix,
			Storage:                             "core." + offlineSuffix,
			AzureFrontDoorEndpointSuffix:        "azurefd." + offlineSuffix,
			StorageSyncEndpointSuffix:           "afs." + offlineSuffix,
			MhsmDNS:                             "managedhsm." + offlineSuffix,
			MysqlServerEndpoint:                 "mysql.database." + offlineSuffix,
			PostgresqlServerEndpoint:            "postgres.database." + offlineSuffix,
			MariadbServerEndpoint:               "mariadb.database." + offlineSuffix,
			SynapseAnalytics:                    "dev.azuresynapse." + offlineSuffix,
			AttestationEndpoint:                 "attest." + offlineSuffix,
		},
		Batch:                                 "https://batch.core.windows.net/",
		ResourceManager:                       root,
		VMImageAliasDoc:                       root + "metadata/vm-image-aliases",
		ActiveDirectoryDataLake:               "https://datalake.azure.net/",
		SQLManagement:                         "https://management.core.windows.net:8443/",
		Gallery:                               root,
		MicrosoftGraphResourceID:              graph,
		AppInsightsResourceID:                 "https://api.applicationinsights.io",
		AppInsightsTelemetryChannelResourceID: "https://dc.applicationinsights.azure.com/v2/track",
		AttestationResourceID:                 "https://attest.azure.net",
		SynapseAnalyticsResourceID:            "https://dev.azuresynapse.net",
		LogAnalyticsResourceID:                "https://api.loganalytics.io",
		OSSRDBMSResourceID:                    "https://ossrdbms-aad.database.windows.net",
	}
}

// metadataForm is the shape of the /metadata/endpoints answer.
type metadataForm int

const (
	formLegacy metadataForm = iota // single object, 2015-01-01 fields
	formArray                      // array of clouds (2019-05-01 ... 2022-08-xx)
	formSingle                     // single cloud object (2022-09-01 and later)
)

// metadataFormFor maps an api-version to the answer's shape. Versions sort
// as dates; "-preview" suffixes sort after their date, which is harmless.
// Azure CLI iterates over the answer, so ARM_CLOUD_METADATA_URL must ask for
// an array form (api-version=2019-05-01); the 2022-09-01 single object is what
// go-azure-sdk (Terraform's metadata_host) reads, as with real ARM.
func metadataFormFor(apiVersion string) (metadataForm, bool) {
	switch {
	case apiVersion == "" || apiVersion == "1.0":
		return formLegacy, true
	case len(apiVersion) < 10:
		return 0, false
	}
	if _, err := time.Parse("2006-01-02", apiVersion[:10]); err != nil {
		return 0, false
	}
	switch {
	case apiVersion < "2016-01-01":
		return formLegacy, true
	case apiVersion < "2022-09-01":
		return formArray, true
	default:
		return formSingle, true
	}
}

func (is *Issuer) handleMetadata(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query().Get("api-version")
	form, ok := metadataFormFor(v)
	if !ok {
		writeJSONWith(w, http.StatusBadRequest, map[string]any{"error": map[string]string{
			"code": "InvalidApiVersionParameter",
			"message": fmt.Sprintf("The api-version '%s' is invalid. The supported versions are "+
				"'2022-09-01,2020-06-01,2019-05-01,2015-01-01,1.0'.", v),
		}}, "no-store")
		return
	}
	c := is.cloud()
	switch form {
	case formLegacy:
		writeJSONCached(w, legacyMetadata{
			GalleryEndpoint: c.Gallery,
			GraphEndpoint:   c.Graph,
			PortalEndpoint:  c.Portal,
			Authentication:  cloudAuthentication{LoginEndpoint: c.Authentication.LoginEndpoint, Audiences: c.Authentication.Audiences},
		})
	case formArray:
		writeJSONCached(w, []cloudMetadata{c})
	default:
		c.Authentication = is.aadAuthentication()
		writeJSONCached(w, c)
	}
}

// aadAuthentication is the authority of the single-cloud form
// (api-version 2022-09-01 and later), which go-azure-sdk and so Terraform's
// azurerm provider read through metadata_host. They take any cloud whose
// identity provider is not AAD, or whose tenant is not "common", for Azure
// Stack and refuse it, so this form names the AAD-shaped authority: the
// token endpoint <loginEndpoint>/<tenant>/oauth2/v2.0/token, which the issuer
// serves beside the ADFS one. The loginEndpoint has no trailing slash so
// that path has no empty segment. The array form keeps the ADFS authority,
// which Azure CLI needs to sign in without instance discovery.
func (is *Issuer) aadAuthentication() cloudAuthentication {
	return cloudAuthentication{LoginEndpoint: is.base, Audiences: is.Audiences(), Tenant: "common", IdentityProvider: "AAD"}
}
