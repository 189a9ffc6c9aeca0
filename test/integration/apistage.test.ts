// ApiStage in the running operator, on the test bed: a path applied together (integration, route,
// stage) is served by one deployment, an edit makes exactly one more, a burst is coalesced, a
// restart makes none, a deleted route leaves the snapshot, a Stalled object is left out and named,
// an autoDeploy stage gets no CreateDeployment, and a taken stage name is refused until adopted.
// "Served" is proven by what the emulator's stage serves (its deployment's snapshot), not by what
// the API holds. Every AWS call goes through a fidelity proxy of the test's own, so it can be counted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiGatewayV2Client, CreateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { STAGE_PLURAL } from '../../src/api/v1alpha1/stage-schema.ts';
import type { ApiStage } from '../../src/api/v1alpha1/stage-types.ts';
import type { Operator } from '../../src/operator.ts';
import {
  codeOf,
  createApi,
  createObject,
  createRouteObject,
  custom,
  eventually,
  installCrd,
  installStageCrd,
  newNamespace,
  sleep,
  tb,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { servedRoute, servedStage } from '../support/served.ts';
import { FaultProxy } from '../faultproxy/proxy.ts';

let ns = '';
let operator: Operator | undefined;
let proxy: FaultProxy;
let client: ApiGatewayV2Client;

const stageRef = () => ({ group: GROUP, version: VERSION, plural: STAGE_PLURAL, namespace: ns });
const routeRef = () => ({ group: GROUP, version: VERSION, plural: 'apiroutes', namespace: ns });

async function createStage(name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.createNamespacedCustomObject({
    ...stageRef(),
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ApiStage', metadata: { name }, spec },
  });
}

const getStage = async (name: string) => (await custom.getNamespacedCustomObject({ ...stageRef(), name })) as ApiStage;

const ready = (o: ApiStage) => o.status?.conditions?.find((c) => c.type === 'Ready');

async function waitStage(name: string, reason: string, timeoutMs = 30_000): Promise<ApiStage> {
  return eventually(
    `ApiStage ${name} ${reason}`,
    async () => {
      const o = await getStage(name);
      const r = ready(o);
      return r?.reason === reason && o.status?.observedGeneration === o.metadata.generation ? o : undefined;
    },
    timeoutMs,
  );
}

type WithConditions = {
  metadata: { generation: number };
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
};

/** Waits until the object's Live condition reads `status` with `reason`, for its current generation. */
async function waitLive(plural: string, name: string, status: string, reason: string): Promise<WithConditions> {
  return eventually(`${plural}/${name} Live=${status} ${reason}`, async () => {
    const o = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural,
      namespace: ns,
      name,
    })) as WithConditions;
    const live = o.status?.conditions?.find((c) => c.type === 'Live');
    return live?.status === status && live.reason === reason && o.status?.observedGeneration === o.metadata.generation
      ? o
      : undefined;
  });
}

const deployments = () => proxy.count({ operation: 'CreateDeployment', outcome: 'ok' });

/** A MOCK integration and a route on it, both by object. */
async function path(apiId: string, name: string, routeKey: string): Promise<void> {
  await createObject(ns, `${name}-int`, { apiId, integrationType: 'MOCK', description: name });
  await createRouteObject(ns, `${name}-route`, { apiId, routeKey, integrationRef: { name: `${name}-int` } });
}

beforeAll(async () => {
  await installCrd();
  await installStageCrd();
  ns = await newNamespace('apistage');
  proxy = await FaultProxy.start({
    upstream: tb.motoEndpoint,
    region: tb.region,
    fidelity: { autoDeployDelayMs: 200 },
    label: 'apistage',
  });
  client = new ApiGatewayV2Client({
    region: tb.region,
    endpoint: proxy.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  operator = await startOperator({
    watchNamespaces: [ns],
    awsEndpoint: proxy.url,
    deployQuietMs: 300,
    deployMaxWaitMs: 20_000,
  });
});

afterAll(async () => {
  await operator?.stop();
  await proxy?.close();
});

describe('ApiStage on a WebSocket API', () => {
  let apiId = '';

  it('serves a path applied together with one deployment that holds the route and its integration', async () => {
    apiId = await createApi('WEBSOCKET');
    const before = deployments();
    await path(apiId, 'chat', '$default');
    await createStage('ws-prod', { apiId, stageName: 'prod' });
    const stage = await waitStage('ws-prod', 'Served');
    const served = await servedRoute(proxy.url, apiId, 'prod', '$default');
    expect(served?.integration).toMatchObject({ integrationType: 'MOCK' });
    expect(served?.deploymentId).toBe(stage.status?.deploymentId);
    expect(deployments() - before).toBe(1);
    expect(stage.status?.servedObjects).toMatchObject({
      [`ApiIntegration/${ns}/chat-int`]: 1,
      [`ApiRoute/${ns}/chat-route`]: 1,
    });
    // What `kubectl wait --for=condition=Live` reads on the objects the stage serves.
    await waitLive('apiintegrations', 'chat-int', 'True', 'Served');
    await waitLive('apiroutes', 'chat-route', 'True', 'Served');
  });

  it('deploys an edit exactly once, and a settled API again never', async () => {
    const before = deployments();
    const first = (await getStage('ws-prod')).status?.deploymentId;
    await custom.patchNamespacedCustomObject(
      { ...routeRef(), name: 'chat-route', body: { spec: { routeResponseSelectionExpression: '$default' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually('a new deployment', async () => {
      const s = await getStage('ws-prod');
      return s.status?.deploymentId !== first && ready(s)?.reason === 'Served' ? s : undefined;
    });
    const served = await servedRoute(proxy.url, apiId, 'prod', '$default');
    expect(served?.route).toMatchObject({ routeResponseSelectionExpression: '$default' });
    // Live again, for the new generation.
    const route = await waitLive('apiroutes', 'chat-route', 'True', 'Served');
    expect(route.metadata.generation).toBe(2);
    // Drift checks run every 2 s here: several go by without a deployment.
    await sleep(5000);
    expect(deployments() - before).toBe(1);
  });

  it('coalesces 50 objects changed at once into at most two deployments', async () => {
    const before = deployments();
    await Promise.all(Array.from({ length: 25 }, (_, i) => path(apiId, `burst${i}`, `action${i}`)));
    await eventually(
      'every burst route served',
      async () => {
        const s = await servedStage(proxy.url, apiId, 'prod');
        const keys = new Set((s?.routes ?? []).map((r) => r.routeKey));
        return Array.from({ length: 25 }, (_, i) => `action${i}`).every((k) => keys.has(k)) ? s : undefined;
      },
      60_000,
    );
    await waitStage('ws-prod', 'Served');
    expect(deployments() - before).toBeGreaterThanOrEqual(1);
    expect(deployments() - before).toBeLessThanOrEqual(2);
  });

  it('makes no deployment after a restart', async () => {
    // Whatever the burst before still had in flight lands first: only the restart is measured.
    let before = deployments();
    for (let quiet = 0; quiet < 2;) {
      await sleep(1000);
      quiet = deployments() === before ? quiet + 1 : 0;
      before = deployments();
    }
    expect(ready(await getStage('ws-prod'))?.reason).toBe('Served');
    await operator?.stop();
    operator = await startOperator({ watchNamespaces: [ns], awsEndpoint: proxy.url, deployQuietMs: 300 });
    await sleep(6000);
    expect(ready(await getStage('ws-prod'))?.reason).toBe('Served');
    expect(deployments() - before).toBe(0);
  });

  it('deploys a deleted route away', async () => {
    await custom.deleteNamespacedCustomObject({ ...routeRef(), name: 'burst0-route' });
    await eventually(
      'the route is no longer served',
      async () => ((await servedRoute(proxy.url, apiId, 'prod', 'action0')) === undefined ? true : undefined),
      30_000,
    );
  });

  it('leaves a Stalled route out and names it, and still deploys the rest', async () => {
    // The key is taken by a route the operator did not make: the ApiRoute is Stalled (RouteKeyTaken).
    await createRouteObject(ns, 'taken-route', { apiId, routeKey: 'action1', integrationRef: { name: 'chat-int' } });
    await path(apiId, 'late', 'late');
    const stage = await eventually(
      'the late route served and the taken one named',
      async () => {
        const s = await getStage('ws-prod');
        const named = s.status?.waitingOn?.some((w) => w.name === 'taken-route' && w.reason.startsWith('Stalled'));
        const late = await servedRoute(proxy.url, apiId, 'prod', 'late');
        return named && late && ready(s)?.reason === 'Served' ? s : undefined;
      },
      60_000,
    );
    expect(ready(stage)?.message).toMatch(/Stalled object\(s\) served as AWS holds them/);
  });
});

describe('Live on the objects a stage serves', () => {
  it('is Unknown (NoManagedStage) on an API no ApiStage covers, and AwaitingDeployment while a Manual stage holds a change back', async () => {
    const apiId = await createApi('WEBSOCKET');
    await path(apiId, 'lone', '$default');
    // Ready in AWS, and whether callers are served is not known: no stage is managed.
    await eventually('lone-route Ready', async () => {
      const o = await waitLive('apiroutes', 'lone-route', 'Unknown', 'NoManagedStage');
      return o.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? o : undefined;
    });
    await createStage('manual', { apiId, stageName: 'manual', deploymentPolicy: 'Manual' });
    await waitStage('manual', 'Synced');
    const waiting = await waitLive('apiroutes', 'lone-route', 'False', 'AwaitingDeployment');
    expect(waiting.status?.conditions?.find((c) => c.type === 'Live')?.message).toContain(`${ns}/manual`);
    expect(await servedStage(proxy.url, apiId, 'manual')).toBeUndefined();
    await custom.patchNamespacedCustomObject(
      {
        ...stageRef(),
        name: 'manual',
        body: { metadata: { annotations: { 'apigw.dev/deploy-requested-at': 'now' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitStage('manual', 'Served');
    await waitLive('apiroutes', 'lone-route', 'True', 'Served');
    expect((await getStage('manual')).status?.lastHandledDeployAt).toBe('now');
  });
});

describe('ApiStage on an HTTP API', () => {
  it('an autoDeploy stage gets no CreateDeployment, and reads Served once AWS has deployed', async () => {
    const apiId = await createApi('HTTP');
    const before = deployments();
    await createObject(ns, 'h-int', {
      apiId,
      integrationType: 'HTTP_PROXY',
      integrationUri: 'https://example.com/',
      integrationMethod: 'GET',
      payloadFormatVersion: '1.0',
    });
    await createRouteObject(ns, 'h-route', { apiId, routeKey: 'GET /items', integrationRef: { name: 'h-int' } });
    await createStage('http-auto', { apiId, stageName: '$default', autoDeploy: true });
    await waitStage('http-auto', 'Served');
    await eventually('AWS served the route', async () => servedRoute(proxy.url, apiId, '$default', 'GET /items'));
    expect(deployments() - before).toBe(0);
  });

  it('refuses a stage name someone else holds until the spec adopts it, and keeps it when the object goes', async () => {
    const apiId = await createApi('HTTP');
    await client.send(new CreateStageCommand({ ApiId: apiId, StageName: 'ops' }));
    await createStage('taken', { apiId, stageName: 'ops' });
    const refused = await waitStage('taken', 'StageNameTaken');
    expect(ready(refused)?.message).toContain('spec.adopt: true');
    await custom.deleteNamespacedCustomObject({ ...stageRef(), name: 'taken' });
    const before = proxy.count({ operation: 'CreateDeployment' });
    await createStage('adopter', { apiId, stageName: 'ops', adopt: true });
    // The API has no routes: nothing to deploy, and no deployment AWS would refuse is tried.
    await waitStage('adopter', 'NothingToDeploy');
    expect(proxy.count({ operation: 'CreateDeployment' }) - before).toBe(0);
    await custom.deleteNamespacedCustomObject({ ...stageRef(), name: 'adopter' });
    await eventually('the object gone', async () => {
      try {
        await getStage('adopter');
        return undefined;
      } catch (e) {
        return codeOf(e) === 404 ? true : undefined;
      }
    });
    // Adopted: retained by default.
    expect(proxy.count({ operation: 'DeleteStage' })).toBe(0);
  });
});
