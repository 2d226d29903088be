package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// errNoSSHKey is az's message for a VM create without a key to use.
var errNoSSHKey = errors.New("An RSA key file or key value must be supplied to SSH Key Value. " +
	"You can use --generate-ssh-keys to let CLI generate one for you")

// sshKeys resolves --ssh-key-values and --generate-ssh-keys as az does:
// each value is a public key file or a key; with no value the key is
// ~/.ssh/id_rsa.pub; a file that is missing is created, with its private
// key, when generate is set. It returns the keys and the warnings to show.
func sshKeys(values []string, generate bool, home string) (keys, warnings []string, err error) {
	if len(values) > 1 && generate {
		warnings = append(warnings, "Ignoring --generate-ssh-keys as multiple ssh key values have been specified.")
		generate = false
	}
	if len(values) == 0 {
		values = []string{""}
	}
	for _, v := range values {
		k, w, err := sshKey(v, generate, home)
		if err != nil {
			return nil, warnings, err
		}
		keys, warnings = append(keys, k), append(warnings, w...)
	}
	return keys, warnings, nil
}

// sshKey resolves one --ssh-key-values value ("" for the default file).
func sshKey(v string, generate bool, home string) (string, []string, error) {
	path := keyPath(v, home)
	if data, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(data)), nil, nil
	}
	if v != "" && isPublicKey(v) {
		return strings.TrimSpace(v), nil, nil
	}
	if !generate {
		return "", nil, errNoSSHKey
	}
	private := strings.TrimSuffix(path, ".pub")
	if !strings.HasSuffix(strings.ToLower(path), ".pub") {
		private = path + ".private"
	}
	return generateSSHKey(private, path)
}

// keyPath is the file a key value names: az's default ~/.ssh/id_rsa.pub
// for "", with ~/ expanded.
func keyPath(v, home string) string {
	if v == "" {
		return filepath.Join(home, ".ssh", "id_rsa.pub")
	}
	if rest, ok := strings.CutPrefix(v, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return v
}

func isPublicKey(s string) bool {
	_, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	return err == nil
}

// generateSSHKey writes the public key of private to public, making a new
// 2048-bit RSA private key (mode 0600, PEM) first when there is none.
func generateSSHKey(private, public string) (string, []string, error) {
	var warnings []string
	dir := filepath.Dir(private)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	var signer ssh.Signer
	if data, err := os.ReadFile(private); err == nil {
		signer, err = ssh.ParsePrivateKey(data)
		if err != nil {
			return "", nil, fmt.Errorf("reading the private key %s: %w", private, err)
		}
		warnings = append(warnings, fmt.Sprintf("Private SSH key file '%s' was found in the directory: '%s'. "+
			"A paired public key file '%s' will be generated.", private, dir, public))
	} else {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", nil, err
		}
		block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
		if err := os.WriteFile(private, block, 0o600); err != nil {
			return "", nil, fmt.Errorf("writing the private key: %w", err)
		}
		if signer, err = ssh.NewSignerFromKey(key); err != nil {
			return "", nil, err
		}
	}
	pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	if err := os.WriteFile(public, []byte(pub), 0o644); err != nil {
		return "", nil, fmt.Errorf("writing the public key: %w", err)
	}
	warnings = append(warnings, fmt.Sprintf("SSH key files '%s' and '%s' have been generated under ~/.ssh to allow SSH access to the VM. "+
		"If using machines without permanent storage, back up your keys to a safe location.", private, public))
	return pub, warnings, nil
}
