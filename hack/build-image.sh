#!/usr/bin/env bash
# Builds the operator image from the Dockerfile on a machine with no container registry:
#   1. installs Debian's Docker engine (docker.io) with apt when dockerd is missing, and starts
#      dockerd (as root, in the background, logging under the cache directory) when it is not
#      running;
#   2. builds LOCAL STAND-INS for the Dockerfile's two base images, because no registry is
#      reachable to pull the official ones, and tags them with exactly the names its FROM lines use:
#        node:<pinned>-bookworm-slim  <- a Debian bookworm root (debootstrap from Debian's mirror)
#                                        with the pinned Node.js (the `node` devDependency) as
#                                        /usr/local/bin/node and npm from the npm registry;
#        gcr.io/distroless/nodejs24-debian12:nonroot
#                                     <- a scratch root with /nodejs/bin/node, the shared libraries
#                                        it loads, CA certificates and the nonroot user (65532).
#      They are NOT the official images, only close enough to build and run the Dockerfile. Each
#      carries the label dev.apigw.stand-in; an image of that name without the label (an official
#      image pulled earlier) is used as it is and never overwritten;
#   3. docker build of the Dockerfile (host network, for npm), and prints the image's size.
# Stand-ins and downloads are cached outside the checkout; a second run only rebuilds changed layers.
#
#   bash hack/build-image.sh [IMAGE]          IMAGE defaults to apigw-operator:dev
#   bash hack/build-image.sh --plan           prints the base images and stages it would build, and exits
# Environment: APIGW_IMAGE_CACHE (cache dir), DEBIAN_MIRROR, STANDIN_NPM_VERSION, DOCKER (client).
# Logs go to stderr; the last lines on stdout are machine-readable: IMAGE=, IMAGE_ID=, IMAGE_SIZE_BYTES=.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$here/.." && pwd)"
PLAN_ONLY=false
if [[ "${1:-}" == --plan ]]; then PLAN_ONLY=true; shift; fi
IMAGE="${1:-${IMAGE:-apigw-operator:dev}}"
CACHE_BASE="${XDG_CACHE_HOME:-$HOME/.cache}/apigw-operator"
CACHE="${APIGW_IMAGE_CACHE:-$CACHE_BASE/image}"
DOCKER_DIR="$CACHE_BASE/docker"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# npm for the build stand-in, from the npm registry (Node.js 24 ships npm 11).
STANDIN_NPM_VERSION="${STANDIN_NPM_VERSION:-11.19.1}"
# Bump when a recipe below changes, so cached images are rebuilt: the Debian root, the stand-ins.
DEBIAN_ROOTFS_REVISION=1
STANDIN_REVISION=2
STANDIN_LABEL=dev.apigw.stand-in
DOCKER="${DOCKER:-docker}"

log() { printf '[build-image +%ss] %s\n' "$SECONDS" "$*" >&2; }
fail() {
  printf '[build-image] FAILED: %s\n' "$*" >&2
  exit 1
}
run() {
  # Every step goes through here so a failure names the exact command that failed.
  if ! "$@"; then fail "$* (fix the cause and re-run: bash hack/build-image.sh)"; fi
}
is_root() { [[ "$(id -u)" == 0 ]]; }

apt_install() {
  # Non-interactive, no recommended extras; refreshes the package lists only when needed.
  is_root || fail "'$*' is missing and only root can install it with apt (run this script as root, or install it yourself)"
  export DEBIAN_FRONTEND=noninteractive
  log "installing $* with apt"
  if ! apt-get install -y -q --no-install-recommends "$@" </dev/null >&2; then
    run apt-get update -q </dev/null >&2
    run apt-get install -y -q --no-install-recommends "$@" </dev/null >&2
  fi
}

# --- 1. the Docker engine --------------------------------------------------------------------
engine_up() { timeout 20 "$DOCKER" info >/dev/null 2>&1; }

start_engine() {
  if ! command -v dockerd >/dev/null; then apt_install docker.io; fi
  command -v "$DOCKER" >/dev/null || fail "no docker client '$DOCKER' on PATH after installing docker.io"
  if engine_up; then return; fi
  if [[ -n "${DOCKER_HOST:-}" ]]; then fail "DOCKER_HOST=$DOCKER_HOST does not answer 'docker info'"; fi
  is_root || fail "dockerd is not running and only root can start it (run this script as root, or start dockerd yourself)"
  local logfile="$DOCKER_DIR/dockerd.log"
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd in the background (log: $logfile)"
    # Its own session, stdio detached and the lock (fd 9) not inherited: it outlives this script
    # and whatever started it, and holds nothing of theirs.
    setsid dockerd >>"$logfile" 2>&1 </dev/null 9>&- &
  else
    log "dockerd is running but not answering yet; waiting (log: $logfile)"
  fi
  local i
  for i in $(seq 1 60); do
    if engine_up; then log "dockerd is up ($i s)"; return; fi
    sleep 1
  done
  tail -n 30 "$logfile" >&2 || true
  fail "dockerd did not answer 'docker info' within 60 s; see $logfile"
}

# --- 2. the base images named by the Dockerfile ----------------------------------------------
mapfile -t FROMS < <(sed -n 's/^[[:space:]]*FROM[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/Ip' "$ROOT/Dockerfile")
BUILD_BASE=""
RUNTIME_BASE=""
for f in "${FROMS[@]}"; do
  [[ "$f" == *@* ]] && fail "the Dockerfile pins $f by digest; a local stand-in cannot carry a registry digest. Use a tag in FROM (the official digest cannot be checked here anyway)."
  case "$f" in
    node:*) [[ -z "$BUILD_BASE" || "$BUILD_BASE" == "$f" ]] || fail "two different node: base images ($BUILD_BASE, $f)"; BUILD_BASE="$f" ;;
    gcr.io/distroless/nodejs*) RUNTIME_BASE="$f" ;;
    *) fail "no stand-in recipe for base image '$f' (known: node:<version>-bookworm-slim, gcr.io/distroless/nodejs<major>-debian12:nonroot)" ;;
  esac
done
# Named stages other than the last, built on their own to keep them tagged (see build_app).
mapfile -t STAGES < <(sed -n 's/^[[:space:]]*FROM[[:space:]].*[[:space:]]AS[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/Ip' "$ROOT/Dockerfile")
CACHE_REPO=apigw-operator-build-cache
[[ -n "$BUILD_BASE" && -n "$RUNTIME_BASE" ]] || fail "expected a node: and a gcr.io/distroless/nodejs FROM in the Dockerfile, found: ${FROMS[*]}"
NODE_VERSION="${BUILD_BASE#node:}"
NODE_VERSION="${NODE_VERSION%%-*}"
[[ "$NODE_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "cannot read a Node.js release from '$BUILD_BASE'"
[[ "$BUILD_BASE" == *-bookworm-slim ]] || fail "the build stand-in is Debian bookworm; '$BUILD_BASE' asks for something else"
[[ "$RUNTIME_BASE" == *nodejs"${NODE_VERSION%%.*}"-debian12:* ]] || fail "'$RUNTIME_BASE' is not distroless Node.js ${NODE_VERSION%%.*} on Debian 12"
DEBIAN_BASE="apigw-operator-stand-in/debian:bookworm-r$DEBIAN_ROOTFS_REVISION"

case "$(uname -m)" in
  x86_64) NODE_ARCH=x64 ;;
  aarch64) NODE_ARCH=arm64 ;;
  *) fail "no Node.js binary for $(uname -m)" ;;
esac

label_of() { "$DOCKER" image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null; }
have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
# want_stand_in IMAGE: true when IMAGE must be (re)built as a stand-in.
want_stand_in() {
  have_image "$1" || return 0
  local rev
  rev="$(label_of "$1" "$STANDIN_LABEL.revision")"
  if [[ -z "$rev" || "$rev" == "<no value>" ]]; then
    log "$1 exists and is not a stand-in (an official image): using it as it is"
    return 1
  fi
  if [[ "$rev" != "$STANDIN_REVISION" ]]; then log "$1 is a stand-in of an older recipe (r$rev): rebuilding"; return 0; fi
  log "$1: cached local stand-in (r$rev)"
  return 1
}

# The pinned Node.js binary: the one npm installed for the tests when it is that release, else the
# npm registry's node-linux-<arch> package (the official build), downloaded once into the cache.
fetch_node() {
  local local_node="$ROOT/node_modules/node/bin/node"
  if [[ -x "$local_node" ]] && [[ "$("$local_node" --version 2>/dev/null)" == "v$NODE_VERSION" ]]; then
    NODE_BIN="$local_node"; return
  fi
  local dir="$CACHE/downloads/node-linux-$NODE_ARCH-$NODE_VERSION"
  if [[ ! -x "$dir/package/bin/node" ]]; then
    command -v npm >/dev/null || fail "npm is needed to fetch node-linux-$NODE_ARCH@$NODE_VERSION from the npm registry"
    log "downloading node-linux-$NODE_ARCH@$NODE_VERSION from the npm registry"
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && run npm pack --silent "node-linux-$NODE_ARCH@$NODE_VERSION" >/dev/null && run tar -xzf "node-linux-$NODE_ARCH-$NODE_VERSION.tgz" && rm -f ./*.tgz) >&2
  fi
  NODE_BIN="$dir/package/bin/node"
  [[ "$("$NODE_BIN" --version)" == "v$NODE_VERSION" ]] || fail "$NODE_BIN is not Node.js $NODE_VERSION"
}

fetch_npm() {
  local dir="$CACHE/downloads/npm-$STANDIN_NPM_VERSION"
  if [[ ! -f "$dir/package/bin/npm-cli.js" ]]; then
    command -v npm >/dev/null || fail "npm is needed to fetch npm@$STANDIN_NPM_VERSION from the npm registry"
    log "downloading npm@$STANDIN_NPM_VERSION from the npm registry"
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && run npm pack --silent "npm@$STANDIN_NPM_VERSION" >/dev/null && run tar -xzf "npm-$STANDIN_NPM_VERSION.tgz" && rm -f ./*.tgz) >&2
  fi
  NPM_DIR="$dir/package"
}

# A Debian bookworm minbase root from Debian's mirror, imported as an image. Both stand-ins start
# from it (the runtime one only borrows its libraries and CA certificates).
debian_base() {
  have_image "$DEBIAN_BASE" && return
  local tarball="$CACHE/downloads/debian-bookworm-minbase-r$DEBIAN_ROOTFS_REVISION.tar"
  if [[ ! -f "$tarball" ]]; then
    is_root || fail "debootstrap needs root"
    command -v debootstrap >/dev/null || apt_install debootstrap
    local rootfs="$CACHE/rootfs-bookworm"
    rm -rf "$rootfs"
    log "debootstrapping Debian bookworm (minbase) from $DEBIAN_MIRROR into $rootfs (first time only; a minute or two)"
    if ! debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$DEBIAN_MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
      tail -n 30 "$CACHE/debootstrap.log" >&2
      fail "debootstrap bookworm from $DEBIAN_MIRROR (log: $CACHE/debootstrap.log)"
    fi
    # What debian:bookworm-slim leaves out: package caches, lists, docs.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
    mkdir -p "$(dirname "$tarball")"
    run tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  log "importing the Debian bookworm root as $DEBIAN_BASE"
  run "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL $STANDIN_LABEL=\"Debian bookworm root for the local stand-ins, built by hack/build-image.sh\"" \
    "$tarball" "$DEBIAN_BASE" >/dev/null
}

# docker build with the legacy builder: Debian's engine (20.10) comes without buildx, and the legacy
# builder needs no registry at all (BuildKit would pull the frontend the Dockerfile's '# syntax='
# line names). --force-rm: no stopped containers left behind by a failed step.
docker_build() { DOCKER_BUILDKIT=0 run "$DOCKER" build --network host --force-rm "$@" >&2; }

build_stand_in_build_base() {
  want_stand_in "$BUILD_BASE" || return 0
  debian_base
  local ctx="$CACHE/context-build"
  rm -rf "$ctx"; mkdir -p "$ctx"
  fetch_node
  fetch_npm
  cp "$NODE_BIN" "$ctx/node"
  cp -a "$NPM_DIR" "$ctx/npm"
  # The machine's trusted CAs, for npm in the build stages: the npm registry may be reached through
  # a TLS-intercepting proxy whose CA only the machine trusts. Build stages only; the runtime
  # stand-in and the operator image keep Debian's bundle.
  local host_ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
  if [[ -f "$host_ca" ]]; then cp -L "$host_ca" "$ctx/host-ca.crt"; else : >"$ctx/host-ca.crt"; fi
  cat >"$ctx/Dockerfile" <<EOF
# LOCAL STAND-IN for $BUILD_BASE, built by hack/build-image.sh because no registry is reachable.
FROM $DEBIAN_BASE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY host-ca.crt /usr/local/share/apigw-stand-in/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/apigw-stand-in/host-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
ENV NODE_VERSION=$NODE_VERSION
LABEL $STANDIN_LABEL="local stand-in for $BUILD_BASE (not the official image), built by hack/build-image.sh" \\
      $STANDIN_LABEL.revision="$STANDIN_REVISION"
CMD ["node"]
EOF
  log "building a LOCAL STAND-IN for $BUILD_BASE (Debian bookworm + Node.js $NODE_VERSION + npm $STANDIN_NPM_VERSION); no registry is reachable to pull the official image"
  docker_build -t "$BUILD_BASE" "$ctx"
  rm -rf "$ctx"
}

build_stand_in_runtime_base() {
  want_stand_in "$RUNTIME_BASE" || return 0
  debian_base
  local ctx="$CACHE/context-runtime"
  rm -rf "$ctx"; mkdir -p "$ctx"
  fetch_node
  cp "$NODE_BIN" "$ctx/node"
  cat >"$ctx/Dockerfile" <<EOF
# LOCAL STAND-IN for $RUNTIME_BASE, built by hack/build-image.sh because no registry is reachable:
# the distroless layout (/nodejs/bin/node, user nonroot 65532, no shell) on Debian 12 libraries.
FROM $DEBIAN_BASE AS collect
COPY node /out/nodejs/bin/node
RUN set -eu; out=/out; \\
    for lib in \$(ldd /out/nodejs/bin/node | awk '\$2 == "=>" && \$3 ~ /^\\// { print \$3 } \$1 ~ /^\\// { print \$1 }'); do \\
      mkdir -p "\$out\$(dirname "\$lib")"; cp -L "\$lib" "\$out\$lib"; \\
    done; \\
    mkdir -p \$out/etc/ssl/certs \$out/tmp \$out/root /home-nonroot; \\
    chmod 1777 \$out/tmp; chmod 700 \$out/root; \\
    cp -L /etc/ssl/certs/ca-certificates.crt \$out/etc/ssl/certs/; \\
    cp /etc/os-release \$out/etc/os-release; \\
    printf 'root:x:0:0:root:/root:/sbin/nologin\\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\\n' >\$out/etc/passwd; \\
    printf 'root:x:0:\\nnobody:x:65534:\\nnonroot:x:65532:\\n' >\$out/etc/group; \\
    printf 'hosts: files dns\\n' >\$out/etc/nsswitch.conf; \\
    chroot \$out /nodejs/bin/node -e 'process.exit(0)'

FROM scratch
COPY --from=collect /out/ /
COPY --from=collect --chown=65532:65532 /home-nonroot /home/nonroot
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL $STANDIN_LABEL="local stand-in for $RUNTIME_BASE (not the official image), built by hack/build-image.sh" \\
      $STANDIN_LABEL.revision="$STANDIN_REVISION"
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/nodejs/bin/node"]
EOF
  log "building a LOCAL STAND-IN for $RUNTIME_BASE (scratch + Node.js $NODE_VERSION at /nodejs/bin/node + nonroot 65532); no registry is reachable to pull the official image"
  docker_build -t "$RUNTIME_BASE" "$ctx"
  rm -rf "$ctx"
}

# --- 3. the operator image -------------------------------------------------------------------
build_app() {
  log "docker build -t $IMAGE $ROOT (host network for npm)"
  local started=$SECONDS stage
  # The legacy builder leaves each build stage's result untagged; tagged, they stay the layer cache
  # of the next build while older results (of changed sources) can be pruned below.
  for stage in "${STAGES[@]}"; do
    docker_build --target "$stage" -t "$CACHE_REPO:$stage" "$ROOT"
  done
  docker_build -t "$IMAGE" "$ROOT"
  log "built $IMAGE in $((SECONDS - started)) s"
  # Untagged leftovers of earlier builds, and only those: images on top of the stand-ins.
  "$DOCKER" image prune -f --filter "label=$STANDIN_LABEL" >/dev/null || true
}

if "$PLAN_ONLY"; then
  # What would be built, without Docker (for the unit tests and the curious).
  printf 'BUILD_BASE=%s\nRUNTIME_BASE=%s\nNODE_VERSION=%s\nSTAGES=%s\nIMAGE=%s\n' "$BUILD_BASE" "$RUNTIME_BASE" "$NODE_VERSION" "${STAGES[*]}" "$IMAGE"
  exit 0
fi

mkdir -p "$CACHE" "$DOCKER_DIR"
# One build at a time per machine: the stand-ins and dockerd are shared by every checkout.
exec 9>"$CACHE/.lock"
flock -w 3600 9 || fail "another hack/build-image.sh has held $CACHE/.lock for an hour"
start_engine
log "NOTE: base images are LOCAL STAND-INS for $BUILD_BASE and $RUNTIME_BASE, built here because no container registry is reachable; the image is for tests on this machine, not for publishing"
build_stand_in_build_base
build_stand_in_runtime_base
build_app

id="$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE")"
size="$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")"
log "image $IMAGE ($id): $((size / 1000000)) MB ($size bytes, uncompressed, base image included)"
printf 'IMAGE=%s\nIMAGE_ID=%s\nIMAGE_SIZE_BYTES=%s\n' "$IMAGE" "$id" "$size"
