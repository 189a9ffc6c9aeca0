// Integrations as real API Gateway treats them: targets of routes. The test bed's emulator runs in
// fidelity mode (AWS refuses to delete a routed integration, caps integrations per API, merges
// updates), and these stories check what a user sees: edits reach the integration routes use,
// blocked deletes say which routes block them and cost almost nothing while they wait, and the
// per-API quota stalls instead of spinning.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateRouteCommand,
  DeleteApiCommand,
  DeleteRouteCommand,
  GetIntegrationCommand,
} from '@aws-sdk/client-apigatewayv2';
import type { Operator } from '../../src/operator.ts';
import {
  aws,
  condition,
  createApi,
  createObject,
  deleteObject,
  eventsFor,
  eventually,
  getObject,
  gone,
  installCrd,
  integrationsOf,
  newNamespace,
  patchSpec,
  tb,
  waitCondition,
  waitReady,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { FaultProxy } from '../faultproxy/proxy.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:routed';
const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/internal/50dc6c495c0c9188/0467ef3c8400ae65';
let ns = '';
let operator: Operator;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('routes');
  operator = await startOperator({ watchNamespaces: [ns] });
});

afterAll(async () => {
  await operator?.stop();
});

async function route(apiId: string, routeKey: string, integrationId: string): Promise<string> {
  const out = await aws.send(
    new CreateRouteCommand({ ApiId: apiId, RouteKey: routeKey, Target: `integrations/${integrationId}` }),
  );
  return out.RouteId!;
}

describe('a routed integration is changed in place', () => {
  it('keeps its id through every edit, so the routes that target it see each change', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'private', {
      apiId: api,
      integrationType: 'HTTP_PROXY',
      integrationMethod: 'ANY',
      integrationUri: LISTENER,
      payloadFormatVersion: '1.0',
      connectionType: 'VPC_LINK',
      connectionId: 'vl0abc1',
      tlsConfig: { serverNameToVerify: 'internal.example.com' },
      credentialsArn: 'arn:aws:iam::123456789012:role/apigw-backend',
      description: 'private backend',
    });
    const id = (await waitReady(ns, 'private')).status!.integrationId!;
    await route(api, 'ANY /orders/{proxy+}', id);
    const inAws = () => aws.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: id }));

    // The edits the old operator made by replacement (a second integration the route never used).
    await patchSpec(ns, 'private', { tlsConfig: null, credentialsArn: null });
    await eventually('tlsConfig and credentials cleared in place', async () => {
      const got = await inAws();
      return !got.TlsConfig?.ServerNameToVerify && !got.CredentialsArn;
    });
    await patchSpec(ns, 'private', {
      connectionType: null,
      connectionId: null,
      integrationUri: 'https://orders.example.com/{proxy}',
    });
    await eventually('now a public HTTP integration, same id', async () => {
      const got = await inAws();
      return (
        got.IntegrationUri === 'https://orders.example.com/{proxy}' &&
        !got.ConnectionId &&
        (got.ConnectionType ?? 'INTERNET') === 'INTERNET'
      );
    });
    await patchSpec(ns, 'private', {
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      integrationMethod: null,
      payloadFormatVersion: '2.0',
    });
    await eventually('the type changed in place', async () => (await inAws()).IntegrationType === 'AWS_PROXY');
    const o = await waitReady(ns, 'private');

    expect(o.status?.integrationId).toBe(id);
    expect((await integrationsOf(api)).map((i) => i.IntegrationId)).toEqual([id]);
    const reasons = (await eventsFor(ns, 'private')).map((e) => e.reason);
    expect(reasons).toContain('Updated');
    expect(reasons).not.toContain('Replaced');
  });
});

describe('deletes that routes block', () => {
  let proxy: FaultProxy;
  let counted: Operator;
  let ns2 = '';

  beforeAll(async () => {
    // A private proxy with the same fidelity rules, so this operator's calls can be counted.
    proxy = await FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, fidelity: true, label: 'routes' });
    ns2 = await newNamespace('routes-counted');
    counted = await startOperator({ watchNamespaces: [ns2], awsEndpoint: proxy.url });
  });

  afterAll(async () => {
    await counted?.stop();
    await proxy?.close();
  });

  it('deleting the object waits for the routes, names them, sends no DeleteIntegration meanwhile, and finishes once they go', async () => {
    const api = await createApi('HTTP');
    await createObject(ns2, 'in-use', {
      apiId: api,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
    });
    const id = (await waitReady(ns2, 'in-use')).status!.integrationId!;
    const r1 = await route(api, 'GET /orders', id);
    const r2 = await route(api, 'POST /orders', id);
    proxy.resetStats();

    await deleteObject(ns2, 'in-use');
    const blocked = await eventually('IntegrationInUse reported', async () => {
      const o = await getObject(ns2, 'in-use');
      return condition(o, 'Ready')?.reason === 'IntegrationInUse' ? o : undefined;
    });
    expect(condition(blocked, 'Ready')).toMatchObject({ status: 'False' });
    expect(condition(blocked, 'Reconciling')).toMatchObject({ status: 'True', reason: 'IntegrationInUse' });
    const message = condition(blocked, 'Ready')!.message;
    expect(message).toContain(`${r1} (GET /orders)`);
    expect(message).toContain(`${r2} (POST /orders)`);
    const warnings = (await eventsFor(ns2, 'in-use')).filter((e) => e.reason === 'IntegrationInUse');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.type).toBe('Warning');

    // Twenty seconds blocked: a handful of route listings, not a DeleteIntegration storm.
    await new Promise((r) => setTimeout(r, 20_000));
    expect(await gone(ns2, 'in-use')).toBe(false);
    expect(proxy.count({ operation: 'DeleteIntegration' })).toBe(0);
    expect(proxy.count({ operation: 'GetRoutes' })).toBeLessThanOrEqual(5);
    expect((await eventsFor(ns2, 'in-use')).filter((e) => e.reason === 'IntegrationInUse')).toHaveLength(1);

    await aws.send(new DeleteRouteCommand({ ApiId: api, RouteId: r1 }));
    await aws.send(new DeleteRouteCommand({ ApiId: api, RouteId: r2 }));
    // The wait has grown to about the time already spent blocked; the cap is five minutes.
    await eventually('object released once the routes are gone', () => gone(ns2, 'in-use'), 60_000, 500);
    expect(await integrationsOf(api)).toEqual([]);
    expect(proxy.count({ operation: 'DeleteIntegration' })).toBe(1);
  });

  it('a move leaves the new integration Ready only once the old one, freed of its routes, is deleted', async () => {
    const from = await createApi('HTTP');
    const to = await createApi('HTTP');
    await createObject(ns2, 'mover', {
      apiId: from,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
    });
    const old = (await waitReady(ns2, 'mover')).status!.integrationId!;
    const r = await route(from, '$default', old);

    await patchSpec(ns2, 'mover', { apiId: to });
    const blocked = await waitCondition(ns2, 'mover', 'Reconciling', 'IntegrationInUse');
    expect(condition(blocked, 'Ready')?.status).toBe('False');
    expect(condition(blocked, 'Ready')?.message).toContain(`old integration ${old} on API ${from}`);
    expect(condition(blocked, 'Ready')?.message).toContain(`${r} ($default)`);
    const created = await integrationsOf(to);
    expect(created).toHaveLength(1);
    expect(blocked.status?.integrationId).toBe(created[0]!.IntegrationId);
    expect((await integrationsOf(from)).map((i) => i.IntegrationId)).toEqual([old]);

    await aws.send(new DeleteRouteCommand({ ApiId: from, RouteId: r }));
    const done = await waitReady(ns2, 'mover', 60_000);
    expect(condition(done, 'Ready')?.reason).toBe('Synced');
    expect(await integrationsOf(from)).toEqual([]);
    expect(proxy.count({ operation: 'DeleteIntegration', outcome: 'upstream_error' })).toBe(0);
  });
});

describe('the per-API integration quota', () => {
  it('stalls the object that does not fit, with one create attempt, and reports QuotaExceeded', async () => {
    const proxy = await FaultProxy.start({
      upstream: tb.motoEndpoint,
      region: tb.region,
      fidelity: { integrationsPerApi: 2 },
      label: 'quota',
    });
    const ns3 = await newNamespace('routes-quota');
    const op = await startOperator({ watchNamespaces: [ns3], awsEndpoint: proxy.url });
    try {
      const api = await createApi('HTTP');
      for (const n of ['q1', 'q2'])
        await createObject(ns3, n, {
          apiId: api,
          integrationType: 'AWS_PROXY',
          integrationUri: LAMBDA,
          payloadFormatVersion: '2.0',
        });
      await waitReady(ns3, 'q1');
      await waitReady(ns3, 'q2');
      await createObject(ns3, 'q3', {
        apiId: api,
        integrationType: 'AWS_PROXY',
        integrationUri: LAMBDA,
        payloadFormatVersion: '2.0',
      });
      const o = await waitCondition(ns3, 'q3', 'Stalled', 'QuotaExceeded');
      expect(condition(o, 'Ready')).toMatchObject({ status: 'False', reason: 'QuotaExceeded' });
      expect(condition(o, 'Ready')?.message).toMatch(/Maximum number of Integrations/);
      expect(o.metadata.annotations?.['apigw.dev/create-pending']).toBeUndefined();
      await new Promise((r) => setTimeout(r, 5000));
      expect(proxy.count({ operation: 'CreateIntegration' })).toBe(3);
      expect(await integrationsOf(api)).toHaveLength(2);
    } finally {
      await op.stop();
      await proxy.close();
    }
  });
});

describe('retained integrations and a deleted API', () => {
  it('Retain hands the integration back without the marker, so a new object can adopt it', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'keeper', {
      apiId: api,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
      deletionPolicy: 'Retain',
      description: 'kept',
    });
    const id = (await waitReady(ns, 'keeper')).status!.integrationId!;
    await deleteObject(ns, 'keeper');
    await eventually('object gone', () => gone(ns, 'keeper'));
    expect((await aws.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: id }))).Description).toBe('kept');
    await createObject(ns, 'heir', {
      apiId: api,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
      integrationId: id,
    });
    expect((await waitReady(ns, 'heir')).status?.integrationId).toBe(id);
  });

  it('an API deleted under a Ready object is reported ApiNotFound, with no create attempts in a loop', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'orphaned', {
      apiId: api,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
    });
    await waitReady(ns, 'orphaned');
    await aws.send(new DeleteApiCommand({ ApiId: api }));
    const o = await waitCondition(ns, 'orphaned', 'Reconciling', 'ApiNotFound', 30_000);
    expect(condition(o, 'Ready')?.status).toBe('False');
  });
});
