// Package faults lets the tests crash the server at named points of its
// work, as a power cut or kill -9 would there: when AKSBOX_FAULT names a
// point, the server kills itself with SIGKILL on reaching it (no cleanup,
// no deferred work). Unset, every point is a no-op.
package faults

import (
	"fmt"
	"os"
)

// Env names the point to crash at.
const Env = "AKSBOX_FAULT"

// Points of an AKS cluster's creation.
const (
	AKSAfterNodeGroup    = "aks-after-node-group"    // the node resource group exists
	AKSAfterControlPlane = "aks-after-control-plane" // the control plane answers
	AKSAfterEndpoint     = "aks-after-endpoint"      // the private endpoint and its DNS exist
	AKSNodeRegistration  = "aks-node-registration"   // node agents started, nodes not yet Ready

	// A warm control plane's adoption (see controlplane's pool).
	AKSAdoptAfterRename   = "aks-adopt-after-rename"   // the warm folder is the cluster's, its link not yet in place
	AKSAdoptAfterHandover = "aks-adopt-after-handover" // the warm process serves the cluster, the supervisor not yet told
)

var armed = os.Getenv(Env)

// At crashes the process if point is the armed one.
func At(point string) {
	if armed == "" || armed != point {
		return
	}
	fmt.Fprintf(os.Stderr, "aksbox: %s=%s: crashing here\n", Env, point)
	crash()
}
