#!/usr/bin/env bash
# Builds the test bed's real components into a cache outside the checkout, keyed by version:
# kube-apiserver and etcd from their Go modules, helm v3 and helm v4 from their Go modules (side by
# side: v4's --wait is the kstatus watcher Flux also uses), a Python environment with moto[server],
# and glua (gopher-lua, the Lua VM Argo CD runs health checks in) from its Go module. Also Flux's
# CRDs (from its controllers' Go modules), to check the manifests in docs/flux.md by server dry run.
# For the release checks: the CNCF distribution registry (an OCI registry the chart and image are
# pushed to and pulled from), actionlint (checks .github/workflows), and krew with its manifest
# validator, each from its Go module.
# Idempotent: with everything cached it returns in seconds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"

CACHE="${APIGW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/apigw-operator/tools}"
mkdir -p "$CACHE"
export GOFLAGS="${GOFLAGS:-} -trimpath"
export CGO_ENABLED=0

log() { printf '[build-tools] %s\n' "$*" >&2; }
run() {
  # Every step goes through here so a failure names the exact command that failed.
  if ! "$@"; then
    printf '[build-tools] FAILED: %s\n' "$*" >&2
    printf '[build-tools] fix the cause and re-run: bash hack/build-tools.sh\n' >&2
    exit 1
  fi
}
need() { command -v "$1" >/dev/null || { log "FAILED: '$1' is not on PATH ($2)"; exit 1; }; }

# go_build_in_wrapper NAME VERSION PKG@VER PKG [replace lines...]   (GO_LDFLAGS: extra -ldflags)
# Builds PKG inside a throw-away module that requires MODULE, because these modules carry
# local replace directives that make a plain `go install pkg@version` impossible.
go_build_in_wrapper() {
  local name="$1" version="$2" module="$3" pkg="$4"; shift 4
  local out="$CACHE/$name-$version${BUILD_REVISION:+-$BUILD_REVISION}/bin/$name"
  if [[ -x "$out" ]]; then log "$name $version cached at $out"; return; fi
  need go "install Go 1.25 or newer"
  local work="$CACHE/src/$name-$version"
  rm -rf "$work"; mkdir -p "$work"
  log "building $name $version (first time only; several minutes on 2 cores)"
  {
    echo "module apigw.dev/testbed/$name"
    echo "go 1.26"
    for r in "$@"; do echo "replace $r"; done
  } > "$work/go.mod"
  (cd "$work" && run go get "$module" && run go build -ldflags "${GO_LDFLAGS:-}" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  rm -rf "$work"
  log "$name $version built at $out"
}

build_kube_apiserver() {
  local v="$KUBERNETES_VERSION" minor="${KUBERNETES_VERSION#v1.}"
  local staging="v0.${minor}"
  # The release's own go.mod lists its staging modules as local replaces; map each to its
  # published v0.x twin so the release builds from the module proxy alone.
  local mod
  mod="$(cd "$CACHE" && run go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [[ -f "$mod" ]] || { log "FAILED: go mod download k8s.io/kubernetes@$v gave no go.mod"; exit 1; }
  mapfile -t replaces < <(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1 => \1 '"$staging"'#p' "$mod")
  # Stamp the real version (as the release build does), so /version and `helm --kube-version`
  # checks see v1.x rather than v0.0.0-master.
  local major="${v#v}"; major="${major%%.*}"
  local minor="${v#v*.}"; minor="${minor%%.*}"
  local vpkg=k8s.io/component-base/version
  GO_LDFLAGS="-X $vpkg.gitVersion=$v -X $vpkg.gitMajor=$major -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean" BUILD_REVISION=$KUBE_APISERVER_BUILD_REVISION \
    go_build_in_wrapper kube-apiserver "$v" "k8s.io/kubernetes/cmd/kube-apiserver@$v" k8s.io/kubernetes/cmd/kube-apiserver "${replaces[@]}"
}

build_etcd() {
  local v="$ETCD_VERSION"
  go_build_in_wrapper etcd "$v" "go.etcd.io/etcd/server/v3@$v" go.etcd.io/etcd/server/v3 \
    "go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $v" \
    "go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $v" \
    "go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $v" \
    "go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $v"
}

build_helm() {
  local v="$HELM_VERSION" out="$CACHE/helm-$HELM_VERSION/bin/helm"
  if [[ -x "$out" ]]; then log "helm $v cached at $out"; return; fi
  need go "install Go 1.25 or newer"
  log "building helm $v"
  mkdir -p "$(dirname "$out")"
  GOBIN="$(dirname "$out")" run go install "helm.sh/helm/v3/cmd/helm@$v"
}

# Helm 4 (helm.sh/helm/v4) has no replace directives, so `go install pkg@version` builds it. The
# version is stamped the way helm's Makefile does (`helm version` would otherwise say "v4.3"), so a
# test can check which helm ran. Same binary name as v3, in its own versioned directory.
build_helm4() {
  local v="$HELM4_VERSION" out="$CACHE/helm-$HELM4_VERSION/bin/helm"
  if [[ -x "$out" ]]; then log "helm $v cached at $out"; return; fi
  need go "install Go 1.26 or newer (helm $v's go.mod asks for go 1.26.0)"
  log "building helm $v (first time only; a few minutes on 2 cores)"
  mkdir -p "$(dirname "$out")"
  local vpkg=helm.sh/helm/v4/internal/version
  GOBIN="$(dirname "$out")" run go install -ldflags "-X $vpkg.version=$v -X $vpkg.gitTreeState=clean" "helm.sh/helm/v4/cmd/helm@$v"
  log "helm $v built at $out"
}

build_glua() {
  local v="$GOPHER_LUA_VERSION" out="$CACHE/glua-$GOPHER_LUA_VERSION/bin/glua"
  if [[ -x "$out" ]]; then log "glua $v cached at $out"; return; fi
  need go "install Go 1.25 or newer"
  log "building glua (gopher-lua $v)"
  mkdir -p "$(dirname "$out")"
  GOBIN="$(dirname "$out")" run go install "github.com/yuin/gopher-lua/cmd/glua@$v"
}

# go_install_tool NAME VERSION PKG: `go install PKG@VERSION` into its own versioned directory, for
# modules without replace directives. Cached: a built binary is never rebuilt.
go_install_tool() {
  local name="$1" v="$2" pkg="$3" out="$CACHE/$1-$2/bin/$1"
  if [[ -x "$out" ]]; then log "$name $v cached at $out"; return; fi
  need go "install Go 1.25 or newer"
  log "building $name $v (first time only)"
  mkdir -p "$(dirname "$out")"
  GOBIN="$(dirname "$out")" run go install "$pkg@$v"
  log "$name $v built at $out"
}

build_registry() { go_install_tool registry "$DISTRIBUTION_VERSION" github.com/distribution/distribution/v3/cmd/registry; }
build_actionlint() { go_install_tool actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint; }
build_krew_validate() { go_install_tool validate-krew-manifest "$KREW_VERSION" sigs.k8s.io/krew/cmd/validate-krew-manifest; }
# The validator installs each platform's archive with `kubectl krew install --manifest`, so krew
# itself (run as the kubectl plugin kubectl-krew) comes with it.
build_krew() { go_install_tool krew "$KREW_VERSION" sigs.k8s.io/krew/cmd/krew; }

# Flux's controllers cannot run on the test bed (no images, no kubelet), but their CRDs can be
# served: docs/flux.md's manifests are dry-run against them. Each controller's Go module carries
# its CRDs under config/crd/bases; the versions are those the pinned Flux release ships.
fetch_flux_crds() {
  local out="$CACHE/flux-crds-$FLUX_VERSION"
  if [[ -f "$out/.complete" ]]; then log "Flux $FLUX_VERSION CRDs cached at $out"; return; fi
  need go "install Go 1.26 or newer"
  log "fetching Flux $FLUX_VERSION CRDs from the controllers' Go modules"
  rm -rf "$out"; mkdir -p "$out"
  local mv dir
  for mv in "github.com/fluxcd/source-controller@$FLUX_SOURCE_CONTROLLER_VERSION" \
            "github.com/fluxcd/kustomize-controller@$FLUX_KUSTOMIZE_CONTROLLER_VERSION" \
            "github.com/fluxcd/helm-controller@$FLUX_HELM_CONTROLLER_VERSION"; do
    dir="$(cd "$CACHE" && run go mod download -json "$mv" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
    [[ -d "$dir/config/crd/bases" ]] || { log "FAILED: $mv has no config/crd/bases"; exit 1; }
    cp "$dir"/config/crd/bases/*.yaml "$out/"
  done
  touch "$out/.complete"
  log "Flux $FLUX_VERSION CRDs in $out"
}

moto_version_ok() {
  "$1" - "$MOTO_MIN_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
def key(v): return tuple(int(p) for p in v.split(".")[:3] if p.isdigit())
import moto.server  # noqa: F401  (server extras present)
import flask, flask_cors  # noqa: F401
sys.exit(0 if key(version("moto")) >= key(sys.argv[1]) else 1)
PY
}

prepare_moto() {
  local venv="$CACHE/moto-$MOTO_PIN_VERSION"
  local marker="$CACHE/moto-python"
  need python3 "install Python 3.9 or newer"
  if [[ -f "$marker" ]] && [[ -x "$(cat "$marker")" ]] && moto_version_ok "$(cat "$marker")"; then
    log "moto ready with $(cat "$marker")"; return
  fi
  if moto_version_ok python3; then
    command -v python3 > "$marker"
    log "using the machine's moto ($(python3 -c 'import moto; print(moto.__version__)'))"
    return
  fi
  log "installing moto[server]==$MOTO_PIN_VERSION into $venv"
  rm -rf "$venv"
  run python3 -m venv "$venv"
  run "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_PIN_VERSION"
  echo "$venv/bin/python" > "$marker"
}

want="${*:-kube-apiserver etcd helm helm4 glua flux-crds moto registry actionlint krew-validate krew}"
for t in $want; do
  case "$t" in
    kube-apiserver) build_kube_apiserver ;;
    etcd) build_etcd ;;
    helm) build_helm ;;
    helm4) build_helm4 ;;
    glua) build_glua ;;
    flux-crds) fetch_flux_crds ;;
    moto) prepare_moto ;;
    registry) build_registry ;;
    actionlint) build_actionlint ;;
    krew-validate) build_krew_validate ;;
    krew) build_krew ;;
    *) log "unknown tool '$t' (known: kube-apiserver etcd helm helm4 glua flux-crds moto registry actionlint krew-validate krew)"; exit 2 ;;
  esac
done

# Machine-readable summary for the test bed (read by test/testbed/tools.ts).
{
  echo "KUBE_APISERVER=$CACHE/kube-apiserver-$KUBERNETES_VERSION-$KUBE_APISERVER_BUILD_REVISION/bin/kube-apiserver"
  echo "ETCD=$CACHE/etcd-$ETCD_VERSION/bin/etcd"
  echo "HELM=$CACHE/helm-$HELM_VERSION/bin/helm"
  echo "HELM4=$CACHE/helm-$HELM4_VERSION/bin/helm"
  echo "GLUA=$CACHE/glua-$GOPHER_LUA_VERSION/bin/glua"
  echo "FLUX_CRDS=$CACHE/flux-crds-$FLUX_VERSION"
  echo "REGISTRY=$CACHE/registry-$DISTRIBUTION_VERSION/bin/registry"
  echo "ACTIONLINT=$CACHE/actionlint-$ACTIONLINT_VERSION/bin/actionlint"
  echo "VALIDATE_KREW_MANIFEST=$CACHE/validate-krew-manifest-$KREW_VERSION/bin/validate-krew-manifest"
  echo "KREW=$CACHE/krew-$KREW_VERSION/bin/krew"
  [[ -f "$CACHE/moto-python" ]] && echo "MOTO_PYTHON=$(cat "$CACHE/moto-python")"
} > "$CACHE/tools.env"
log "tools listed in $CACHE/tools.env"
