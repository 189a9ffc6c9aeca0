// The ApiRoute controller in the running operator, on the test bed: routes made from an
// integrationRef follow their ApiIntegration (its creation, its recreation under a new id, its
// deletion alongside them), adoption and ObserveOnly behave as the spec says, and every AWS call
// goes through a fidelity proxy of the operator's own so that it can be counted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  ApiGatewayV2Client,
  CreateIntegrationCommand,
  CreateRouteCommand,
  DeleteIntegrationCommand,
  GetRouteCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, VERSION, ANNOTATION_RECONCILE_REQUESTED as REQUESTED } from '../../src/api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import type { ApiRoute } from '../../src/api/v1alpha1/route-types.ts';
import { Operator } from '../../src/operator.ts';
import { KubeApiRouteStore } from '../../src/adapters/kubernetes/store.ts';
import { ConflictError } from '../../src/runtime/ports.ts';
import {
  aws,
  codeOf,
  createApi,
  createObject,
  custom,
  deleteObject,
  eventually,
  gone,
  installCrd,
  integrationsOf,
  adminKubeConfig,
  kubeConfigVia,
  newNamespace,
  sleep,
  tb,
  waitCondition,
  waitReady,
  createRouteObject,
  getRouteObject,
} from '../support/cluster.ts';
import { startOperator, testConfig } from '../support/operator.ts';
import { FaultProxy } from '../faultproxy/proxy.ts';
import { everyPage } from '../faultproxy/inventory.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:routed';
const lambdaSpec = (apiId: string) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
});
const wsSpec = (apiId: string) => ({ apiId, integrationType: 'MOCK' });

// Out of band: straight to moto, past the fidelity rules (AWS would refuse to delete a routed integration).
const moto = new ApiGatewayV2Client({
  region: tb.region,
  endpoint: tb.motoEndpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  maxAttempts: 1,
});

let ns = '';
let operator: Operator;
let proxy: FaultProxy;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('apiroute');
  proxy = await FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, fidelity: true, label: 'apiroute' });
  operator = await startOperator({ watchNamespaces: [ns], awsEndpoint: proxy.url });
});

afterAll(async () => {
  await operator?.stop();
  await proxy?.close();
});

const ref = { group: GROUP, version: VERSION, plural: ROUTE_PLURAL };

async function createRoute(name: string, spec: Record<string, unknown>): Promise<void> {
  await createRouteObject(ns, name, spec);
}
const getRoute = (name: string) => getRouteObject(ns, name);
const deleteRoute = (name: string) => custom.deleteNamespacedCustomObject({ ...ref, namespace: ns, name });
const ready = (o: ApiRoute) => o.status?.conditions?.find((c) => c.type === 'Ready');

async function routeGone(name: string): Promise<boolean> {
  try {
    await getRoute(name);
    return false;
  } catch (e) {
    if (codeOf(e) === 404) return true;
    throw e;
  }
}

/** Waits until the ApiRoute is Ready for its current generation (and, if given, until `also` holds). */
function waitRouteReady(name: string, also: (o: ApiRoute) => boolean = () => true, timeoutMs = 30_000) {
  return eventually(
    `${ns}/${name} Ready`,
    async () => {
      const o = await getRoute(name);
      const r = ready(o);
      const current = r?.observedGeneration === o.metadata.generation;
      return r?.status === 'True' && current && also(o) ? o : undefined;
    },
    timeoutMs,
  );
}

const targetOf = async (apiId: string, routeId: string) =>
  (await aws.send(new GetRouteCommand({ ApiId: apiId, RouteId: routeId }))).Target;
const routesOf = (apiId: string) =>
  everyPage((NextToken) => aws.send(new GetRoutesCommand({ ApiId: apiId, NextToken })));

describe('routes by integrationRef', () => {
  it('an HTTP route becomes Ready and targets the integration in AWS', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'orders', lambdaSpec(api));
    const integrationId = (await waitReady(ns, 'orders')).status!.integrationId!;
    await createRoute('get-orders', { apiId: api, routeKey: 'GET /orders', integrationRef: { name: 'orders' } });

    const o = await waitRouteReady('get-orders');
    expect(o.status?.routeId).toMatch(/^[a-z0-9]+$/);
    expect(o.status?.integrationId).toBe(integrationId);
    expect(await targetOf(api, o.status!.routeId!)).toBe(`integrations/${integrationId}`);
  });

  it('a WebSocket $connect route becomes Ready and targets the integration in AWS', async () => {
    const api = await createApi('WEBSOCKET');
    await createObject(ns, 'ws-mock', wsSpec(api));
    const integrationId = (await waitReady(ns, 'ws-mock')).status!.integrationId!;
    await createRoute('ws-connect', { apiId: api, routeKey: '$connect', integrationRef: { name: 'ws-mock' } });

    const o = await waitRouteReady('ws-connect');
    expect(o.status?.observed?.protocolType).toBe('WEBSOCKET');
    expect(await targetOf(api, o.status!.routeId!)).toBe(`integrations/${integrationId}`);
  });

  it('waits with IntegrationNotFound for an integration that does not exist yet, then becomes Ready', async () => {
    const api = await createApi('HTTP');
    await createRoute('early', { apiId: api, routeKey: 'GET /early', integrationRef: { name: 'late' } });
    const waiting = await eventually('IntegrationNotFound', async () => {
      const o = await getRoute('early');
      return ready(o)?.reason === 'IntegrationNotFound' ? o : undefined;
    });
    expect(ready(waiting)?.status).toBe('False');
    expect(await routesOf(api)).toEqual([]);

    await createObject(ns, 'late', lambdaSpec(api));
    const integrationId = (await waitReady(ns, 'late')).status!.integrationId!;
    // The integration's change enqueues the route: far sooner than the 30 s wait interval.
    const o = await waitRouteReady('early', undefined, 20_000);
    expect(await targetOf(api, o.status!.routeId!)).toBe(`integrations/${integrationId}`);
  });

  it('follows its integration when that is deleted out of band and recreated under a new id', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'fragile', lambdaSpec(api));
    const before = (await waitReady(ns, 'fragile')).status!.integrationId!;
    await createRoute('fragile-route', { apiId: api, routeKey: 'ANY /fragile', integrationRef: { name: 'fragile' } });
    const routeId = (await waitRouteReady('fragile-route')).status!.routeId!;

    await moto.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: before }));
    const after = await eventually(
      'integration recreated',
      async () => {
        const ids = (await integrationsOf(api)).map((i) => i.IntegrationId!);
        return ids.length === 1 && ids[0] !== before ? ids[0] : undefined;
      },
      60_000,
    );
    await eventually(
      'route retargeted',
      async () => (await targetOf(api, routeId)) === `integrations/${after}`,
      60_000,
    );
    const o = await waitRouteReady('fragile-route', (r) => r.status?.integrationId === after);
    expect(o.status?.routeId).toBe(routeId);
  });

  it('deleting route and integration together leaves nothing in AWS, soon, and without a hot loop', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'pruned', lambdaSpec(api));
    await waitReady(ns, 'pruned');
    await createRoute('pruned-route', { apiId: api, routeKey: 'GET /pruned', integrationRef: { name: 'pruned' } });
    await waitRouteReady('pruned-route');
    const from = Date.now();

    // As Argo CD prunes: both at once, the integration first.
    await Promise.all([deleteObject(ns, 'pruned'), deleteRoute('pruned-route')]);
    await eventually('both objects gone', async () => (await gone(ns, 'pruned')) && routeGone('pruned-route'), 30_000);
    const goneAt = Date.now();
    // The route's removal wakes the integration's blocked delete instead of its growing backoff.
    expect(goneAt - from).toBeLessThan(20_000);
    expect(await routesOf(api)).toEqual([]);
    expect(await integrationsOf(api)).toEqual([]);

    await sleep(5000);
    const calls = proxy.records().filter((r) => r.apiId === api && r.start >= from);
    expect(calls.filter((c) => c.outcome === 'upstream_error')).toEqual([]);
    expect(calls.filter((c) => c.operation === 'DeleteIntegration')).toHaveLength(1);
    // A second DeleteRoute may come from a cache that has not yet seen the finalizer go; it finds nothing.
    expect(calls.filter((c) => c.operation === 'DeleteRoute' && c.outcome === 'ok')).toHaveLength(1);
    expect(calls.length).toBeLessThan(25);
    // Nothing once both are gone: no object keeps asking about the API.
    expect(calls.filter((c) => c.start > goneAt + 1000)).toEqual([]);
  });

  it('a route leaving wakes the delete of the integration it blocked, instead of its growing backoff', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'blocked', lambdaSpec(api));
    await waitReady(ns, 'blocked');
    await createRoute('blocker', { apiId: api, routeKey: 'GET /blocker', integrationRef: { name: 'blocked' } });
    await waitRouteReady('blocker');

    await deleteObject(ns, 'blocked');
    await waitCondition(ns, 'blocked', 'Reconciling', 'IntegrationInUse');
    // A blocked delete looks again after as long as it has been blocked (at 5, 10, 20, 40 s): just
    // after its 20 s look, the next one is some 18 s away, so a wake-up shows as far quicker than that
    // even where a loaded machine slows the reconcile.
    await sleep(21_000);
    await deleteRoute('blocker');
    await eventually('route gone', () => routeGone('blocker'), 30_000, 100);
    const routeGoneAt = Date.now();
    await eventually('integration gone', () => gone(ns, 'blocked'), 30_000, 100);
    expect(Date.now() - routeGoneAt).toBeLessThan(10_000);
    expect(await integrationsOf(api)).toEqual([]);
  });
});

describe('existing routes', () => {
  let api = '';
  let integrationId = '';

  beforeAll(async () => {
    api = await createApi('HTTP');
    await createObject(ns, 'existing', lambdaSpec(api));
    integrationId = (await waitReady(ns, 'existing')).status!.integrationId!;
  });

  it('ObserveOnly reads the route and reports it, with no write to AWS', async () => {
    const other = await aws.send(
      new CreateIntegrationCommand({
        ApiId: api,
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'ANY',
        IntegrationUri: 'https://example.com',
        PayloadFormatVersion: '1.0',
      }),
    );
    const target = `integrations/${other.IntegrationId!}`;
    const { RouteId } = await aws.send(
      new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /observed', Target: target }),
    );
    const from = Date.now();

    await createRoute('observed', {
      apiId: api,
      routeKey: 'GET /observed',
      integrationRef: { name: 'existing' },
      routeId: RouteId,
      managementPolicy: 'ObserveOnly',
    });
    const o = await waitRouteReady('observed');
    expect(o.status?.routeId).toBe(RouteId);
    expect(o.status?.observed?.target).toBe(target);
    await sleep(3000);
    const writes = proxy.records().filter((r) => r.apiId === api && r.start >= from && r.write);
    expect(writes).toEqual([]);
    expect(await targetOf(api, RouteId!)).toBe(target);
  });

  it('refuses a key a route made outside it holds: AWS keeps that route, and later passes list instead of creating', async () => {
    const { RouteId } = await aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'PUT /taken' }));
    const from = Date.now();
    const creates = () =>
      proxy.records().filter((r) => r.apiId === api && r.start >= from && r.operation === 'CreateRoute');

    await createRoute('taken', { apiId: api, routeKey: 'PUT /taken', integrationRef: { name: 'existing' } });
    const refused = await eventually(
      `${ns}/taken RouteKeyTaken`,
      async () => {
        const r = ready(await getRoute('taken'));
        return r?.reason === 'RouteKeyTaken' ? r : undefined;
      },
      30_000,
    );
    expect(refused.message).toContain(`set spec.routeId: ${RouteId}`);
    expect(creates()).toHaveLength(1);
    // A pass asked for by hand reads AWS afresh; it lists, and does not send the create again.
    const at = new Date().toISOString();
    await custom.patchNamespacedCustomObject(
      { ...ref, namespace: ns, name: 'taken', body: { metadata: { annotations: { [REQUESTED]: at } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually('request handled', async () => (await getRoute('taken')).status?.lastHandledReconcileAt === at);
    expect(creates()).toHaveLength(1);
    const same = (await routesOf(api)).filter((r) => r.RouteKey === 'PUT /taken');
    expect(same.map((r) => [r.RouteId, r.Target])).toEqual([[RouteId, undefined]]);
    expect((await getRoute('taken')).metadata.annotations?.['apigw.dev/create-pending']).toBeUndefined();
  });

  it('adopts a route named by spec.routeId and makes it target the referenced integration', async () => {
    const { RouteId } = await aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'POST /adopted' }));

    await createRoute('adopted', {
      apiId: api,
      routeKey: 'POST /adopted',
      integrationRef: { name: 'existing' },
      routeId: RouteId,
    });
    const o = await waitRouteReady('adopted');
    expect(o.status?.routeId).toBe(RouteId);
    expect(await targetOf(api, RouteId!)).toBe(`integrations/${integrationId}`);
    expect((await routesOf(api)).filter((r) => r.RouteKey === 'POST /adopted')).toHaveLength(1);
  });
});

/**
 * The test bed's API server as a cluster without the ApiRoute CRD sees it: every request is passed
 * through, except those for apiroutes, which get the 404 an unknown resource gets.
 */
async function apiServerWithoutRoutes(): Promise<Server> {
  const pki = join(tb.dir, 'pki');
  const upstream = new URL(tb.apiserverUrl);
  const ca = readFileSync(tb.caFile);
  const server = createServer(
    { cert: readFileSync(join(pki, 'serving.crt')), key: readFileSync(join(pki, 'serving.key')) },
    (req, res) => {
      if (req.url?.includes(`/${ROUTE_PLURAL}`)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
        return;
      }
      const headers = { ...req.headers, host: upstream.host };
      const out = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, ca },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('a cluster without the ApiRoute CRD', () => {
  let server: Server;
  let plain: Operator | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    server = await apiServerWithoutRoutes();
  });

  afterAll(async () => {
    await plain?.stop();
    // Watches through the proxy end with the operator; anything left is cut.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('still runs the ApiIntegration controller, becomes ready, and says why ApiRoutes are not reconciled', async () => {
    const namespace = await newNamespace('no-routes');
    const { port } = server.address() as AddressInfo;
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    plain = new Operator({
      cfg: testConfig({ watchNamespaces: [namespace], awsEndpoint: proxy.url }),
      kc: kubeConfigVia(`https://127.0.0.1:${port}`),
      logger,
    });
    await plain.start();
    const api = await createApi('HTTP');
    await createObject(namespace, 'alone', lambdaSpec(api));

    expect((await waitReady(namespace, 'alone')).status?.integrationId).toMatch(/^[a-z0-9]+$/);
    await eventually('operator ready', () => plain!.isReady());
    const warning = lines.find((l) => l.includes('the ApiRoute CRD is not installed'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, crd: `${ROUTE_PLURAL}.${GROUP}` });
  });
});

describe('the ApiRoute store', () => {
  const store = new KubeApiRouteStore(adminKubeConfig(), 'apigw-store-test');
  const spec = { apiId: 'nosuchapi', routeKey: 'GET /stored', target: 'integrations/abc123' };

  it('merge-patches metadata under a resourceVersion precondition, and status only through /status', async () => {
    const namespace = await newNamespace('route-store');
    const created = (await custom.createNamespacedCustomObject({
      ...ref,
      namespace,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ApiRoute', metadata: { name: 'stored' }, spec },
    })) as ApiRoute;

    const annotated = await store.patchMetadata(
      created,
      { annotations: { 'apigw.dev/test': 'one' } },
      { precondition: true },
    );
    expect(annotated.metadata.annotations?.['apigw.dev/test']).toBe('one');
    // The copy read before that write is stale now.
    await expect(
      store.patchMetadata(created, { annotations: { 'apigw.dev/test': 'two' } }, { precondition: true }),
    ).rejects.toBeInstanceOf(ConflictError);

    const withStatus = await store.patchStatus(annotated, { observedGeneration: 1, routeId: 'r1' });
    expect(withStatus.status).toMatchObject({ observedGeneration: 1, routeId: 'r1' });
    expect(withStatus.spec).toEqual(spec);
    // A field the operator stops reporting is removed, not left behind by the merge.
    const cleared = await store.patchStatus(withStatus, { observedGeneration: 1 });
    expect(cleared.status?.routeId).toBeUndefined();

    const aborted = AbortSignal.abort();
    await expect(store.patchStatus(cleared, { observedGeneration: 2 }, aborted)).rejects.toThrow();
    const read = (await custom.getNamespacedCustomObject({ ...ref, namespace, name: 'stored' })) as ApiRoute;
    expect(read.status?.observedGeneration).toBe(1);
  });
});
