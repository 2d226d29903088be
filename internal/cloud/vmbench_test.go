package cloud

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"crypto/ed25519"
	"crypto/rand"
	"github.com/aksbox/aksbox/internal/testenv"
	"golang.org/x/crypto/ssh"
)

// BenchmarkVMCreate measures creating b.N VMs (a NIC and a VM each) in one
// VNet through the ARM API, until every VM reports Succeeded: ms per VM.
// Run as root with -benchtime=200x for the 200-VM figure.
func BenchmarkVMCreate(b *testing.B) {
	testenv.Root(b)
	ep, sub, tok, client := benchInstance(b)
	base := ep + "/subscriptions/" + sub
	put := func(path, body string) {
		b.Helper()
		if err := send(client, "PUT", base+path, tok, body); err != nil {
			b.Fatal(err)
		}
	}
	post := func(path string) {
		if err := send(client, "POST", base+path, tok, ""); err != nil {
			b.Fatal(err)
		}
	}
	post("/providers/Microsoft.Network/register?api-version=2021-04-01")
	put("/resourcegroups/bench?api-version=2021-04-01", `{"location":"westus2"}`)
	net := "/resourceGroups/bench/providers/Microsoft.Network"
	put(net+"/virtualNetworks/v?api-version=2022-01-01", `{"location":"westus2","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"s","properties":{"addressPrefix":"10.0.0.0/20"}}]}}`)
	waitState(b, client, tok, base+net+"/virtualNetworks/v?api-version=2022-01-01", 1)
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sp, _ := ssh.NewPublicKey(pub)
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		put(fmt.Sprintf("%s/networkInterfaces/n%d?api-version=2022-01-01", net, i),
			`{"location":"westus2","properties":{"ipConfigurations":[{"name":"c","properties":{"subnet":{"id":"/subscriptions/`+sub+`/resourceGroups/bench/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}}}]}}`)
		put(fmt.Sprintf("/resourceGroups/bench/providers/Microsoft.Compute/virtualMachines/vm%d?api-version=2022-08-01", i),
			`{"location":"westus2","properties":{"osProfile":{"adminUsername":"azureuser","linuxConfiguration":{"ssh":{"publicKeys":[{"keyData":"`+key+`"}]}}},`+
				`"networkProfile":{"networkInterfaces":[{"id":"/subscriptions/`+sub+fmt.Sprintf(`/resourceGroups/bench/providers/Microsoft.Network/networkInterfaces/n%d"}]}}}`, i))
	}
	waitState(b, client, tok, base+"/resourceGroups/bench/providers/Microsoft.Compute/virtualMachines?api-version=2022-08-01", b.N)
	b.StopTimer()
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/VM")
	if pss, n := sandboxPSS(); n > 0 {
		b.ReportMetric(float64(pss)/float64(n), "KiB-PSS/VM")
	}
	if err := send(client, "DELETE", base+"/resourcegroups/bench?api-version=2021-04-01", tok, ""); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 600; i++ {
		req, _ := http.NewRequest("GET", base+"/resourcegroups/bench?api-version=2021-04-01", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 404 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatal("the group was not deleted")
}

// waitState polls a resource or a list until n items are Succeeded.
func waitState(b *testing.B, client *http.Client, tok, url string, n int) {
	b.Helper()
	for i := 0; i < 3000; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var one struct {
			Value      []json.RawMessage `json:"value"`
			Properties struct {
				ProvisioningState string `json:"provisioningState"`
			} `json:"properties"`
		}
		_ = json.Unmarshal(data, &one)
		if one.Value == nil && one.Properties.ProvisioningState == "Succeeded" {
			return
		}
		if failed := strings.Count(string(data), `"provisioningState":"Failed"`); failed > 0 {
			b.Fatalf("%d failed: %s", failed, data[:min(len(data), 2000)])
		}
		if strings.Count(string(data), `"provisioningState":"Succeeded"`) >= n && one.Value != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatal("timed out waiting for Succeeded")
}

// sandboxPSS sums the proportional set size (KiB) of every VM's init, the
// one process an idle sandboxed VM costs, and counts them.
func sandboxPSS() (kib, n int) {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), "\x00__vminit\x00") {
			continue
		}
		rollup, err := os.ReadFile(filepath.Join(filepath.Dir(p), "smaps_rollup"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(rollup), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				v, _ := strconv.Atoi(f[1])
				kib += v
				n++
			}
		}
	}
	return kib, n
}
