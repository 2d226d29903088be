package controlplane

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/aksbox/aksbox/internal/pki"
)

// AdminKubeconfig is a kubeconfig for the cluster admin (client certificate
// CN=masterclient, O=system:masters) reaching the API server at server. Its
// cluster and context are named clusterName, its user userName, and the
// context is current.
func (c *Cluster) AdminKubeconfig(clusterName, userName, server string) ([]byte, error) {
	return renderKubeconfig(kubeconfig{
		cluster: clusterName, user: userName, server: server,
		ca: c.CACert(), cert: c.admin.CertPEM, key: c.admin.KeyPEM,
	})
}

// UserKubeconfig is a kubeconfig with the cluster user's bearer token
// (user clusterUser, as AKS's local accounts), otherwise like
// AdminKubeconfig.
func (c *Cluster) UserKubeconfig(clusterName, userName, server string) ([]byte, error) {
	return renderKubeconfig(kubeconfig{
		cluster: clusterName, user: userName, server: server,
		ca: c.CACert(), token: c.userToken,
	})
}

// kubeconfig is the content of a single-context kubeconfig.
type kubeconfig struct {
	cluster, user, server string
	ca, cert, key         []byte // PEM
	token                 string
}

// renderKubeconfig writes k as YAML in the layout kubectl and az write.
// Strings are double-quoted JSON strings, which YAML reads unchanged.
func renderKubeconfig(k kubeconfig) ([]byte, error) {
	if k.cluster == "" || k.user == "" || k.server == "" {
		return nil, errors.New("kubeconfig needs a cluster name, a user name and a server")
	}
	b64 := base64.StdEncoding.EncodeToString
	var b bytes.Buffer
	b.WriteString("apiVersion: v1\nclusters:\n- cluster:\n")
	fmt.Fprintf(&b, "    certificate-authority-data: %s\n", b64(k.ca))
	fmt.Fprintf(&b, "    server: %s\n", quote(k.server))
	fmt.Fprintf(&b, "  name: %s\n", quote(k.cluster))
	b.WriteString("contexts:\n- context:\n")
	fmt.Fprintf(&b, "    cluster: %s\n", quote(k.cluster))
	fmt.Fprintf(&b, "    user: %s\n", quote(k.user))
	fmt.Fprintf(&b, "  name: %s\n", quote(k.cluster))
	fmt.Fprintf(&b, "current-context: %s\n", quote(k.cluster))
	b.WriteString("kind: Config\npreferences: {}\nusers:\n")
	fmt.Fprintf(&b, "- name: %s\n  user:\n", quote(k.user))
	if len(k.cert) > 0 {
		fmt.Fprintf(&b, "    client-certificate-data: %s\n", b64(k.cert))
		fmt.Fprintf(&b, "    client-key-data: %s\n", b64(k.key))
	}
	if k.token != "" {
		fmt.Fprintf(&b, "    token: %s\n", quote(k.token))
	}
	return b.Bytes(), nil
}

func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// ensureUserToken returns the cluster user's static token from the token
// file at path, creating the file with a new random token if it has none.
func ensureUserToken(path string) (string, error) {
	token, err := readUserToken(path)
	if err == nil {
		return token, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generating token: %w", err)
	}
	token = hex.EncodeToString(raw)
	uid := hex.EncodeToString(raw[:8])
	// token,user,uid,"group1,group2" (the API server's --token-auth-file).
	line := fmt.Sprintf("%s,%s,%s,%q\n", token, clusterUser, uid, mastersOrg)
	if err := pki.WriteFileAtomic(path, []byte(line), 0o600); err != nil {
		return "", fmt.Errorf("writing token file: %w", err)
	}
	return token, nil
}

// readUserToken finds the cluster user's token in the token file.
func readUserToken(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading token file: %w", err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		return "", fmt.Errorf("parsing token file %s: %w", path, err)
	}
	for _, rec := range records {
		if len(rec) >= 3 && rec[1] == clusterUser && rec[0] != "" {
			return rec[0], nil
		}
	}
	return "", fmt.Errorf("token file %s has no %s token: %w", path, clusterUser, fs.ErrNotExist)
}
