// Shared helpers for integration tests on the test bed: Kubernetes clients, the CRD, namespaces,
// API Gateway APIs in moto, and polling with a clear failure message.
import * as k8s from '@kubernetes/client-node';
import { ApiGatewayV2Client, CreateApiCommand, GetIntegrationsCommand } from '@aws-sdk/client-apigatewayv2';
import { buildCrdYaml } from '../../src/api/v1alpha1/crd.ts';
import { buildRouteCrdYaml } from '../../src/api/v1alpha1/route-crd.ts';
import { ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import { buildStageCrdYaml } from '../../src/api/v1alpha1/stage-crd.ts';
import { STAGE_PLURAL } from '../../src/api/v1alpha1/stage-schema.ts';
import type { ApiRoute } from '../../src/api/v1alpha1/route-types.ts';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import { testbedEnv, type TestbedEnv } from '../testbed/env.ts';
import { eventually } from './poll.ts';
import { everyPage } from '../faultproxy/inventory.ts';

export { eventually };

export const tb: TestbedEnv = testbedEnv();
// The operator's SDK clients use the standard credential chain; moto accepts any keys.
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

export function adminKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(tb.kubeconfig);
  return kc;
}

/** The admin kubeconfig (CA file, bearer token) pointed at another address: a proxy in front of the API server. */
export function kubeConfigVia(server: string): k8s.KubeConfig {
  const admin = adminKubeConfig();
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: admin.getClusters().map((c) => ({ ...c, server })),
    users: admin.getUsers(),
    contexts: admin.getContexts(),
    currentContext: admin.getCurrentContext(),
  });
  return kc;
}

const kc = adminKubeConfig();
export const custom = kc.makeApiClient(k8s.CustomObjectsApi);
export const core = kc.makeApiClient(k8s.CoreV1Api);
const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
const CRD_NAME = `${PLURAL}.${GROUP}`;
const ROUTE_CRD_NAME = `${ROUTE_PLURAL}.${GROUP}`;
export const codeOf = (e: unknown) => (e instanceof k8s.ApiException ? e.code : undefined);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates or replaces both CRDs (ApiIntegration, ApiRoute) and waits until they are served; several test files may race on them. */
export async function installCrd(): Promise<void> {
  await installOneCrd(CRD_NAME, buildCrdYaml, PLURAL);
  await installOneCrd(ROUTE_CRD_NAME, buildRouteCrdYaml, ROUTE_PLURAL);
}

/** Creates or replaces the ApiStage CRD and waits until it is served (no operator watches it yet). */
export async function installStageCrd(): Promise<void> {
  await installOneCrd(`${STAGE_PLURAL}.${GROUP}`, buildStageCrdYaml, STAGE_PLURAL);
}

async function installOneCrd(name: string, yaml: () => string, plural: string): Promise<void> {
  const body = () => k8s.loadYaml<k8s.V1CustomResourceDefinition>(yaml());
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await extensions.createCustomResourceDefinition({ body: body() });
      break;
    } catch (e) {
      if (codeOf(e) !== 409) throw e;
    }
    try {
      const current = await extensions.readCustomResourceDefinition({ name });
      const b = body();
      b.metadata = { ...b.metadata, resourceVersion: current.metadata?.resourceVersion };
      await extensions.replaceCustomResourceDefinition({ name, body: b });
      break;
    } catch (e) {
      if (codeOf(e) !== 409 && codeOf(e) !== 404) throw e;
    }
  }
  await eventually(`CRD ${name} established`, async () => {
    const crd = await extensions.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  });
  // Discovery of a new CRD lags "Established" slightly; a list proves it is served.
  await eventually(`CRD ${name} served`, async () => {
    await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
    return true;
  });
}

export async function newNamespace(prefix: string, annotations?: Record<string, string>): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  await core.createNamespace({ body: { metadata: { name, annotations } } });
  return name;
}

export const aws = new ApiGatewayV2Client({
  region: tb.region,
  endpoint: tb.awsEndpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  maxAttempts: 1,
});

export async function createApi(protocol: 'HTTP' | 'WEBSOCKET', name = `api-${Date.now()}`): Promise<string> {
  const out = await aws.send(
    new CreateApiCommand({
      Name: name,
      ProtocolType: protocol,
      ...(protocol === 'WEBSOCKET' ? { RouteSelectionExpression: '$request.body.action' } : {}),
    }),
  );
  return out.ApiId!;
}

export async function integrationsOf(apiId: string) {
  return everyPage((NextToken) => aws.send(new GetIntegrationsCommand({ ApiId: apiId, NextToken })));
}

const ref = (namespace: string) => ({ group: GROUP, version: VERSION, plural: PLURAL, namespace });

export async function createObject(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  extra: { labels?: Record<string, string> } = {},
): Promise<ApiIntegration> {
  return (await custom.createNamespacedCustomObject({
    ...ref(namespace),
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ApiIntegration', metadata: { name, labels: extra.labels }, spec },
  })) as ApiIntegration;
}

export async function getObject(namespace: string, name: string): Promise<ApiIntegration> {
  return (await custom.getNamespacedCustomObject({ ...ref(namespace), name })) as ApiIntegration;
}

const routeRef = (namespace: string) => ({ group: GROUP, version: VERSION, plural: ROUTE_PLURAL, namespace });

export async function createRouteObject(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  extra: { labels?: Record<string, string> } = {},
): Promise<ApiRoute> {
  return (await custom.createNamespacedCustomObject({
    ...routeRef(namespace),
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ApiRoute', metadata: { name, labels: extra.labels }, spec },
  })) as ApiRoute;
}

export async function getRouteObject(namespace: string, name: string): Promise<ApiRoute> {
  return (await custom.getNamespacedCustomObject({ ...routeRef(namespace), name })) as ApiRoute;
}

export async function patchSpec(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<ApiIntegration> {
  return (await custom.patchNamespacedCustomObject(
    { ...ref(namespace), name, body: { spec } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  )) as ApiIntegration;
}

export async function deleteObject(namespace: string, name: string): Promise<void> {
  await custom.deleteNamespacedCustomObject({ ...ref(namespace), name });
}

export async function gone(namespace: string, name: string): Promise<boolean> {
  try {
    await getObject(namespace, name);
    return false;
  } catch (e) {
    if (codeOf(e) === 404) return true;
    throw e;
  }
}

export function condition(obj: ApiIntegration, type: string) {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Waits until Ready=True for the current generation, and returns the object. */
export async function waitReady(namespace: string, name: string, timeoutMs = 30_000): Promise<ApiIntegration> {
  return eventually(
    `${namespace}/${name} Ready`,
    async () => {
      const o = await getObject(namespace, name);
      const ready = condition(o, 'Ready');
      return ready?.status === 'True' &&
        ready.observedGeneration === o.metadata.generation &&
        o.status?.observedGeneration === o.metadata.generation
        ? o
        : undefined;
    },
    timeoutMs,
  );
}

export async function waitCondition(
  namespace: string,
  name: string,
  type: string,
  reason: string,
  timeoutMs = 30_000,
): Promise<ApiIntegration> {
  return eventually(
    `${namespace}/${name} ${type} reason ${reason}`,
    async () => {
      const o = await getObject(namespace, name);
      const c = condition(o, type);
      return c?.status === 'True' && c.reason === reason && c.observedGeneration === o.metadata.generation
        ? o
        : undefined;
    },
    timeoutMs,
  );
}

export async function eventsFor(namespace: string, name: string): Promise<k8s.CoreV1Event[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}
