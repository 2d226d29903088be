// Package buildinfo stamps the Kubernetes release into the version
// variables of k8s.io/component-base/version, which the Kubernetes build
// sets with -ldflags -X. Plain `go build`, `go run` and `go test` cannot pass
// those flags, and the placeholder they would leave ("v0.0.0-master") makes
// kubectl and the API server's compatibility checks misbehave.
//
// The values must be in place before k8s.io/apiserver captures the build
// version while it initializes (pkg/util/compatibility registers the
// effective version of the "kube" component then). Go initializes packages
// in import-path order as soon as everything they import is initialized;
// this package imports nothing of Kubernetes but component-base/version and
// its path sorts before every "k8s.io/..." path, so its init runs right
// after component-base/version's and before any package that reads it.
// Importing it (for its side effect) is enough.
package buildinfo

import (
	_ "unsafe" // for go:linkname

	"k8s.io/component-base/version"
)

// Version is the Kubernetes release linked into this binary; it must match
// the k8s.io/kubernetes requirement in go.mod.
const Version = "v1.33.13"

// Parts of Version, as the Kubernetes build stamps them.
const (
	major     = "1"
	minor     = "33"
	treeState = "clean"
)

//go:linkname gitVersion k8s.io/component-base/version.gitVersion
var gitVersion string

//go:linkname gitMajor k8s.io/component-base/version.gitMajor
var gitMajor string

//go:linkname gitMinor k8s.io/component-base/version.gitMinor
var gitMinor string

//go:linkname gitTreeState k8s.io/component-base/version.gitTreeState
var gitTreeState string

func init() {
	gitVersion, gitMajor, gitMinor, gitTreeState = Version, major, minor, treeState
	// component-base/version copied the placeholder into the value Get
	// returns during its own init; replace it. It accepts only a version
	// with the same major.minor.patch as gitVersion, which it now is; a
	// failure shows in Stamped.
	_ = version.SetDynamicVersion(Version)
}

// Stamped reports whether the version variables carry Version (false would
// mean the linker did not resolve the names above).
func Stamped() bool {
	v := version.Get()
	return v.GitVersion == Version && v.Major == major && v.Minor == minor
}
