package e2e

import (
	"crypto/rand"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/testenv"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BenchmarkRegistryPull100MB (go test -bench RegistryPull -benchtime 1x
// ./test/e2e): a 100 MB layer pushed from the host, then read three times
// each by curl in a VM through the registry's private endpoint, by curl on
// the host through the public endpoint (loopback), and copied file to file
// on the host (the limit). Results in BENCHMARKS.md.
func BenchmarkRegistryPull100MB(b *testing.B) {
	testenv.Root(b)
	testenv.Tool(b, "curl", "apt-get install curl")
	in := start(b, "--provider-registration-delay", "0s")
	l := newNetLab(b, in, "acrbench")
	b.Cleanup(func() { in.aksbox("group", "delete", "-n", "acrbench", "--yes") })
	in.mustAksbox("provider", "register", "-n", "Microsoft.ContainerRegistry")
	in.mustAksbox("acr", "create", "-g", "acrbench", "-n", "bench01", "--sku", "Premium", "--admin-enabled", "true", "-o", "none")
	pass := in.tsv("acr", "credential", "show", "-n", "bench01", "--query", "passwords[0].value")
	regID := in.tsv("acr", "show", "-n", "bench01", "--query", "id")

	data := make([]byte, 100<<20)
	if _, err := rand.Read(data); err != nil {
		b.Fatal(err)
	}
	layer := static.NewLayer(data, types.OCILayer)
	img, _ := mutate.AppendLayers(empty.Image, layer)
	ref, _ := name.ParseReference("bench01.azurecr.io/bench/app:v1")
	begin := time.Now()
	if err := remote.Write(ref, img, remote.WithTransport(in.registryTransport()), remote.WithAuth(&authn.Basic{Username: "bench01", Password: pass})); err != nil {
		b.Fatal(err)
	}
	b.Logf("push of 100 MB from the host: %.0f MB/s", 100/time.Since(begin).Seconds())
	digest, _ := layer.Digest()

	l.vnet("app", "10.20.0.0/16", "10.20.1.0/24")
	if _, err := l.nic("jump-nic", "app", ""); err != nil {
		b.Fatal(err)
	}
	if err := l.vm("jump", "jump-nic", l.key); err != nil {
		b.Fatal(err)
	}
	in.mustAksbox("network", "private-endpoint", "create", "-g", "acrbench", "-n", "pe", "--vnet-name", "app", "--subnet", "s",
		"--private-connection-resource-id", regID, "--group-id", "registry", "--connection-name", "pe", "-o", "none")
	in.mustAksbox("network", "private-dns", "zone", "create", "-g", "acrbench", "-n", "privatelink.azurecr.io", "-o", "none")
	in.mustAksbox("network", "private-dns", "link", "vnet", "create", "-g", "acrbench", "-z", "privatelink.azurecr.io", "-n", "app", "-v", "app", "-e", "false", "-o", "none")
	in.mustAksbox("network", "private-endpoint", "dns-zone-group", "create", "-g", "acrbench", "--endpoint-name", "pe", "-n", "default",
		"--private-dns-zone", "privatelink.azurecr.io", "--zone-name", "acr", "-o", "none")

	ca, err := os.ReadFile(in.dir.CAFile())
	if err != nil {
		b.Fatal(err)
	}
	blob := "https://bench01.azurecr.io/v2/bench/app/blobs/" + digest.String()
	get := "curl -sS -u bench01:" + pass + " --cacert /tmp/ca.crt -o /dev/null -w '%{speed_download}\\n' " + blob
	out := l.run("jump", "cat > /tmp/ca.crt <<'EOF'\n"+string(ca)+"EOF\n"+get+"\n"+get+"\n"+get+"\n")
	node := speeds(b, out)

	u, _ := url.Parse(in.Endpoint)
	host := func() float64 {
		c := exec.Command("curl", "-sS", "-u", "bench01:"+pass, "--cacert", in.dir.CAFile(), "--resolve", "bench01.azurecr.io:"+u.Port()+":127.0.0.1",
			"-o", "/dev/null", "-w", "%{speed_download}", strings.Replace(blob, "azurecr.io/", "azurecr.io:"+u.Port()+"/", 1))
		o, err := c.CombinedOutput()
		if err != nil {
			b.Fatalf("curl on the host: %v %s", err, o)
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(string(o)), 64)
		return v
	}
	hostSpeeds := []float64{host(), host(), host()}

	dir := b.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		b.Fatal(err)
	}
	var copies []float64
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		if o, err := exec.Command("cp", src, filepath.Join(dir, "dst")).CombinedOutput(); err != nil {
			b.Fatalf("cp: %v %s", err, o)
		}
		copies = append(copies, float64(len(data))/time.Since(t0).Seconds())
	}
	best := func(v []float64) float64 {
		m := 0.0
		for _, x := range v {
			m = max(m, x)
		}
		return m / 1e6
	}
	b.ReportMetric(best(node), "node-MB/s")
	b.ReportMetric(best(hostSpeeds), "host-MB/s")
	b.ReportMetric(best(copies), "copy-MB/s")
	b.Logf("100 MB blob, best of 3: node through the private endpoint %.0f MB/s, host through the public endpoint %.0f MB/s, file copy %.0f MB/s (node/copy %.2f, node/host %.2f)",
		best(node), best(hostSpeeds), best(copies), best(node)/best(copies), best(node)/best(hostSpeeds))
}

// speeds reads curl's speed_download lines.
func speeds(b *testing.B, out string) []float64 {
	var v []float64
	for _, line := range strings.Fields(out) {
		if f, err := strconv.ParseFloat(line, 64); err == nil && f > 0 {
			v = append(v, f)
		}
	}
	if len(v) != 3 {
		b.Fatalf("curl in the VM: %s", out)
	}
	return v
}
