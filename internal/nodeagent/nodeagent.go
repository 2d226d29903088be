// Package nodeagent is the agent of each agent-pool node: a kubelet stand-in
// that speaks the Kubernetes REST API directly (net/http and encoding/json).
//
// It reaches the API server the way a real node does: the server's host name
// (the private FQDN of the cluster) is resolved through the DNS of the node's
// virtual network and every connection is opened from the node's network
// namespace through Config.Dial. Once connected it registers the Node, keeps
// its Lease in kube-node-lease fresh, posts node status heartbeats, and
// simulates the pods bound to the node: each one gets an IP from the node's
// pod range and is reported Running and Ready with one running container per
// container in its spec. No container is actually started. A pod being deleted
// is finished off with a zero grace period, as the kubelet does once its
// containers have stopped.
//
// The agent never gives up on transient errors; it retries with backoff until
// its context ends. It never deletes its Node: when the agent stops, the
// control plane marks the node NotReady once the lease expires.
package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"sync"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultDNS            = "168.63.129.16:53"
	DefaultLeaseDuration  = 40 * time.Second
	DefaultStatusInterval = time.Minute
	DefaultKubeletVersion = "v1.33.13"

	leaseNamespace = "kube-node-lease"
	kubeletPort    = 10250
)

// Config describes one node and how it reaches its cluster's API server.
type Config struct {
	// Server is the API server URL, https://<private FQDN>:443. Its host name
	// is resolved through DNS (via Dial) on every new connection.
	Server string
	// CA is the PEM of the cluster CA; Cert and Key the PEM client certificate
	// (CN=system:node:<NodeName>, O=system:nodes) and its key.
	CA        []byte
	Cert, Key []byte

	NodeName string
	NodeIP   netip.Addr
	// PodRange holds the addresses handed to pods of this node (its network
	// address, first address and last address are never used).
	PodRange netip.Prefix
	// PodCIDR is set as spec.podCIDR of the Node when the cluster uses
	// kubenet ("" otherwise).
	PodCIDR string
	// ProviderID is set as spec.providerID of the Node when not empty, e.g.
	// azure:///subscriptions/.../virtualMachineScaleSets/<vmss>/virtualMachines/0.
	ProviderID string
	// Labels of the Node, e.g. agentpool, kubernetes.azure.com/agentpool,
	// node.kubernetes.io/instance-type. The labels the kubelet always sets
	// (kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch and their
	// beta forms) are added unless given here.
	Labels         map[string]string
	KubeletVersion string // default DefaultKubeletVersion
	// Capacity of the node (cpu, memory, pods, ephemeral-storage, ...);
	// resources not given default to those of a Standard_DS2_v2 node.
	Capacity map[string]string
	// Allocatable overrides the allocatable amount of a resource. A resource
	// given in Capacity but not here is allocatable in full; one in neither
	// gets the default allocatable amount of a Standard_DS2_v2 node.
	Allocatable map[string]string

	// Dial opens connections from the node's network namespace: TCP to the
	// API server, UDP or TCP to DNS. Default: the host's namespace, which
	// reaches loopback addresses only (a public cluster's public IP); every
	// other destination is refused, never sent from the host.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// DNS is the server (host:port) that resolves Server's host name, reached
	// through Dial. Default DefaultDNS. Nameservers, when set, replaces it.
	DNS string
	// Nameservers lists the node's name servers (host:port), asked in order
	// and read anew on every lookup, as a node reads its resolv.conf: a
	// change of the VNet's DNS servers reaches a running agent.
	Nameservers func() []string
	Log         *slog.Logger // default: discard

	// Registries, when set, makes the node pull images of the cloud's
	// registries before it reports their pods running (see Registries);
	// nil: every image counts as present.
	Registries *Registries
	// PullBackoff is the first wait after a failed pull, doubled after
	// each failure up to 5 minutes; default DefaultPullBackoff.
	PullBackoff time.Duration

	LeaseDuration  time.Duration // default DefaultLeaseDuration; renewed every quarter of it
	StatusInterval time.Duration // node status heartbeat, default DefaultStatusInterval
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	u, err := url.Parse(c.Server)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("server: %w", err))
	case u.Scheme != "https" || u.Hostname() == "":
		errs = append(errs, fmt.Errorf("server %q: want https://host[:port]", c.Server))
	}
	if c.NodeName == "" {
		errs = append(errs, errors.New("node name is required"))
	}
	if !c.NodeIP.IsValid() {
		errs = append(errs, errors.New("node IP is required"))
	}
	if !c.PodRange.IsValid() {
		errs = append(errs, errors.New("pod range is required"))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("nodeagent config: %w", errors.Join(errs...))
	}
	c.PodRange = c.PodRange.Masked()
	if c.KubeletVersion == "" {
		c.KubeletVersion = DefaultKubeletVersion
	}
	if c.Dial == nil {
		c.Dial = HostDial
	}
	if c.DNS == "" {
		c.DNS = DefaultDNS
	}
	if c.Nameservers == nil {
		dns := c.DNS
		c.Nameservers = func() []string { return []string{dns} }
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.LeaseDuration <= 0 {
		c.LeaseDuration = DefaultLeaseDuration
	}
	if c.StatusInterval <= 0 {
		c.StatusInterval = DefaultStatusInterval
	}
	if c.PullBackoff <= 0 {
		c.PullBackoff = DefaultPullBackoff
	}
	return c, nil
}

// Run runs the agent of one node until ctx ends, then returns nil. It
// returns an error only for an invalid Config; API server and network errors
// are retried with backoff.
func Run(ctx context.Context, c Config) error {
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	defer api.close()
	pull, err := newPuller(c, newDialer(c))
	if err != nil {
		return err
	}
	defer pull.close()
	a := newAgent(c, api)
	a.pull = pull
	a.log.Info("node agent starting", "server", c.Server)
	if !a.registerUntilDone(ctx) {
		return nil
	}
	var wg sync.WaitGroup
	wg.Go(func() { a.leaseLoop(ctx) })
	wg.Go(func() { a.statusLoop(ctx) })
	wg.Go(func() { a.podLoop(ctx) })
	wg.Wait()
	a.log.Info("node agent stopped")
	return nil
}

// agent is the state shared by the loops of one running node agent.
type agent struct {
	c      Config
	api    *client
	log    *slog.Logger
	ips    *ipPool
	pull   *puller
	bootID string // new on every start, as after a reboot
	kernel string

	// statusNow asks the status loop to post at once (buffered, size 1).
	statusNow chan struct{}

	mu      sync.Mutex
	nodeUID string // of the registered Node, for the Lease's owner reference
}

func newAgent(c Config, api *client) *agent {
	return &agent{
		c:         c,
		api:       api,
		log:       c.Log.With("node", c.NodeName),
		ips:       newIPPool(c.PodRange),
		bootID:    randomUUID(),
		kernel:    kernelVersion(),
		statusNow: make(chan struct{}, 1),
	}
}

// requestStatus makes the status loop post the node status at once.
func (a *agent) requestStatus() {
	select {
	case a.statusNow <- struct{}{}:
	default:
	}
}

// HostDial dials from the host's namespace, to loopback addresses only:
// the host has no route into any VNet, so anything else would leave the
// machine. It fails closed. Everything that dials from the host for a
// node (its agent, the readiness probe of a public cluster) uses it.
func HostDial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("refusing to dial %s from the host's network namespace: a node reaches only loopback addresses from there", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
