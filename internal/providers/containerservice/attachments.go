package containerservice

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aksbox/aksbox/internal/arm"
)

// maxAttachments bounds the unpacked size of a command's attachments.
const maxAttachments = 32 << 20

// unpackContext writes the files of a runCommand context (a base64 zip, as
// 'aks command invoke --file' sends) into dir.
func unpackContext(context, dir string) error {
	if context == "" {
		return nil
	}
	data, err := base64.StdEncoding.DecodeString(context)
	if err != nil {
		return arm.InvalidParameter("context", "The command context is not base64: %v. It must be a base64-encoded zip of the attached files.", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return arm.InvalidParameter("context", "The command context is not a zip archive: %v.", err)
	}
	var total int64
	for _, f := range zr.File {
		name := filepath.Clean(f.Name)
		if filepath.IsAbs(name) || strings.HasPrefix(name, "..") {
			return arm.InvalidParameter("context", "The attached file '%s' points outside the command's folder.", f.Name)
		}
		if f.FileInfo().IsDir() {
			continue
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("reading attached file %s: %w", f.Name, err)
		}
		out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			rc.Close()
			return err
		}
		n, err := io.Copy(out, io.LimitReader(rc, maxAttachments-total+1))
		rc.Close()
		out.Close()
		if err != nil {
			return err
		}
		if total += n; total > maxAttachments {
			return arm.InvalidParameter("context", "The attached files are larger than %d MB.", maxAttachments>>20)
		}
	}
	return nil
}
