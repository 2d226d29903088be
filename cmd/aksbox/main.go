// Command aksbox is private Azure Kubernetes Service clusters in a box:
// the cloud (aksbox serve) and its az-shaped command line in one binary.
package main

import (
	"os"

	"github.com/aksbox/aksbox/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
