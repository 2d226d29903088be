//go:build !linux

package sshgw

import (
	"log/slog"
	"net/netip"

	"golang.org/x/crypto/ssh"
)

// Gateway is only supported on Linux.
type Gateway struct{}

// New is only supported on Linux.
func New(hostKeyPath string, log *slog.Logger) (*Gateway, error) {
	return nil, ErrUnsupported
}

// PublicKey is only supported on Linux.
func (g *Gateway) PublicKey() ssh.PublicKey { return nil }

// Set is only supported on Linux.
func (g *Gateway) Set(addr netip.AddrPort, vm *VM) error { return ErrUnsupported }

// Close is only supported on Linux.
func (g *Gateway) Close() error { return nil }
