package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
)

// hostNamePattern is az's validate_linux_host_name (RFC 1123).
var hostNamePattern = regexp.MustCompile(`^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9]))*$`)

var k8sVersionPattern = regexp.MustCompile(`^[v|V]?(\d+\.\d+(?:\.\d+)?)$`)

// normalizeK8sVersion is az's validate_k8s_version: "v1.29.2" is 1.29.2.
func normalizeK8sVersion(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	m := k8sVersionPattern.FindStringSubmatch(v)
	if m == nil {
		return "", errors.New(`--kubernetes-version should be the full version number or major.minor version number, such as "1.7.12" or "1.7"`)
	}
	return m[1], nil
}

// checkNodepoolName is az's validate_nodepool_name.
func checkNodepoolName(n string) error {
	if len(n) > 12 {
		return errors.New("--nodepool-name can contain at most 12 characters")
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return errors.New("--nodepool-name should contain only alphanumeric characters")
		}
	}
	if n == "" {
		return errors.New("--nodepool-name should contain only alphanumeric characters")
	}
	return nil
}

var dnsUnsafe = regexp.MustCompile(`[^A-Za-z0-9-]`)

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// defaultDNSPrefix is az's _get_default_dns_prefix: up to 10 characters of
// the cluster name (starting with a letter), 16 of the group, and the
// first 6 of the subscription ID.
func defaultDNSPrefix(name, rg, subscription string) string {
	namePart := prefix(dnsUnsafe.ReplaceAllString(name, ""), 10)
	if namePart == "" || !(namePart[0] >= 'a' && namePart[0] <= 'z' || namePart[0] >= 'A' && namePart[0] <= 'Z') {
		namePart = prefix("a"+namePart, 10)
	}
	rgPart := prefix(dnsUnsafe.ReplaceAllString(rg, ""), 16)
	return namePart + "-" + rgPart + "-" + prefix(subscription, 6)
}

// aksSSHKey is az's validate_ssh_key: --ssh-key-value is a public key file
// (default ~/.ssh/id_rsa.pub) or a key; a missing file is generated with
// --generate-ssh-keys. A file's contents are used as they are.
func aksSSHKey(value string, generate bool, home string) (string, []string, error) {
	key, warnings, err := sshKey(value, generate, home)
	if errors.Is(err, errNoSSHKey) {
		return "", nil, fmt.Errorf("Provided ssh key (%s) is invalid or non-existent", keyPath(value, home))
	}
	return key, warnings, err
}

// addonNames maps az's --enable-addons names to the API's add-on keys.
var addonNames = map[string]string{
	"http_application_routing": "httpApplicationRouting", "kube-dashboard": "kubeDashboard", "azure-policy": "azurepolicy",
	"virtual-node": "aciConnectorLinux", "confcom": "ACCSGXDevicePlugin", "open-service-mesh": "openServiceMesh",
	"azure-keyvault-secrets-provider": "azureKeyvaultSecretsProvider",
}

// addonProfiles is az's _handle_addons_args for the add-ons that need
// nothing outside the cluster.
func addonProfiles(list, aciSubnet, vnetSubnetID string) (map[string]*armcontainerservice.ManagedClusterAddonProfile, error) {
	profiles := map[string]*armcontainerservice.ManagedClusterAddonProfile{}
	var unknown []string
	for _, addon := range strings.Split(list, ",") {
		if list == "" {
			break
		}
		key, ok := addonNames[addon]
		switch {
		case addon == "monitoring" || addon == "ingress-appgw":
			return nil, fmt.Errorf("the %s add-on needs Azure services outside the cluster that aksbox does not provide", addon)
		case !ok:
			unknown = append(unknown, addon)
			continue
		}
		p := &armcontainerservice.ManagedClusterAddonProfile{Enabled: to.Ptr(true)}
		switch addon {
		case "virtual-node":
			if aciSubnet == "" || vnetSubnetID == "" {
				return nil, errors.New(`"--enable-addons virtual-node" requires "--aci-subnet-name" and "--vnet-subnet-id".`)
			}
			p.Config = map[string]*string{"SubnetName": to.Ptr(aciSubnet)}
		case "confcom":
			p.Config = map[string]*string{"ACCSGXQuoteHelperEnabled": to.Ptr("false")}
		case "open-service-mesh":
			p.Config = map[string]*string{}
		case "azure-keyvault-secrets-provider":
			p.Config = map[string]*string{"enableSecretRotation": to.Ptr("false"), "rotationPollInterval": to.Ptr("2m")}
		}
		profiles[key] = p
	}
	if len(unknown) > 0 {
		verb := "is"
		if len(unknown) > 1 {
			verb = "are"
		}
		return nil, fmt.Errorf(`"%s" %s not recognized by the --enable-addons argument.`, strings.Join(unknown, ","), verb)
	}
	return profiles, nil
}
