// What real API Gateway does to an operator that real routes depend on, counted through the proxy:
// deletes refused while routes target the integrations must cost a few calls a minute, not a
// retry storm against the account's shared quota, and must finish on their own once the routes
// go; a create that AWS completes after the operator gave up on it must not leave a duplicate.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateRouteCommand, DeleteRouteCommand } from '@aws-sdk/client-apigatewayv2';
import type { FaultProxy } from '../faultproxy/proxy.ts';
import { aws, createApi, deleteObject, installCrd, newNamespace, sleep } from '../support/cluster.ts';
import type { OperatorProcess } from '../support/process.ts';
import {
  auditApis,
  createMany,
  describeAudit,
  expectedOf,
  lambda,
  listObjects,
  logTail,
  scale,
  spawnThrough,
  startProxy,
  stopOperator,
  waitAllGone,
  waitAllReady,
  waitFor,
} from './support.ts';

const OBJECTS = scale(6, 20);
const BLOCKED_MS = scale(30_000, 60_000);

describe('deletes blocked by routes', () => {
  let ns = '';
  let proxy: FaultProxy;
  let op: OperatorProcess | undefined;

  beforeAll(async () => {
    await installCrd();
    ns = await newNamespace('rel-routes');
    proxy = await startProxy({ label: 'routes' });
    op = spawnThrough(proxy, ['--watch-namespaces', ns]);
  }, 60_000);

  afterAll(async () => {
    await stopOperator(op);
    await proxy?.close();
  });

  it(`${OBJECTS} routed objects deleted: no DeleteIntegration while routes remain, a few looks a minute, all gone once the routes go`, async () => {
    const api = await createApi('HTTP', 'rel-routes');
    const names = Array.from({ length: OBJECTS }, (_, i) => `routed-${i}`);
    await createMany(
      ns,
      names.map((name) => ({ name, spec: lambda(api) })),
    );
    const ready = await waitAllReady(ns, names, 120_000, () => logTail(op));
    const routes: string[] = [];
    for (const [i, o] of ready.entries()) {
      const out = await aws.send(
        new CreateRouteCommand({
          ApiId: api,
          RouteKey: `GET /r${i}`,
          Target: `integrations/${o.status!.integrationId}`,
        }),
      );
      routes.push(out.RouteId!);
    }
    const expected = expectedOf(ready);
    proxy.resetStats();
    const started = Date.now();
    for (const n of names) await deleteObject(ns, n);
    await waitFor(
      'every object says IntegrationInUse',
      ns,
      (objs) => {
        const waiting = objs.filter(
          (o) => o.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'IntegrationInUse',
        );
        return waiting.length === OBJECTS ? true : `${waiting.length}/${OBJECTS} report IntegrationInUse`;
      },
      60_000,
    );
    await sleep(Math.max(0, BLOCKED_MS - (Date.now() - started)));
    const minutes = (Date.now() - started) / 60_000;

    expect((await listObjects(ns)).length).toBe(OBJECTS);
    expect(proxy.count({ operation: 'DeleteIntegration' })).toBe(0);
    // Route listings are shared per API and spaced by a backoff that doubles: far below one a second.
    const looks = proxy.count({ operation: 'GetRoutes' });
    expect(looks / minutes).toBeLessThan(20);
    expect((await auditApis([api], expected)).total).toBe(OBJECTS);

    for (const r of routes) await aws.send(new DeleteRouteCommand({ ApiId: api, RouteId: r }));
    // The longest wait so far is about as long as the time blocked.
    await waitAllGone(ns, names, BLOCKED_MS + 60_000, () => `${proxy.summary()}\n${logTail(op)}`);
    const after = await auditApis([api], new Map());
    expect(describeAudit(after)).toBe(describeAudit({ missing: [], duplicates: [], leaks: [], total: 0 }));
    expect(proxy.count({ operation: 'DeleteIntegration', outcome: 'ok' })).toBe(OBJECTS);
  }, 360_000);
});

describe('a create that AWS completes after the operator timed out', () => {
  let ns = '';
  let proxy: FaultProxy;
  let op: OperatorProcess | undefined;

  beforeAll(async () => {
    ns = await newNamespace('rel-late');
    let held = false;
    // The first create is held past the operator's request timeout and lands after its next listing.
    proxy = await startProxy({ label: 'late', lateCreate: () => (held ? false : (held = true)) });
    op = spawnThrough(proxy, ['--watch-namespaces', ns, '--aws-request-timeout', '2s']);
  }, 60_000);

  afterAll(async () => {
    await stopOperator(op);
    await proxy?.close();
  });

  it('ends with exactly one integration for the object, and none once it is deleted', async () => {
    const api = await createApi('HTTP', 'rel-late');
    const [obj] = await createMany(ns, [{ name: 'late', spec: lambda(api) }]);
    const [ready] = await waitAllReady(ns, ['late'], 90_000, () => `${proxy.summary()}\n${logTail(op)}`);
    expect(proxy.count({ operation: 'CreateIntegration', outcome: 'late_create' })).toBe(1);
    const audit = await auditApis([api], expectedOf([ready!]));
    expect(describeAudit(audit)).toBe(describeAudit({ missing: [], duplicates: [], leaks: [], total: 1 }));
    expect(ready!.metadata.uid).toBe(obj!.metadata.uid);
    await deleteObject(ns, 'late');
    await waitAllGone(ns, ['late'], 60_000);
    expect((await auditApis([api], new Map())).total).toBe(0);
  }, 180_000);
});
