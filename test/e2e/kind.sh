#!/usr/bin/env bash
# End-to-end on kind, for machines with Docker. Builds the image, installs the chart with
# `helm upgrade --install --wait` into a namespace that enforces the restricted pod security
# standard, creates an HTTP and a WebSocket API (in moto running in the cluster, or in real AWS with
# E2E_REAL_AWS=1), applies examples/ with their apiId set to those APIs, waits for Ready, updates
# one, applies examples/routes/ (routes naming those ApiIntegrations) and waits for them, deletes
# integrations and routes in one command and checks AWS has no integrations or routes left. On
# failure it prints the operator's logs, events and objects; then it deletes the cluster.
#
#   test/e2e/kind.sh                                       moto in the cluster
#   E2E_REAL_AWS=1 AWS_REGION=eu-west-1 test/e2e/kind.sh   real AWS, with the caller's credentials
#                                                          (needs the aws CLI; the APIs it creates
#                                                          are deleted at the end)
#   KEEP_CLUSTER=1 test/e2e/kind.sh                        leave the cluster running
#
# CI has no Docker; there, test/integration/chart.test.ts runs the same flow on the test bed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../hack/versions.env
. "$root/hack/versions.env"

# kind v0.30.0's image for Kubernetes 1.34, by digest.
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a}"
MOTO_IMAGE="motoserver/moto:${MOTO_PIN_VERSION}"
AWS_CLI_IMAGE="amazon/aws-cli:2.32.8"
CLUSTER="${CLUSTER:-apigw-e2e}"
IMAGE_REPO="apigw-operator"
IMAGE_TAG="e2e-$(date +%Y%m%d%H%M%S)-$$"
RELEASE="apigw-operator"
NS="apigw-system"
APPS="apigw-e2e"
HELM="${HELM:-helm}"
REGION="${AWS_REGION:-us-east-1}"
REAL_AWS="${E2E_REAL_AWS:-0}"
MOTO_URL="http://moto.moto.svc.cluster.local:5000"

log() { printf '\n== %s\n' "$*"; }
need() { command -v "$1" >/dev/null || { echo "kind.sh: '$1' is required and not on PATH" >&2; exit 2; }; }
for tool in docker kind kubectl "$HELM"; do need "$tool"; done
if [[ "$REAL_AWS" == 1 ]]; then need aws; fi

created_apis=()

diagnose() {
  log "FAILED: diagnostics"
  kubectl -n "$NS" get pods -o wide || true
  kubectl -n "$NS" describe pods || true
  kubectl -n "$NS" logs "deployment/$RELEASE" --tail=300 || true
  kubectl get apiintegrations,apiroutes -A -o yaml || true
  kubectl get events -A --sort-by=.lastTimestamp | tail -60 || true
}

cleanup() {
  local rc=$?
  if ((rc != 0)); then diagnose; fi
  if [[ "$REAL_AWS" == 1 ]]; then
    for api in ${created_apis[@]+"${created_apis[@]}"}; do
      aws apigatewayv2 delete-api --api-id "$api" --region "$REGION" || true
    done
  fi
  if [[ "${KEEP_CLUSTER:-0}" != 1 ]]; then kind delete cluster --name "$CLUSTER" || true; fi
  exit "$rc"
}
trap cleanup EXIT

# Runs the aws CLI: the caller's against real AWS, or a throw-away pod against moto.
aws_cli() {
  if [[ "$REAL_AWS" == 1 ]]; then
    aws --region "$REGION" "$@"
  else
    kubectl -n moto run "aws-cli-$RANDOM" --rm -i --quiet --restart=Never --image="$AWS_CLI_IMAGE" \
      --env=AWS_ACCESS_KEY_ID=testing --env=AWS_SECRET_ACCESS_KEY=testing --env="AWS_DEFAULT_REGION=$REGION" \
      -- --endpoint-url "$MOTO_URL" "$@" | tr -d '\r'
  fi
}

log "kind cluster $CLUSTER ($KIND_NODE_IMAGE)"
if ! kind get clusters | grep -qx "$CLUSTER"; then
  kind create cluster --name "$CLUSTER" --image "$KIND_NODE_IMAGE" --wait 5m
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

log "building $IMAGE_REPO:$IMAGE_TAG and loading it into the cluster"
docker build -t "$IMAGE_REPO:$IMAGE_TAG" "$root"
kind load docker-image "$IMAGE_REPO:$IMAGE_TAG" --name "$CLUSTER"

aws_values=()
if [[ "$REAL_AWS" == 1 ]]; then
  log "using real AWS in $REGION with the caller's credentials"
  : "${AWS_ACCESS_KEY_ID:?set AWS credentials in the environment for E2E_REAL_AWS=1}" "${AWS_SECRET_ACCESS_KEY:?}"
  kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
  kubectl -n "$NS" create secret generic apigw-operator-aws --dry-run=client -o yaml \
    --from-literal=access-key-id="$AWS_ACCESS_KEY_ID" --from-literal=secret-access-key="$AWS_SECRET_ACCESS_KEY" \
    --from-literal=session-token="${AWS_SESSION_TOKEN:-}" | kubectl apply -f -
  aws_values+=(--set-json 'extraEnv=[
    {"name":"AWS_ACCESS_KEY_ID","valueFrom":{"secretKeyRef":{"name":"apigw-operator-aws","key":"access-key-id"}}},
    {"name":"AWS_SECRET_ACCESS_KEY","valueFrom":{"secretKeyRef":{"name":"apigw-operator-aws","key":"secret-access-key"}}},
    {"name":"AWS_SESSION_TOKEN","valueFrom":{"secretKeyRef":{"name":"apigw-operator-aws","key":"session-token"}}}]')
  # These reference only the API itself; the others need a VPC link, a queue and a role to exist.
  examples=(http-lambda-proxy http-url-proxy websocket-lambda websocket-mock)
else
  log "moto ($MOTO_IMAGE) as API Gateway v2"
  kubectl apply -f - <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: moto
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: moto
  namespace: moto
spec:
  replicas: 1
  selector:
    matchLabels: {app: moto}
  template:
    metadata:
      labels: {app: moto}
    spec:
      containers:
        - name: moto
          image: $MOTO_IMAGE
          ports: [{containerPort: 5000}]
          readinessProbe:
            httpGet: {path: /moto-api/data.json, port: 5000}
---
apiVersion: v1
kind: Service
metadata:
  name: moto
  namespace: moto
spec:
  selector: {app: moto}
  ports: [{port: 5000, targetPort: 5000}]
YAML
  kubectl -n moto rollout status deployment/moto --timeout=5m
  # moto accepts any credentials; the operator still signs its requests as it would for AWS.
  aws_values+=(--set "awsEndpoint=$MOTO_URL" --set "stsEndpoint=$MOTO_URL" --set-json 'extraEnv=[{"name":"AWS_ACCESS_KEY_ID","value":"testing"},{"name":"AWS_SECRET_ACCESS_KEY","value":"testing"}]')
  examples=()
  for f in "$root"/examples/*.yaml; do examples+=("$(basename "$f" .yaml)"); done
fi

log "installing the chart into $NS (restricted pod security)"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted --overwrite
"$HELM" upgrade --install "$RELEASE" "$root/charts/apigw-operator" --namespace "$NS" \
  --set image.repository="$IMAGE_REPO" --set image.tag="$IMAGE_TAG" --set image.pullPolicy=IfNotPresent \
  --set region="$REGION" "${aws_values[@]}" --wait --timeout 5m
kubectl -n "$NS" rollout status "deployment/$RELEASE" --timeout=2m

log "creating an HTTP API and a WebSocket API"
http_api="$(aws_cli apigatewayv2 create-api --name apigw-e2e-http --protocol-type HTTP --query ApiId --output text)"
created_apis+=("$http_api")
ws_api="$(aws_cli apigatewayv2 create-api --name apigw-e2e-ws --protocol-type WEBSOCKET \
  --route-selection-expression '$request.body.action' --query ApiId --output text)"
created_apis+=("$ws_api")
echo "HTTP API $http_api, WebSocket API $ws_api"

log "applying examples (${examples[*]}) into $APPS"
kubectl create namespace "$APPS" --dry-run=client -o yaml | kubectl apply -f -
for name in "${examples[@]}"; do
  api="$http_api"
  [[ "$name" == websocket-* ]] && api="$ws_api"
  sed -e "s/^  namespace: .*/  namespace: $APPS/" -e "s/^  apiId: .*/  apiId: $api/" "$root/examples/$name.yaml" | kubectl apply -f -
done
kubectl -n "$APPS" wait --for=condition=Ready apiintegrations --all --timeout=3m
kubectl -n "$APPS" get apiintegrations -o wide

log "updating one; kubectl wait only returns once Ready is reported for the new generation"
kubectl -n "$APPS" patch apiintegration orders-lambda --type merge -p '{"spec":{"description":"updated by kind.sh"}}'
kubectl -n "$APPS" wait --for=condition=Ready apiintegration/orders-lambda --timeout=2m
id="$(kubectl -n "$APPS" get apiintegration orders-lambda -o jsonpath='{.status.integrationId}')"
description="$(aws_cli apigatewayv2 get-integration --api-id "$http_api" --integration-id "$id" --query Description --output text)"
[[ "$description" == "updated by kind.sh" ]] || { echo "integration $id has description '$description'" >&2; exit 1; }

log "applying examples/routes (ApiRoutes naming those ApiIntegrations)"
for f in "$root"/examples/routes/*.yaml; do
  api="$http_api"
  [[ "$(basename "$f")" == *websocket* ]] && api="$ws_api"
  sed -e "s/^  namespace: .*/  namespace: $APPS/" -e "s/^  apiId: .*/  apiId: $api/" "$f" | kubectl apply -f -
done
kubectl -n "$APPS" wait --for=condition=Ready apiroutes --all --timeout=3m
kubectl -n "$APPS" get apiroutes -o wide
target="$(aws_cli apigatewayv2 get-routes --api-id "$http_api" --query "Items[?RouteKey=='GET /orders/{id}'].Target | [0]" --output text)"
[[ "$target" == "integrations/$id" ]] || { echo "route GET /orders/{id} targets '$target', not integrations/$id" >&2; exit 1; }

log "deleting integrations and routes in one command; the operator deletes each route before its integration"
kubectl -n "$APPS" delete apiintegrations,apiroutes --all --timeout=3m
[[ -z "$(kubectl -n "$APPS" get apiintegrations,apiroutes -o name)" ]]
for api in "$http_api" "$ws_api"; do
  for what in integrations routes; do
    left="$(aws_cli apigatewayv2 "get-$what" --api-id "$api" --query 'length(Items || `[]`)' --output text)"
    [[ "$left" == 0 ]] || { echo "API $api still has $left $what" >&2; exit 1; }
  done
done

log "uninstalling; the CRD stays (helm.sh/resource-policy: keep)"
"$HELM" uninstall "$RELEASE" --namespace "$NS" --wait
kubectl get crd apiintegrations.apigw.dev >/dev/null

log "kind e2e passed"
