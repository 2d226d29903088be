package rules

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/aksbox/aksbox"

// pkg is what go list says of one package of the module.
type pkg struct {
	ImportPath string
	Doc        string
	Imports    []string
	Deps       []string
	GoFiles    []string
}

// packages lists the module's packages (tests not included).
func packages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Doc,Imports,Deps,GoFiles", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var all []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	if len(all) < 10 {
		t.Fatalf("go list found %d packages", len(all))
	}
	return all
}

// Only package kube (and its own subpackages) imports Kubernetes, so the
// rest builds and tests quickly.
func TestOnlyKubeImportsKubernetes(t *testing.T) {
	for _, p := range packages(t) {
		if strings.HasPrefix(p.ImportPath, module+"/internal/kube") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "k8s.io/") {
				t.Errorf("%s imports %s: only internal/kube may import Kubernetes", p.ImportPath, imp)
			}
		}
	}
}

// The command line reaches the cloud over HTTPS only: neither it nor
// anything it links is the cloud, a provider, the fabric, the registries'
// data plane or Kubernetes.
func TestCLILinksNoCloud(t *testing.T) {
	linksNone(t, "/internal/cli", "it must talk to the cloud over HTTPS only",
		"/internal/cloud", "/internal/providers/", "/internal/fabric", "/internal/kube", "/internal/controlplane", "/internal/store",
		"/internal/registry")
}

// linksNone fails when the package pkg links a package of the module under
// one of the banned paths.
func linksNone(t *testing.T, pkg, why string, banned ...string) {
	t.Helper()
	for _, p := range packages(t) {
		if p.ImportPath != module+pkg {
			continue
		}
		for _, dep := range p.Deps {
			for _, b := range banned {
				if strings.HasPrefix(dep, module+b) {
					t.Errorf("%s links %s; %s", pkg, dep, why)
				}
			}
		}
		return
	}
	t.Fatalf("%s not found", pkg)
}

// Every package has a doc comment that says what it is (packages of tests
// only say it in their test files, which go list does not read).
func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range packages(t) {
		if len(p.GoFiles) > 0 && strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

// The portal is a client of the ARM API, as Azure's portal is: it reaches
// resources only through the ARM handler it is given, never the store, the
// providers or the fabric.
func TestPortalLinksNoProvider(t *testing.T) {
	linksNone(t, "/internal/portal", "it must reach resources through the ARM API only",
		"/internal/arm", "/internal/cloud", "/internal/providers/", "/internal/fabric", "/internal/kube", "/internal/controlplane", "/internal/store",
		"/internal/registry")
}
