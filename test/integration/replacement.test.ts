// Changes AWS has no empty value for, through the test bed's fidelity proxy (which refuses "" for
// integrationUri, integrationMethod and contentHandlingStrategy as the service model does): type
// changes happen in place without one, and dropping what only a new integration can drop replaces
// the integration, with the ApiRoute that names it following and the old one deleted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetRouteCommand } from '@aws-sdk/client-apigatewayv2';
import type { Operator } from '../../src/operator.ts';
import {
  aws,
  condition,
  createApi,
  createObject,
  createRouteObject,
  eventsFor,
  eventually,
  getRouteObject,
  installCrd,
  integrationsOf,
  newNamespace,
  patchSpec,
  waitReady,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:replaced';
let ns = '';
let operator: Operator;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('replacement');
  operator = await startOperator({ watchNamespaces: [ns] });
});

afterAll(async () => {
  await operator?.stop();
});

const createRoute = (name: string, spec: Record<string, unknown>) => createRouteObject(ns, name, spec);
const getRoute = (name: string) => getRouteObject(ns, name);

describe('type changes in place, without the empty values AWS refuses', () => {
  it('an HTTP_PROXY GET integration becomes a Lambda proxy under the same id, with AWS default method POST', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'to-lambda', {
      apiId: api,
      integrationType: 'HTTP_PROXY',
      integrationUri: 'https://backend.example.com/{proxy}',
      integrationMethod: 'GET',
      payloadFormatVersion: '1.0',
    });
    const before = await waitReady(ns, 'to-lambda');
    await patchSpec(ns, 'to-lambda', {
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      integrationMethod: null,
      payloadFormatVersion: '2.0',
    });
    const after = await waitReady(ns, 'to-lambda');
    expect(after.status?.integrationId).toBe(before.status?.integrationId);
    const [held] = await integrationsOf(api);
    expect(held).toMatchObject({ IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA, IntegrationMethod: 'POST' });
  });

  it('a WebSocket HTTP integration becomes MOCK under the same id, and what AWS keeps of its URI is not drift', async () => {
    const api = await createApi('WEBSOCKET');
    await createObject(ns, 'to-mock', {
      apiId: api,
      integrationType: 'HTTP',
      integrationUri: 'https://backend.example.com/ws',
      integrationMethod: 'POST',
    });
    const before = await waitReady(ns, 'to-mock');
    await patchSpec(ns, 'to-mock', { integrationType: 'MOCK', integrationUri: null, integrationMethod: null });
    const after = await waitReady(ns, 'to-mock');
    expect(after.status?.integrationId).toBe(before.status?.integrationId);
    expect((await integrationsOf(api)).map((i) => i.IntegrationType)).toEqual(['MOCK']);
    expect((await eventsFor(ns, 'to-mock')).map((e) => e.reason)).not.toContain('AwsRejected');
  });
});

describe('what only a new integration can drop', () => {
  it('dropping contentHandlingStrategy replaces the integration; its ApiRoute follows and the old one is deleted', async () => {
    const api = await createApi('WEBSOCKET');
    await createObject(ns, 'chs', {
      apiId: api,
      integrationType: 'HTTP',
      integrationUri: 'https://backend.example.com/ws',
      integrationMethod: 'POST',
      contentHandlingStrategy: 'CONVERT_TO_TEXT',
    });
    const before = await waitReady(ns, 'chs');
    const oldId = before.status!.integrationId!;
    await createRoute('chs-route', { apiId: api, routeKey: 'sendmessage', integrationRef: { name: 'chs' } });
    const route = await eventually('route targets the integration', async () => {
      const r = await getRoute('chs-route');
      return r.status?.routeId && r.status.observed?.target === `integrations/${oldId}` ? r : undefined;
    });

    await patchSpec(ns, 'chs', { contentHandlingStrategy: null });
    const after = await waitReady(ns, 'chs', 60_000);
    const newId = after.status!.integrationId!;
    expect(newId).not.toBe(oldId);
    expect(condition(after, 'Ready')?.reason).toBe('Synced');
    // The route follows the new id, so the old integration is free and goes.
    await eventually('route retargeted', async () => {
      const got = await aws.send(new GetRouteCommand({ ApiId: api, RouteId: route.status!.routeId! }));
      return got.Target === `integrations/${newId}`;
    });
    await eventually('old integration deleted', async () =>
      (await integrationsOf(api)).every((i) => i.IntegrationId !== oldId),
    );
    const held = await integrationsOf(api);
    expect(held.map((i) => i.IntegrationId)).toEqual([newId]);
    expect(held[0]!.ContentHandlingStrategy ?? undefined).toBeUndefined();
    const reasons = (await eventsFor(ns, 'chs')).map((e) => e.reason);
    expect(reasons).toContain('Replaced');
    expect(reasons).not.toContain('AwsRejected');
  });
});
