package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aksbox/aksbox/internal/testenv"
)

// browser is a real headless Chromium (Debian's) driven over the DevTools
// protocol. It trusts the instance's serving certificate and nothing else
// it would otherwise refuse, and it talks to nothing but the loopback
// addresses the tests open.
type browser struct {
	t   *testing.T
	ctx context.Context
	in  *instanceT
}

func newBrowser(t *testing.T, in *instanceT) *browser {
	t.Helper()
	exe := testenv.Tool(t, "chromium", "install Debian's chromium package")
	raw, err := os.ReadFile(filepath.Join(string(in.dir), "pki", "server.crt"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(raw)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "MediaRouter,DialMediaRouteProvider,OptimizationHints,Translate"),
		chromedp.Flag("no-proxy-server", true),
		// No name resolves: the browser can reach only the loopback
		// addresses the tests give it, never a resolver or the internet.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, in: in}
}

// run runs actions with a time limit, failing the test with what the page
// showed when one fails.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\npage %s:\n%s", what, err, b.url(), b.text())
	}
}

// url is the page's address.
func (b *browser) url() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// text is what the page shows.
func (b *browser) text() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

// open loads a page of the portal.
func (b *browser) open(path string) {
	b.t.Helper()
	b.run("opening "+path, chromedp.Navigate(b.in.Endpoint+path), chromedp.WaitReady(chromedp.CSS("body")))
	b.labelled()
}

// labelled fails the test when a control of the page has no visible label
// bound to it (<label for>), which people, screen readers and these tests
// find controls by.
func (b *browser) labelled() {
	b.t.Helper()
	bare := evaluate[string](b, "checking labels", `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
		.filter(c => !c.labels || c.labels.length === 0 || [...c.labels].every(l => !l.textContent.trim())).map(c => c.name || c.id).join(", ")`)
	if bare != "" {
		b.t.Fatalf("controls without a bound label on %s: %s", b.url(), bare)
	}
}

// shot saves a screenshot of the whole page as docs/portal/<name>.png
// when AKSBOX_PORTAL_SHOTS names the folder (the docs' pictures are made so).
func (b *browser) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("AKSBOX_PORTAL_SHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signInWithLink signs in with the one-time link 'aksbox portal' prints.
func (b *browser) signInWithLink() {
	b.t.Helper()
	out := b.in.mustAksbox("portal", "--no-open")
	var link string
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "Sign-in link: "); ok {
			link = strings.TrimSpace(rest)
		}
	}
	if !strings.HasPrefix(link, b.in.Endpoint+"/portal/signin?code=") {
		b.t.Fatalf("aksbox portal printed no sign-in link:\n%s", out)
	}
	b.run("following the sign-in link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()="Home"]`)))
}

// click clicks the first link or button whose text is text, and waits
// for the page it leads to (every link and button of the portal loads one).
func (b *browser) click(text string) {
	b.t.Helper()
	sel := chromedp.Search(fmt.Sprintf(`//a[normalize-space()=%[1]q] | //button[normalize-space()=%[1]q]`, text))
	evaluate[bool](b, "marking the page", `window.aksboxOldPage = true`)
	b.run("clicking "+text, chromedp.WaitVisible(sel), chromedp.Click(sel, chromedp.NodeVisible))
	for i := 0; i < 300; i++ {
		if evaluate[bool](b, "waiting for the next page", `window.aksboxOldPage === undefined && document.readyState === "complete"`) {
			b.labelled()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("clicking %q loaded no page:\n%s", text, b.text())
}

// field finds the control a visible label is bound to (<label for>), as a
// person or a screen reader does, and returns its CSS selector.
func (b *browser) field(label string) string {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const l = [...document.querySelectorAll("label")].find(l => l.textContent.trim() === %q);
		if (!l || !l.htmlFor || !document.getElementById(l.htmlFor)) return ""; return l.htmlFor; })()`, label)
	id := evaluate[string](b, "finding the control labelled "+label, js)
	if id == "" {
		b.t.Fatalf("no control is bound to a label %q on %s:\n%s", label, b.url(), b.text())
	}
	return "#" + id
}

// fill types value into the control labelled label.
func (b *browser) fill(label, value string) {
	b.t.Helper()
	sel := b.field(label)
	evaluate[bool](b, "clearing "+label, `(document.querySelector("`+sel+`").value = "", true)`)
	b.run("typing into "+label, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose picks the option whose text is option in the select labelled label.
func (b *browser) choose(label, option string) {
	b.t.Helper()
	sel := b.field(label)
	js := fmt.Sprintf(`(() => { const o = [...document.querySelector(%q).options].find(o => o.textContent.trim() === %q); return o ? o.value : "\x00"; })()`, sel, option)
	value := evaluate[string](b, "reading the options of "+label, js)
	if value == "\x00" {
		b.t.Fatalf("%s has no option %q:\n%s", label, option, b.text())
	}
	b.run("choosing "+option, chromedp.SetValue(chromedp.CSS(sel), value))
}

// waitText waits until the page (reloaded by its own script when an
// operation ends, or by us every few seconds) shows want.
func (b *browser) waitText(want string) {
	b.t.Helper()
	for i := 0; i < 60; i++ {
		if strings.Contains(b.text(), want) {
			return
		}
		time.Sleep(time.Second)
		if i%5 == 4 {
			b.run("reloading", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
		}
	}
	b.t.Fatalf("the page never showed %q:\n%s", want, b.text())
}

// waitRow waits until a row of the table of class class holds want.
func (b *browser) waitRow(class, want string) {
	b.t.Helper()
	var rows []string
	for i := 0; i < 60; i++ {
		rows = b.rows(class)
		for _, r := range rows {
			if strings.Contains(r, want) {
				return
			}
		}
		time.Sleep(time.Second)
		if i%5 == 4 {
			b.run("reloading", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
		}
	}
	b.t.Fatalf("no row of table %s ever held %q: %q", class, want, rows)
}

// rows returns the text of each row of the table of class class.
func (b *browser) rows(class string) []string {
	b.t.Helper()
	js := fmt.Sprintf(`JSON.stringify([...document.querySelectorAll("table.%s tbody tr")].map(r => r.innerText.replace(/\s+/g, " ").trim()))`, class)
	raw := evaluate[string](b, "reading table "+class, js)
	var out []string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		b.t.Fatal(err)
	}
	return out
}

// evaluate runs a JavaScript expression in the page and returns its value.
func evaluate[T any](b *browser, what, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v\npage %s:\n%s", what, err, b.url(), b.text())
	}
	return v
}
