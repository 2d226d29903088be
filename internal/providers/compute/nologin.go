package compute

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// NoLoginKey is an SSH public key whose private half nobody has: for the
// VMs the cloud makes for itself or for a caller that gave no key (a
// cluster's nodes created with --no-ssh-key, a registry's host), which
// must have one to be valid VMs and must let nobody in.
var NoLoginKey = sync.OnceValue(func() string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
})
