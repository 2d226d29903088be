package compute

import (
	"context"
	"log/slog"
	"net/netip"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/fabric"
	"github.com/aksbox/aksbox/internal/sandbox"
	"golang.org/x/crypto/ssh"
)

// Fabric is the part of the network fabric VMs need.
type Fabric interface {
	EnsureHost(id string, resolvConf []byte) (string, error)
	SetResolvConf(id string, resolvConf []byte) error
	RemoveHost(id string) error
	EnsureNIC(n fabric.NIC) error
	RemoveNIC(id string) error
	HostNamespace(id string) string
}

// SSHTarget is what the SSH gateway needs to know of a VM.
type SSHTarget struct {
	User   string
	Keys   []ssh.PublicKey
	Netns  string
	VMName string
	VMID   string
}

// Gateway serves SSH on public IPs; a nil target stops serving addr.
type Gateway interface {
	Set(addr netip.AddrPort, t *SSHTarget) error
}

// Machines runs VMs as machines of their own (package sandbox): boots and
// halts them, deletes their disks and runs scripts in them as root.
type Machines interface {
	Boot(ctx context.Context, s sandbox.Spec) error
	Halt(id string) error
	Remove(id string) error
	Run(ctx context.Context, id, script string, env []string) (stdout, stderr string, code int, err error)
}

// Provider serves Microsoft.Compute virtual machines.
type Provider struct {
	rec  *arm.Records
	fab  Fabric
	gw   Gateway
	mach Machines
	log  *slog.Logger
	vms  *arm.Kind
	ops  *arm.Operations
	deps arm.KindDeps
}

// New makes the provider.
func New(rec *arm.Records, fab Fabric, gw Gateway, vms Machines, log *slog.Logger) *Provider {
	p := &Provider{rec: rec, fab: fab, gw: gw, mach: vms, log: log}
	p.vms = &arm.Kind{Namespace: Namespace, Type: "virtualMachines", APIVersions: APIVersions,
		Build: p.buildVM, Realize: p.realizeVM, Unrealize: p.unrealizeVM, View: p.viewVM, Patch: p.patchVM, Normalize: normalizeVM}
	return p
}

// normalizeVM drops what Compute does not return of a VM body: an
// additionalCapabilities object with no capability in it (Terraform's
// azurerm provider always sends one, and reads a returned one as a block
// the configuration lacks).
func normalizeVM(sent map[string]any) {
	props, _ := sent["properties"].(map[string]any)
	if caps, ok := props["additionalCapabilities"].(map[string]any); ok {
		for _, v := range caps {
			if v != nil {
				return
			}
		}
		delete(props, "additionalCapabilities")
	}
}

// VMs is the virtual machine kind.
func (p *Provider) VMs() *arm.Kind { return p.vms }

// Realized lists the kinds of this provider that make things real, in the
// order they depend on each other (see arm.Kind.Resume).
func (p *Provider) Realized() []*arm.Kind { return []*arm.Kind{p.vms} }

// Routes registers the provider's endpoints: actions first, then the kind.
func (p *Provider) Routes(s *arm.Server, d arm.KindDeps) {
	p.ops, p.deps = d.Ops, d
	p.actionRoutes(s, d)
	p.vms.Serve(s, d)
}
