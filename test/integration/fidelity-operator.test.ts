// The operator against the test bed's harsher answers, as a user meets them: a create whose answer
// was lost lands between two pages of the listing that recovers it, a route beyond the routes-per-
// API quota, and quick create's managed integration and route named for adoption. The operator runs
// in-process behind its own fidelity proxy (defaults as harsh as AWS, one setting changed per story)
// so each story can count what was sent.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';
import type { Operator } from '../../src/operator.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { ROUTE_KIND, ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import type { ApiRoute } from '../../src/api/v1alpha1/route-types.ts';
import { FaultProxy, type FaultProxyOptions } from '../faultproxy/proxy.ts';
import { ownerOfDescription } from '../faultproxy/inventory.ts';
import {
  condition,
  createObject,
  custom,
  eventsFor,
  eventually,
  installCrd,
  newNamespace,
  sleep,
  tb,
  waitCondition,
  waitReady,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { destroyTestClients, testClient } from '../support/sdk-client.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:fidelity-operator';
const lambda = (apiId: string, over: Record<string, unknown> = {}) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
  ...over,
});

const lambdaInput = () => ({
  IntegrationType: 'AWS_PROXY' as const,
  IntegrationUri: LAMBDA,
  PayloadFormatVersion: '2.0',
});

// Set-up and inspection straight on moto, past the proxy and its counts.
const moto = testClient(tb.motoEndpoint);

async function newApi(c = moto, over: { Target?: string } = {}): Promise<string> {
  return (
    await c.send(new CreateApiCommand({ Name: `fidelity-operator-${Date.now()}`, ProtocolType: 'HTTP', ...over }))
  ).ApiId!;
}

const running: { proxy: FaultProxy; operator: Operator }[] = [];

/** A proxy of its own and an operator that talks only through it, in a namespace of its own. */
async function story(prefix: string, opts: Omit<FaultProxyOptions, 'upstream'>, requestTimeoutMs?: number) {
  const ns = await newNamespace(prefix);
  const proxy = await FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, label: prefix, ...opts });
  const operator = await startOperator({
    watchNamespaces: [ns],
    awsEndpoint: proxy.url,
    ...(requestTimeoutMs ? { awsRequestTimeoutMs: requestTimeoutMs } : {}),
  });
  running.push({ proxy, operator });
  return { ns, proxy };
}

beforeAll(async () => {
  await installCrd();
});

afterAll(async () => {
  for (const { proxy, operator } of running) {
    await operator.stop();
    await proxy.close();
  }
  destroyTestClients();
});

async function createRoute(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: ROUTE_PLURAL,
    namespace: ns,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: ROUTE_KIND, metadata: { name }, spec },
  });
}

function waitRouteCondition(ns: string, name: string, type: string, reason: string) {
  return eventually(`${ns}/${name} ${type} ${reason}`, async () => {
    const o = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: ROUTE_PLURAL,
      namespace: ns,
      name,
    })) as ApiRoute;
    const c = o.status?.conditions?.find((x) => x.type === type);
    return c?.status === 'True' && c.reason === reason && c.observedGeneration === o.metadata.generation
      ? o
      : undefined;
  });
}

describe('a lost create that lands between two pages of the recovering listing', () => {
  it('is recovered by that listing: one integration, recorded, no second create', async () => {
    const api = await newApi();
    // Four integrations already: the listing takes two pages of the default size (3).
    for (let i = 0; i < 4; i++) await moto.send(new CreateIntegrationCommand({ ApiId: api, ...lambdaInput() }));
    let held = false;
    const { ns, proxy } = await story(
      'late-page',
      {
        fidelity: true,
        // The object's create is never answered (the operator's request times out) and lands in AWS
        // right after the first page of the operator's next listing of the API, before the second.
        lateCreate: (r) => r.apiId === api && !held && (held = true),
        lateCreateLands: 'between-pages',
      },
      1000,
    );
    await createObject(ns, 'late', lambda(api));
    const o = await waitReady(ns, 'late', 60_000);

    const owned = ((await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items ?? []).filter(
      (i) => ownerOfDescription(i.Description) === o.metadata.uid,
    );
    expect(owned.map((i) => i.IntegrationId)).toEqual([o.status!.integrationId]);
    const records = proxy.records().filter((r) => r.apiId === api);
    const creates = records.filter((r) => r.operation === 'CreateIntegration');
    expect(creates.map((r) => r.outcome)).toEqual(['late_create']);
    // It landed inside one listing: the next request for a page carried that listing's token.
    const late = creates[0]!;
    const before = records.filter((r) => r.operation === 'GetIntegrations' && r.end < late.end).at(-1);
    const after = records.find((r) => r.operation === 'GetIntegrations' && r.start > late.end);
    expect(before?.path).not.toContain('nextToken=');
    expect(after?.path).toContain('nextToken=');
    expect((await eventsFor(ns, 'late')).map((e) => e.reason)).toContain('Recovered');
  }, 90_000);
});

describe('a route beyond the routes-per-API quota', () => {
  it('is Stalled with QuotaExceeded, saying so, after one refused create and no retries', async () => {
    const api = await newApi();
    const { ns, proxy } = await story('route-quota', { fidelity: { routesPerApi: 2 } });
    await createObject(ns, 'backend', lambda(api));
    const integrationId = (await waitReady(ns, 'backend')).status!.integrationId!;
    for (const key of ['GET /one', 'GET /two'])
      await moto.send(new CreateRouteCommand({ ApiId: api, RouteKey: key, Target: `integrations/${integrationId}` }));

    await createRoute(ns, 'third', { apiId: api, routeKey: 'GET /three', integrationRef: { name: 'backend' } });
    const o = await waitRouteCondition(ns, 'third', 'Stalled', 'QuotaExceeded');
    expect(o.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'QuotaExceeded',
      message: expect.stringContaining('Maximum number of Routes for this API has been reached'),
    });
    // Stalled means stalled: several drift intervals (2 s in tests) later, still one refused create.
    await sleep(7000);
    const creates = proxy.records().filter((r) => r.operation === 'CreateRoute');
    expect(creates.map((r) => [r.outcome, r.status])).toEqual([['fidelity_quota', 429]]);
    expect(((await moto.send(new GetRoutesCommand({ ApiId: api }))).Items ?? []).map((r) => r.RouteKey).sort()).toEqual(
      ['GET /one', 'GET /two'],
    );
  }, 60_000);
});

describe("quick create's managed integration and route", () => {
  it('are refused for adoption, and the operator writes nothing to them', async () => {
    const { ns, proxy } = await story('quick', { fidelity: true });
    // Quick create is the proxy's doing (moto ignores Target), so the API is made through it.
    const api = await newApi(testClient(proxy.url), { Target: LAMBDA });
    const [integration] = (await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items ?? [];
    const [route] = (await moto.send(new GetRoutesCommand({ ApiId: api }))).Items ?? [];
    const integrationId = integration!.IntegrationId!;

    await createObject(ns, 'managed', lambda(api, { integrationId }));
    const obj = await waitCondition(ns, 'managed', 'Stalled', 'AdoptionRefused');
    expect(condition(obj, 'Ready')?.message).toContain('quick create');

    await createRoute(ns, 'default', {
      apiId: api,
      routeKey: '$default',
      routeId: route!.RouteId,
      target: `integrations/${integrationId}`,
    });
    const r = await waitRouteCondition(ns, 'default', 'Stalled', 'AdoptionRefused');
    expect(r.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain('quick create');

    const writes = proxy.records().filter((x) => x.write && x.apiId === api);
    expect(writes.map((x) => x.operation)).toEqual([]);
  }, 60_000);
});
