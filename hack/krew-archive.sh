#!/usr/bin/env bash
# Builds the krew plugin's archives: one per platform of plugins/apigw.yaml (linux and darwin,
# amd64 and arm64), each holding the compiled plugin with its production dependencies (installed
# from package-lock.json, so the release runs what the tests ran), LICENSE, and a POSIX launcher
# `kubectl-apigw` that runs it with the `node` on PATH (Node.js 24 or newer). The plugin is
# JavaScript, so the four archives hold the same files; one per platform keeps the manifest's shape
# when a platform gets a native build. Archives are reproducible: sorted, owner 0, mtime 0, gzip -n.
#
#   bash hack/krew-archive.sh OUT_DIR [PACKAGE_TGZ]
# PACKAGE_TGZ: the npm package (`npm pack`); packed from the checkout when not given.
# Writes OUT_DIR/kubectl-apigw_v<version>_<os>_<arch>.tar.gz and OUT_DIR/sha256sums.txt, and prints
# the archive paths.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: hack/krew-archive.sh OUT_DIR [PACKAGE_TGZ]}"
tgz="${2:-}"
PLATFORMS=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64)
# Files of the package the launcher needs; the archive is refused without them.
REQUIRED=(package/dist/src/main.js package/dist/src/cli/kubectl-apigw.js)

fail() { printf '[krew-archive] FAILED: %s\n' "$*" >&2; exit 1; }
command -v npm >/dev/null || fail "npm is needed (Node.js 24 with npm on PATH)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ -z "$tgz" ]]; then
  (cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null) || fail "npm pack"
  tgz="$(ls "$work"/apigw-operator-*.tgz)"
fi
version="$(tar -xzOf "$tgz" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).version')"

stage="$work/stage"
mkdir -p "$stage"
tar -xzf "$tgz" -C "$work"
for f in "${REQUIRED[@]}"; do [[ -f "$work/$f" ]] || fail "$tgz has no $f"; done
mv "$work/package" "$stage/apigw-operator"
cp "$root/package-lock.json" "$stage/apigw-operator/"
(cd "$stage/apigw-operator" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline >&2) ||
  fail "npm ci --omit=dev in the staged package"
# krew unpacks regular files and directories; npm's .bin links are not needed by the launcher.
rm -rf "$stage/apigw-operator/node_modules/.bin" "$stage/apigw-operator/package-lock.json"
if [[ -n "$(find "$stage" -type l)" ]]; then fail "symbolic links in the staged plugin: $(find "$stage" -type l | head -3)"; fi
cp "$root/LICENSE" "$stage/LICENSE"
cat >"$stage/kubectl-apigw" <<'LAUNCHER'
#!/bin/sh
# kubectl-apigw: the apigw kubectl plugin. Runs its JavaScript with the node on PATH, which must be
# Node.js 24 or newer. krew links this file from its bin directory, so the links are followed to
# find the plugin next to it.
set -e
self=$0
while [ -L "$self" ]; do
  link=$(readlink "$self")
  case $link in
    /*) self=$link ;;
    *) self=$(dirname "$self")/$link ;;
  esac
done
here=$(cd "$(dirname "$self")" && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "kubectl-apigw: Node.js 24 or newer must be on PATH (https://nodejs.org); no 'node' found" >&2
  exit 127
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 24 ]; then
  echo "kubectl-apigw: Node.js 24 or newer must be on PATH; found $(node --version)" >&2
  exit 127
fi
exec node "$here/apigw-operator/dist/src/cli/kubectl-apigw.js" "$@"
LAUNCHER
chmod 0755 "$stage/kubectl-apigw"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$stage" -cf - . | gzip -n >"$work/plugin.tar.gz"
: >"$out/sha256sums.txt"
for platform in "${PLATFORMS[@]}"; do
  name="kubectl-apigw_v${version}_${platform}.tar.gz"
  cp "$work/plugin.tar.gz" "$out/$name"
  (cd "$out" && sha256sum "$name") >>"$out/sha256sums.txt"
  echo "$out/$name"
done
