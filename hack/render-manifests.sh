#!/usr/bin/env bash
# Regenerates what is derived from the chart, so that it cannot drift (unit tests check both):
#   charts/apigw-operator/files/apiintegrations.apigw.dev.yaml  copies of the generated CRDs in crds/
#   charts/apigw-operator/files/apiroutes.apigw.dev.yaml
#   charts/apigw-operator/files/apistages.apigw.dev.yaml
#   deploy/base/apigw-operator.yaml                             the chart rendered with default values:
#                                                               the kustomize base that overlays such as
#                                                               deploy/overlays/example build on
# Usage: hack/render-manifests.sh [--stdout]   (--stdout prints the manifests and writes nothing)
# helm: $HELM, else the test bed's (hack/build-tools.sh), else the one on PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
. "$root/hack/versions.env"

RELEASE=apigw-operator
NAMESPACE=apigw-system
CRDS=(apiintegrations.apigw.dev.yaml apiroutes.apigw.dev.yaml apistages.apigw.dev.yaml)

find_helm() {
  if [[ -n "${HELM:-}" ]]; then echo "$HELM"; return; fi
  local cache="${APIGW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/apigw-operator/tools}"
  local listed
  listed="$(sed -n 's/^HELM=//p' "$cache/tools.env" 2>/dev/null || true)"
  if [[ -n "$listed" && -x "$listed" ]]; then echo "$listed"; return; fi
  command -v helm || { echo "render-manifests: no helm (set HELM, or run: npm run tools)" >&2; exit 1; }
}

render() {
  cat <<YAML
# The kustomize base of apigw-operator: the Helm chart charts/apigw-operator rendered with its
# default values (release "$RELEASE", namespace "$NAMESPACE") by hack/render-manifests.sh, which
# rewrites this file. Set the region, the image and the ServiceAccount's IAM role in an overlay:
# deploy/overlays/example shows how (kubectl apply --server-side -k deploy/overlays/example).
apiVersion: v1
kind: Namespace
metadata:
  name: $NAMESPACE
  labels:
    pod-security.kubernetes.io/enforce: restricted
    app.kubernetes.io/part-of: apigw-operator
YAML
  # A fixed Kubernetes version keeps the output the same whichever helm build renders it. The schema
  # requires a region of Helm users; here the region is left for the kubectl user to set, as the
  # header says, so the schema check is skipped for this one render.
  "$(find_helm)" template "$RELEASE" "$root/charts/apigw-operator" --namespace "$NAMESPACE" \
    --kube-version "${KUBERNETES_VERSION#v}" --skip-schema-validation
}

if [[ "${1:-}" == "--stdout" ]]; then
  render
  exit 0
fi
for crd in "${CRDS[@]}"; do cp "$root/crds/$crd" "$root/charts/apigw-operator/files/$crd"; done
mkdir -p "$root/deploy/base"
render > "$root/deploy/base/apigw-operator.yaml.tmp"
mv "$root/deploy/base/apigw-operator.yaml.tmp" "$root/deploy/base/apigw-operator.yaml"
echo "wrote charts/apigw-operator/files/ (${CRDS[*]}) and deploy/base/apigw-operator.yaml"
