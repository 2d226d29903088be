package sandbox

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/aksbox/aksbox/internal/nsexec"
	"sigs.k8s.io/yaml"
)

// UserDataScript turns a VM's custom data (cloud-init user data) into the
// shell script its first boot runs as root, the way cloud-init would:
//
//   - a script ("#!..."), run as it is;
//   - "#cloud-config" with write_files (path, content, encoding b64/base64/
//     gzip/gz+b64, permissions, owner, append, defer), packages and runcmd
//     (strings run by sh, lists run as argv), in that order. aksbox VMs
//     share the host's /usr read-only, so packages are not installed: each
//     is reported as present (its command is there) or missing;
//   - anything else (MIME multipart, include files, jinja) is refused with a
//     message in the output log, as cloud-init skips what it cannot handle.
//
// Other cloud-config keys are listed as ignored in the log.
func UserDataScript(data []byte) (string, error) {
	data = bytes.TrimLeft(data, "\ufeff")
	switch {
	case bytes.HasPrefix(data, []byte("#!")):
		return string(data), nil
	case bytes.HasPrefix(data, []byte("#cloud-config")):
		return cloudConfigScript(data)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	return "", fmt.Errorf("unhandled user data: it starts with %q; aksbox runs a shell script (#!) or #cloud-config", first)
}

type cloudConfig struct {
	WriteFiles []struct {
		Path        string `json:"path"`
		Content     string `json:"content"`
		Encoding    string `json:"encoding"`
		Permissions string `json:"permissions"`
		Owner       string `json:"owner"`
		Append      bool   `json:"append"`
		Defer       bool   `json:"defer"`
	} `json:"write_files"`
	Packages []any `json:"packages"`
	RunCmd   []any `json:"runcmd"`
}

var handledKeys = map[string]bool{"write_files": true, "packages": true, "runcmd": true}

func cloudConfigScript(data []byte) (string, error) {
	var cc cloudConfig
	if err := yaml.Unmarshal(data, &cc); err != nil {
		return "", fmt.Errorf("reading #cloud-config: %w", err)
	}
	var all map[string]any
	_ = yaml.Unmarshal(data, &all)
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	for k := range all {
		if !handledKeys[k] {
			fmt.Fprintf(&b, "echo %s\n", nsexec.Quote("cloud-init: ignoring "+k+": aksbox runs write_files, packages and runcmd"))
		}
	}
	for _, defer_ := range []bool{false, true} {
		for _, f := range cc.WriteFiles {
			if f.Defer != defer_ {
				continue
			}
			content, err := decode(f.Content, f.Encoding)
			if err != nil {
				return "", fmt.Errorf("write_files %s: %w", f.Path, err)
			}
			redir := ">"
			if f.Append {
				redir = ">>"
			}
			perm := f.Permissions
			if perm == "" {
				perm = "0644"
			}
			owner := f.Owner
			if owner == "" {
				owner = "root:root"
			}
			fmt.Fprintf(&b, "mkdir -p \"$(dirname %s)\" && printf %%s %s | base64 -d %s %s && chmod %s %s && chown %s %s\n",
				nsexec.Quote(f.Path), nsexec.Quote(base64.StdEncoding.EncodeToString(content)), redir, nsexec.Quote(f.Path), nsexec.Quote(perm), nsexec.Quote(f.Path), nsexec.Quote(owner), nsexec.Quote(f.Path))
		}
		if !defer_ {
			for _, p := range cc.Packages {
				name := fmt.Sprint(p)
				if l, ok := p.([]any); ok && len(l) > 0 {
					name = fmt.Sprint(l[0])
				}
				fmt.Fprintf(&b, "if command -v %s >/dev/null 2>&1; then echo %s; else echo %s; fi\n", nsexec.Quote(name),
					nsexec.Quote("cloud-init: package "+name+": present (the host's /usr)"),
					nsexec.Quote("cloud-init: package "+name+": not installed: an aksbox VM's /usr is the host's, read-only"))
			}
		}
	}
	for _, c := range cc.RunCmd {
		switch c := c.(type) {
		case string:
			fmt.Fprintf(&b, "sh -c %s\n", nsexec.Quote(c))
		case []any:
			var words []string
			for _, w := range c {
				words = append(words, nsexec.Quote(fmt.Sprint(w)))
			}
			b.WriteString(strings.Join(words, " ") + "\n")
		}
	}
	return b.String(), nil
}

func decode(content, encoding string) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "", "text/plain":
		return []byte(content), nil
	case "b64", "base64":
		return base64.StdEncoding.DecodeString(content)
	case "gz", "gzip", "gz+b64", "gzip+base64", "gz+base64", "gzip+b64":
		raw := []byte(content)
		if strings.Contains(encoding, "b") {
			var err error
			if raw, err = base64.StdEncoding.DecodeString(content); err != nil {
				return nil, err
			}
		}
		r, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}
	return nil, fmt.Errorf("unknown encoding %q; use b64, gzip or gz+b64", encoding)
}
