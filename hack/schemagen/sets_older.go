//go:build older

package main

// The older versions of modules whose newest version the default build
// reads (one version of a module per build):
//
//	go run -tags older -modfile older.mod . OUTDIR

import (
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dnsresolver/armdnsresolver"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/privatedns/armprivatedns"
)

const sdk = "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/"

func sets() []set {
	return []set{
		privateDNS("2020-06-01", "armprivatedns@v1.2.0", armprivatedns.PrivateZone{}, armprivatedns.VirtualNetworkLink{}, armprivatedns.RecordSet{}),
		resolver("2022-07-01", "armdnsresolver@v1.2.0", map[string]any{"dnsResolvers": armdnsresolver.DNSResolver{}, "dnsResolvers/inboundEndpoints": armdnsresolver.InboundEndpoint{}, "dnsResolvers/outboundEndpoints": armdnsresolver.OutboundEndpoint{}, "dnsForwardingRulesets": armdnsresolver.DNSForwardingRuleset{}, "dnsForwardingRulesets/forwardingRules": armdnsresolver.ForwardingRule{}, "dnsForwardingRulesets/virtualNetworkLinks": armdnsresolver.VirtualNetworkLink{}}),
		identity("2023-01-31", "armmsi@v1.2.0", armmsi.Identity{}),
	}
}
