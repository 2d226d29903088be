// Package compute is the Microsoft.Compute provider: virtual machines, each
// a network namespace with its NICs in their subnets, reachable by SSH
// through its public IP, with power operations and run-command.
package compute

import (
	"encoding/json"

	"github.com/aksbox/aksbox/internal/arm"
)

// Namespace of this provider.
const Namespace = "Microsoft.Compute"

// APIVersions accepted for virtual machines (az 2.45 uses 2022-08-01; the
// Azure SDK for Go armcompute v6 uses 2024-11-01).
var APIVersions = []string{
	"2025-04-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-09-01", "2023-07-01", "2023-03-01",
	"2022-11-01", "2022-08-01", "2022-03-01", "2021-11-01", "2021-07-01", "2021-03-01",
}

// ServiceAPIVersion is the api-version the cloud's own services (AKS, the
// container registry) use to make this provider's resources through the
// front door.
const ServiceAPIVersion = "2024-07-01"

// VM is a virtual machine as ARM returns it.
type VM struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags,omitempty"`
	Zones      []string          `json:"zones,omitempty"`
	Properties VMProperties      `json:"properties"`
}

// VMProperties are a virtual machine's properties.
type VMProperties struct {
	ProvisioningState string          `json:"provisioningState,omitempty"`
	VMID              string          `json:"vmId,omitempty"`
	TimeCreated       string          `json:"timeCreated,omitempty"`
	HardwareProfile   *Hardware       `json:"hardwareProfile,omitempty"`
	StorageProfile    json.RawMessage `json:"storageProfile,omitempty"`
	OSProfile         *OSProfile      `json:"osProfile,omitempty"`
	NetworkProfile    *NetworkProfile `json:"networkProfile,omitempty"`
	InstanceView      *InstanceView   `json:"instanceView,omitempty"`
}

// Hardware is the VM size.
type Hardware struct {
	VMSize string `json:"vmSize"`
}

// OSProfile holds the admin user and its keys.
type OSProfile struct {
	ComputerName       string       `json:"computerName,omitempty"`
	AdminUsername      string       `json:"adminUsername,omitempty"`
	AdminPassword      string       `json:"adminPassword,omitempty"`
	CustomData         string       `json:"customData,omitempty"`
	LinuxConfiguration *LinuxConfig `json:"linuxConfiguration,omitempty"`
	Secrets            []any        `json:"secrets"`
}

// LinuxConfig holds SSH settings.
type LinuxConfig struct {
	DisablePasswordAuthentication bool       `json:"disablePasswordAuthentication"`
	SSH                           *SSHConfig `json:"ssh,omitempty"`
	ProvisionVMAgent              bool       `json:"provisionVMAgent"`
}

// SSHConfig lists the authorized public keys.
type SSHConfig struct {
	PublicKeys []SSHKey `json:"publicKeys"`
}

// SSHKey is one authorized key.
type SSHKey struct {
	Path    string `json:"path"`
	KeyData string `json:"keyData"`
}

// NetworkProfile lists the NICs.
type NetworkProfile struct {
	NetworkInterfaces []NICRef `json:"networkInterfaces"`
}

// NICRef references a NIC.
type NICRef struct {
	ID         string       `json:"id"`
	Properties *NICRefProps `json:"properties,omitempty"`
}

// NICRefProps marks the primary NIC.
type NICRefProps struct {
	Primary bool `json:"primary"`
}

// InstanceView reports power state.
type InstanceView struct {
	ComputerName string   `json:"computerName,omitempty"`
	OSName       string   `json:"osName,omitempty"`
	Statuses     []Status `json:"statuses"`
}

// Status is one instance-view status.
type Status struct {
	Code          string `json:"code"`
	Level         string `json:"level"`
	DisplayStatus string `json:"displayStatus"`
	Time          string `json:"time,omitempty"`
}

// vmInternal is aksbox's own state of a VM.
type vmInternal struct {
	Power      string `json:"power"`                // running, stopped, deallocated
	CustomData string `json:"customData,omitempty"` // base64, as sent; never returned
}

// Power states.
const (
	Running     = "running"
	Stopped     = "stopped"
	Deallocated = "deallocated"
)

// Catalog is Microsoft.Compute as the provider catalog lists it; Azure
// registers it on every new subscription.
func Catalog() arm.Namespace {
	return arm.Namespace{Name: Namespace, RegisteredByDefault: true, Types: []arm.ResourceType{
		{Name: "virtualMachines", APIVersions: APIVersions},
		{Name: "locations/operations", APIVersions: APIVersions},
	}}
}
