package cli

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/spf13/cobra"
)

// unzipContext decodes a runCommand context back into file names and contents.
func unzipContext(t *testing.T, ctx string) map[string]string {
	t.Helper()
	for _, line := range strings.SplitAfter(ctx, "\n") {
		if len(line) > 77 {
			t.Fatalf("a line of %d characters", len(line))
		}
	}
	if !strings.HasSuffix(ctx, "\n") {
		t.Fatal("no final newline")
	}
	data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(ctx, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		if f.Method != zip.Store {
			t.Errorf("%s is compressed", f.Name)
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	return files
}

func TestCommandContext(t *testing.T) {
	if ctx, err := commandContext(nil); ctx != "" || err != nil {
		t.Fatalf("no files: %q %v", ctx, err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "deploy.yaml"), []byte(strings.Repeat("kind: Pod\n", 20)), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "values.yaml"), []byte("replicas: 2\n"), 0o644)

	// Named files are flattened to their base names.
	ctx, err := commandContext([]string{filepath.Join(dir, "deploy.yaml"), filepath.Join(dir, "sub", "values.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	files := unzipContext(t, ctx)
	if len(files) != 2 || files["deploy.yaml"] != strings.Repeat("kind: Pod\n", 20) || files["values.yaml"] != "replicas: 2\n" {
		t.Errorf("files: %v", files)
	}
	// '.' is the current folder, with its structure.
	t.Chdir(dir)
	ctx, err = commandContext([]string{"."})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range unzipContext(t, ctx) {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "deploy.yaml sub/values.yaml" {
		t.Errorf("folder: %v", names)
	}
	if _, err := commandContext([]string{".", "deploy.yaml"}); err == nil || err.Error() != ". is used to attach current folder, not expecting other attachements." {
		t.Errorf("'.' and a file: %v", err)
	}
	if _, err := commandContext([]string{"missing.yaml"}); err == nil || err.Error() != "missing.yaml is not valid file, or not accessable." {
		t.Errorf("missing file: %v", err)
	}
}

func TestEncodeBytes(t *testing.T) {
	for n := range 120 {
		data := bytes.Repeat([]byte{byte(n)}, n)
		got := encodeBytes(data)
		want := base64.StdEncoding.EncodeToString(data)
		var lines []string
		for len(want) > 76 {
			lines, want = append(lines, want[:76]), want[76:]
		}
		if want != "" {
			lines = append(lines, want)
		}
		if exp := strings.Join(lines, "\n"); (n == 0 && got != "") || (n > 0 && got != exp+"\n") {
			t.Fatalf("%d bytes: %q", n, got)
		}
	}
}

func TestCommandOutput(t *testing.T) {
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	end := time.Date(2024, 5, 1, 12, 0, 2, 500000000, time.FixedZone("x", 2*3600))
	for _, c := range []struct {
		r    armcontainerservice.CommandResultProperties
		want string
	}{
		{armcontainerservice.CommandResultProperties{ProvisioningState: to.Ptr("Succeeded"), ExitCode: to.Ptr[int32](1),
			StartedAt: &start, FinishedAt: &end, Logs: to.Ptr("error: the server doesn't have a resource type \"foo\"\n")},
			"command started at 2024-05-01 10:00:00+00:00, finished at 2024-05-01 10:00:02.500000+00:00 with exitcode=1\n" +
				"error: the server doesn't have a resource type \"foo\"\n\n"},
		{armcontainerservice.CommandResultProperties{ProvisioningState: to.Ptr("Failed"), Reason: to.Ptr("the cluster is stopped")},
			"command failed with reason: the cluster is stopped\n"},
		{armcontainerservice.CommandResultProperties{ProvisioningState: to.Ptr("Running"), StartedAt: &start},
			"command is in Running state\n"},
	} {
		a, out, _ := credApp()
		cmd := &cobra.Command{}
		cmd.Flags().StringP("output", "o", "json", "")
		v, err := a.commandOutput(cmd, armcontainerservice.RunCommandResult{ID: to.Ptr("abc"), Properties: &c.r})
		if v != nil || err != nil || out.String() != c.want {
			t.Errorf("%v %v:\n%q\nwant\n%q", v, err, out, c.want)
		}
	}
	// With -o, the result object as az prints it.
	a, out, _ := credApp()
	cmd := &cobra.Command{}
	cmd.Flags().StringP("output", "o", "json", "")
	cmd.Flags().Set("output", "json")
	v, err := a.commandOutput(cmd, armcontainerservice.RunCommandResult{ID: to.Ptr("abc"),
		Properties: &armcontainerservice.CommandResultProperties{ProvisioningState: to.Ptr("Succeeded"), ExitCode: to.Ptr[int32](0), Logs: to.Ptr("ok")}})
	m, _ := v.(map[string]any)
	if err != nil || out.Len() != 0 || m["id"] != "abc" || m["provisioningState"] != "Succeeded" || m["logs"] != "ok" || m["exitCode"] == nil {
		t.Errorf("with -o: %v %v", v, err)
	}
}
