package cli

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// commandContext is az's _get_command_context: the --file attachments (or,
// for '.', the current folder) as a zip, base64-encoded in 76-character
// lines like Python's base64.encodebytes; "" without attachments.
func commandContext(files []string) (string, error) {
	if len(files) == 0 {
		return "", nil
	}
	type entry struct{ path, name string }
	var attach []entry
	if len(files) == 1 && files[0] == "." {
		cwd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		err = filepath.WalkDir(cwd, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(cwd, p)
			if err != nil {
				return err
			}
			attach = append(attach, entry{p, filepath.ToSlash(rel)})
			return nil
		})
		if err != nil {
			return "", err
		}
	} else {
		for _, f := range files {
			if f == "." {
				return "", errors.New(". is used to attach current folder, not expecting other attachements.")
			}
			if st, err := os.Stat(f); err != nil || !st.Mode().IsRegular() {
				return "", fmt.Errorf("%s is not valid file, or not accessable.", f)
			}
			attach = append(attach, entry{f, filepath.Base(f)})
		}
	}
	if len(attach) == 0 {
		return "", nil
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range attach {
		if err := addToZip(zw, e.path, e.name); err != nil {
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return encodeBytes(buf.Bytes()), nil
}

func addToZip(zw *zip.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h, err := zip.FileInfoHeader(st)
	if err != nil {
		return err
	}
	h.Name, h.Method = name, zip.Store
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

// encodeBytes is Python's base64.encodebytes.
func encodeBytes(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	if s != "" {
		b.WriteString(s + "\n")
	}
	return b.String()
}
