// Package networkwatcher serves Network Watcher's connectivity check
// (POST .../networkWatchers/{name}/connectivityCheck) for aksbox's VNets:
// from a VM it resolves the destination through the VNet's DNS, finds the
// network that holds the address, checks peering both ways and whether the
// address is a private endpoint, and probes the port from inside the VM.
// Every hop that fails says why and what would fix it.
package networkwatcher

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/providers/network"
)

// Fabric is what the check needs of the network fabric.
type Fabric interface {
	HostNamespace(id string) string
	Do(ns string, fn func() error) error
}

// Provider serves the connectivity check.
type Provider struct {
	rec *arm.Records
	fab Fabric
	log *slog.Logger
	dnr Resolvers
}

// Resolvers is what the DNS Private Resolver provider tells about DNS in
// a VNet (see UseResolvers).
type Resolvers interface {
	ExplainForwarding(vnetID, name string) string
	InboundEndpointAt(ctx context.Context, ip string) (vnetID, endpoint string, ok bool)
}

// UseResolvers lets explanations name inbound endpoints and forwarding rules.
func (p *Provider) UseResolvers(r Resolvers) { p.dnr = r }

// New makes the provider.
func New(rec *arm.Records, fab Fabric, log *slog.Logger) *Provider {
	return &Provider{rec: rec, fab: fab, log: log}
}

// Routes registers the connectivity check for any watcher name: every
// region has its watcher (NetworkWatcher_<region>) as Azure enables them.
func (p *Provider) Routes(s *arm.Server, d arm.KindDeps, versions []string) {
	s.Handle(arm.Route{Pattern: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkWatchers/{watcher}/connectivityCheck",
		Methods: []string{http.MethodPost}, APIVersions: versions, Handler: d.Guard("Microsoft.Network", p.check)})
}

// request is a ConnectivityParameters body.
type request struct {
	Source struct {
		ResourceID string `json:"resourceId"`
	} `json:"source"`
	Destination struct {
		ResourceID string `json:"resourceId"`
		Address    string `json:"address"`
		Port       int    `json:"port"`
	} `json:"destination"`
	Protocol string `json:"protocol"`
}

// Hop is a ConnectivityHop.
type Hop struct {
	Type       string   `json:"type"`
	ID         string   `json:"id"`
	Address    string   `json:"address"`
	ResourceID string   `json:"resourceId"`
	NextHopIDs []string `json:"nextHopIds"`
	Issues     []Issue  `json:"issues"`
}

// Issue is a ConnectivityIssue.
type Issue struct {
	Origin   string              `json:"origin"`
	Severity string              `json:"severity"`
	Type     string              `json:"type"`
	Context  []map[string]string `json:"context"`
}

// Result is ConnectivityInformation.
type Result struct {
	Hops             []*Hop `json:"hops"`
	ConnectionStatus string `json:"connectionStatus"`
	AvgLatencyInMs   int    `json:"avgLatencyInMs"`
	MinLatencyInMs   int    `json:"minLatencyInMs"`
	MaxLatencyInMs   int    `json:"maxLatencyInMs"`
	ProbesSent       int    `json:"probesSent"`
	ProbesFailed     int    `json:"probesFailed"`
}

func issue(typ, detail string) Issue {
	return Issue{Origin: "Outbound", Severity: "Error", Type: typ, Context: []map[string]string{{"detail": detail}}}
}

func (p *Provider) check(w http.ResponseWriter, r *arm.Request) error {
	var in request
	if err := r.Decode(&in); err != nil {
		return err
	}
	if in.Destination.Address == "" && in.Destination.ResourceID == "" {
		return arm.InvalidParameter("destination.address", "The connectivity check needs destination.address (an IP address or a host name) or destination.resourceId.")
	}
	if in.Destination.Port < 1 || in.Destination.Port > 65535 {
		return arm.InvalidParameter("destination.port", "The destination port %d is invalid: use 1 to 65535 (e.g. 443).", in.Destination.Port)
	}
	if p := strings.ToLower(in.Protocol); p != "" && p != "tcp" {
		return arm.InvalidParameter("protocol", "The protocol '%s' is not supported: aksbox checks TCP.", in.Protocol)
	}
	src, err := p.source(r.Context(), in.Source.ResourceID)
	if err != nil {
		return err
	}
	res := p.trace(r.Context(), src, in.Destination.Address, in.Destination.Port)
	arm.WriteJSON(w, http.StatusOK, res)
	return nil
}

// vm is the source of a check: a VM, its first NIC's address and network.
type vm struct {
	id, ns, vnet, power string
	ip                  netip.Addr
	dns                 []string // custom DNS servers the VM asks (none: Azure-provided DNS)
}

func (p *Provider) source(ctx context.Context, id string) (*vm, error) {
	sid, err := arm.ParseID(id)
	if err != nil || !strings.EqualFold(sid.Type(), "Microsoft.Compute/virtualMachines") {
		return nil, arm.InvalidParameter("source.resourceId", "The source '%s' is not a virtual machine's resource ID.", id)
	}
	st, err := p.rec.Get(ctx, sid.String())
	if err != nil {
		return nil, arm.InvalidParameter("source.resourceId", "The source VM %s was not found.", id)
	}
	var v struct {
		ID         string `json:"id"`
		Properties struct {
			NetworkProfile struct {
				NetworkInterfaces []struct {
					ID string `json:"id"`
				} `json:"networkInterfaces"`
			} `json:"networkProfile"`
		} `json:"properties"`
	}
	var internal struct {
		Power string `json:"power"`
	}
	_ = arm.Decode(st, &v)
	_ = json.Unmarshal(st.Internal, &internal)
	if len(v.Properties.NetworkProfile.NetworkInterfaces) == 0 {
		return nil, arm.InvalidParameter("source.resourceId", "The source VM %s has no network interface.", id)
	}
	nic, err := p.rec.Get(ctx, v.Properties.NetworkProfile.NetworkInterfaces[0].ID)
	if err != nil {
		return nil, fmt.Errorf("reading the source VM's network interface: %w", err)
	}
	var n network.NIC
	_ = arm.Decode(nic, &n)
	if len(n.Properties.IPConfigurations) == 0 || n.Properties.IPConfigurations[0].Properties.Subnet == nil {
		return nil, fmt.Errorf("the source VM's network interface has no address")
	}
	ipc := n.Properties.IPConfigurations[0].Properties
	subnet, _ := arm.ParseID(ipc.Subnet.ID)
	ip, _ := netip.ParseAddr(ipc.PrivateIPAddress)
	servers, err := network.DNSServersOf(ctx, p.rec, &n)
	if err != nil {
		return nil, err
	}
	return &vm{id: v.ID, ns: p.fab.HostNamespace(v.ID), vnet: subnet.Parent().String(), power: internal.Power, ip: ip, dns: servers}, nil
}

// Catalog is the network watcher type of Microsoft.Network, which takes
// the network provider's api-versions.
func Catalog(versions []string) arm.Namespace {
	return arm.Namespace{Name: "Microsoft.Network", Types: []arm.ResourceType{{Name: "networkWatchers", APIVersions: versions}}}
}
