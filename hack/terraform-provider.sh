#!/usr/bin/env bash
# Builds Terraform's azurerm provider from the Go module proxy into a cache
# folder, once, and writes a Terraform CLI configuration that installs it from
# there (a filesystem mirror), so `terraform init` works offline against
# aksbox. Installs Terraform itself the same way when it is missing.
#
# The first build takes about 13 minutes and 5 GB of memory on two cores;
# later runs find the binary and return at once. Prints the path of the CLI
# configuration; use it as TF_CLI_CONFIG_FILE (aksbox env --terraform does).
#
#   AKSBOX_TERRAFORM_CACHE  the cache folder (default ~/.cache/aksbox/terraform)
set -euo pipefail

# The newest provider the module proxy serves: a commit after 5.2.0. Its
# module path has no major-version suffix, so the proxy knows it only by
# pseudo-version; the mirror files it under the release it follows.
provider_module=github.com/hashicorp/terraform-provider-azurerm
provider_commit=v1.44.1-0.20260824201233-fae580791926
provider_version=5.2.0
terraform_version=v1.11.4

cache=${AKSBOX_TERRAFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aksbox/terraform}
mirror=$cache/mirror
platform=$(go env GOOS)_$(go env GOARCH)
dir=$mirror/registry.terraform.io/hashicorp/azurerm/$provider_version/$platform
bin=$dir/terraform-provider-azurerm_v$provider_version
mkdir -p "$dir" "$cache/bin"

if ! command -v terraform >/dev/null 2>&1 && [ ! -x "$cache/bin/terraform" ]; then
  echo "installing terraform $terraform_version into $cache/bin" >&2
  GOBIN=$cache/bin go install "github.com/hashicorp/terraform@$terraform_version"
fi

if [ ! -x "$bin" ]; then
  echo "building the azurerm provider ($provider_commit) into $dir; this takes a while" >&2
  start=$(date +%s)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  GOBIN=$tmp go install "$provider_module@$provider_commit"
  mv "$tmp/terraform-provider-azurerm" "$bin.partial"
  mv "$bin.partial" "$bin"
  echo "built in $(( $(date +%s) - start )) s" >&2
fi

rc=$cache/terraformrc
cat > "$rc.partial" <<RC
# Written by hack/terraform-provider.sh: hashicorp/azurerm from the local
# mirror, every other provider as usual.
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/azurerm"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/azurerm"]
  }
}
RC
mv "$rc.partial" "$rc"
echo "$rc"
