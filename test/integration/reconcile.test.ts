// The reconcile path end to end on real parts: kube-apiserver + etcd with the generated CRD, the
// operator in-process, and moto as API Gateway v2. Each test is a story a user lives through.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateIntegrationCommand,
  DeleteIntegrationCommand,
  GetIntegrationCommand,
  UpdateIntegrationCommand,
} from '@aws-sdk/client-apigatewayv2';
import * as k8s from '@kubernetes/client-node';
import type { Operator } from '../../src/operator.ts';
import {
  aws,
  condition,
  createApi,
  createObject,
  custom,
  deleteObject,
  eventsFor,
  eventually,
  getObject,
  gone,
  installCrd,
  integrationsOf,
  newNamespace,
  patchSpec,
  sleep,
  waitCondition,
  waitReady,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:hello';
let ns = '';
let httpApi = '';
let wsApi = '';
let operator: Operator;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('reconcile');
  httpApi = await createApi('HTTP');
  wsApi = await createApi('WEBSOCKET');
  operator = await startOperator({ watchNamespaces: [ns] });
});

afterAll(async () => {
  await operator?.stop();
});

const lambda = (apiId: string, over: Record<string, unknown> = {}) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
  ...over,
});

describe('create, steady state and delete', () => {
  it('creates exactly one integration, reports it, and leaves a steady object alone', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'lambda', lambda(api, { description: 'orders' }));
    const ready = await waitReady(ns, 'lambda');
    const id = ready.status?.integrationId;
    expect(id).toBeTruthy();
    expect(ready.metadata.annotations?.['apigw.dev/integration-id']).toBe(id);
    expect(ready.metadata.finalizers).toContain('apigw.dev/finalizer');
    expect(ready.status?.observed).toMatchObject({
      apiId: api,
      protocolType: 'HTTP',
      integrationType: 'AWS_PROXY',
      connectionType: 'INTERNET',
    });
    expect(condition(ready, 'Stalled')?.status).toBe('False');
    const items = await integrationsOf(api);
    expect(items.map((i) => i.IntegrationId)).toEqual([id]);
    expect(items[0]!.Description).toBe(`orders [apigw.dev/owner=${ready.metadata.uid}]`);
    // Several drift checks later nothing was rewritten: no status churn, no extra integrations.
    await sleep(5000);
    const later = await getObject(ns, 'lambda');
    expect(later.metadata.resourceVersion).toBe(ready.metadata.resourceVersion);
    expect((await integrationsOf(api)).length).toBe(1);
    expect((await eventsFor(ns, 'lambda')).map((e) => e.reason)).toContain('Created');

    await deleteObject(ns, 'lambda');
    await eventually('object gone', () => gone(ns, 'lambda'));
    expect(await integrationsOf(api)).toEqual([]);
  });

  it('keeps the integration when deletionPolicy is Retain', async () => {
    await createObject(ns, 'retained', lambda(httpApi, { deletionPolicy: 'Retain', description: 'keep me' }));
    const id = (await waitReady(ns, 'retained')).status?.integrationId;
    await deleteObject(ns, 'retained');
    await eventually('object gone', () => gone(ns, 'retained'));
    await expect(aws.send(new GetIntegrationCommand({ ApiId: httpApi, IntegrationId: id }))).resolves.toMatchObject({
      IntegrationId: id,
    });
  });
});

describe('updates', () => {
  it('applies a spec change, removing dropped mappings in AWS', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'mapped', {
      apiId: api,
      integrationType: 'HTTP_PROXY',
      integrationMethod: 'GET',
      integrationUri: 'https://backend.example.com/{proxy}',
      payloadFormatVersion: '1.0',
      requestParameters: { 'append:header.x-a': 'a', 'append:header.x-b': 'b' },
      responseParameters: {
        '200': { 'append:header.x-c': '$context.requestId' },
        '500': { 'overwrite:statuscode': '503' },
      },
    });
    const id = (await waitReady(ns, 'mapped')).status!.integrationId!;
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: ns,
        name: 'mapped',
        body: {
          spec: {
            integrationMethod: 'POST',
            requestParameters: { 'append:header.x-b': null },
            responseParameters: { '500': null },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually('AWS updated', async () => {
      const got = await aws.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: id }));
      const resp = Object.fromEntries(
        Object.entries(got.ResponseParameters ?? {}).filter(([, v]) => Object.keys(v).length > 0),
      );
      return (
        got.IntegrationMethod === 'POST' &&
        JSON.stringify(got.RequestParameters) === JSON.stringify({ 'append:header.x-a': 'a' }) &&
        Object.keys(resp).join() === '200'
      );
    });
    const ready = await waitReady(ns, 'mapped');
    expect(ready.status?.integrationId).toBe(id);
    expect((await eventsFor(ns, 'mapped')).some((e) => e.reason === 'Updated')).toBe(true);
  });

  it('recreates an integration deleted outside the operator, and says so', async () => {
    await createObject(ns, 'recreate', lambda(httpApi, { description: 'recreate' }));
    const first = (await waitReady(ns, 'recreate')).status!.integrationId!;
    await aws.send(new DeleteIntegrationCommand({ ApiId: httpApi, IntegrationId: first }));
    // Made moments ago, its absence may only be AWS not showing it yet: the operator recreates it
    // once the settle window after the record (twice the AWS request timeout) has passed.
    const again = await eventually(
      'a new integration id',
      async () => {
        const o = await getObject(ns, 'recreate');
        return o.status?.integrationId && o.status.integrationId !== first ? o : undefined;
      },
      60_000,
    );
    expect((await integrationsOf(httpApi)).filter((i) => i.Description?.includes(again.metadata.uid))).toHaveLength(1);
    expect((await eventsFor(ns, 'recreate')).some((e) => e.reason === 'Recreated')).toBe(true);
  });

  it('corrects drift made outside the operator and reports the fields that drifted', async () => {
    await createObject(ns, 'drifter', lambda(httpApi, { description: 'pinned', timeoutInMillis: 5000 }));
    const o = await waitReady(ns, 'drifter');
    const id = o.status!.integrationId!;
    await aws.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        TimeoutInMillis: 29000,
        Description: 'edited by hand',
      }),
    );
    await eventually(
      'drift corrected in AWS',
      async () => {
        const got = await aws.send(new GetIntegrationCommand({ ApiId: httpApi, IntegrationId: id }));
        return got.TimeoutInMillis === 5000 && got.Description === `pinned [apigw.dev/owner=${o.metadata.uid}]`;
      },
      20_000,
    );
    const event = await eventually('DriftCorrected event', async () =>
      (await eventsFor(ns, 'drifter')).find((e) => e.reason === 'DriftCorrected'),
    );
    expect(event.message).toContain('timeoutInMillis');
    expect(event.message).toContain('description');
    expect((await getObject(ns, 'drifter')).status?.integrationId).toBe(id);
  });

  it('moves the integration when apiId changes: created on the new API, deleted from the old', async () => {
    const from = await createApi('HTTP');
    const to = await createApi('HTTP');
    await createObject(ns, 'mover', lambda(from));
    await waitReady(ns, 'mover');
    await patchSpec(ns, 'mover', { apiId: to });
    const moved = await waitReady(ns, 'mover');
    expect(moved.status?.observed?.apiId).toBe(to);
    await eventually('old integration deleted', async () => (await integrationsOf(from)).length === 0);
    expect((await integrationsOf(to)).map((i) => i.IntegrationId)).toEqual([moved.status?.integrationId]);
  });
});

describe('invalid specs', () => {
  it('refuses a spec the API protocol cannot take, lists every problem, and makes no AWS write', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'mock-on-http', {
      apiId: api,
      integrationType: 'MOCK',
      requestTemplates: { 'application/json': '{}' },
    });
    const o = await waitCondition(ns, 'mock-on-http', 'Stalled', 'InvalidSpec');
    expect(condition(o, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(condition(o, 'Ready')?.message).toMatch(/MOCK/);
    expect(condition(o, 'Ready')?.message).toMatch(/requestTemplates/);
    expect(await integrationsOf(api)).toEqual([]);
    const warning = await eventually('InvalidSpec Warning event', async () =>
      (await eventsFor(ns, 'mock-on-http')).find((e) => e.reason === 'InvalidSpec'),
    );
    expect(warning.type).toBe('Warning');
    expect(warning.message).toMatch(/MOCK/);
    // Fixing the spec is all it takes.
    await patchSpec(ns, 'mock-on-http', {
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
      requestTemplates: null,
    });
    await waitReady(ns, 'mock-on-http');
    expect(await integrationsOf(api)).toHaveLength(1);
  });

  it('waits, without writing, for an API that does not exist yet', async () => {
    await createObject(ns, 'no-api', lambda('doesnotexist'));
    const o = await waitCondition(ns, 'no-api', 'Reconciling', 'ApiNotFound');
    expect(condition(o, 'Ready')?.status).toBe('False');
  });
});

describe('adoption, observe-only and crash recovery', () => {
  async function handMade(apiId: string, description = 'made by hand'): Promise<string> {
    const out = await aws.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: LAMBDA,
        PayloadFormatVersion: '2.0',
        Description: description,
      }),
    );
    return out.IntegrationId!;
  }

  it('adopts an existing integration named in spec.integrationId and manages it from then on', async () => {
    const api = await createApi('HTTP');
    const id = await handMade(api);
    await createObject(ns, 'adopter', lambda(api, { integrationId: id, description: 'now managed' }));
    const o = await waitReady(ns, 'adopter');
    expect(o.status?.integrationId).toBe(id);
    expect((await integrationsOf(api)).map((i) => [i.IntegrationId, i.Description])).toEqual([
      [id, `now managed [apigw.dev/owner=${o.metadata.uid}]`],
    ]);
    expect((await eventsFor(ns, 'adopter')).some((e) => e.reason === 'Adopted')).toBe(true);
  });

  it('observes without ever writing to AWS in ObserveOnly mode', async () => {
    const api = await createApi('WEBSOCKET');
    const out = await aws.send(
      new CreateIntegrationCommand({ ApiId: api, IntegrationType: 'MOCK', Description: 'theirs' }),
    );
    await createObject(ns, 'watcher', {
      apiId: api,
      integrationType: 'MOCK',
      integrationId: out.IntegrationId,
      managementPolicy: 'ObserveOnly',
      description: 'different',
    });
    const o = await waitReady(ns, 'watcher');
    expect(condition(o, 'Ready')?.reason).toBe('Observed');
    expect(condition(o, 'Ready')?.message).toMatch(/description/);
    await deleteObject(ns, 'watcher');
    await eventually('object gone', () => gone(ns, 'watcher'));
    expect((await integrationsOf(api)).map((i) => i.Description)).toEqual(['theirs']);
  });

  it('after a create whose result was never recorded, adopts what it made instead of creating again', async () => {
    const api = await createApi('HTTP');
    // The object as a crashed operator would leave it: finalizer and pending marker written,
    // CreateIntegration applied in AWS, integration id never recorded.
    await operator.stop();
    const created = await createObject(ns, 'crashed', lambda(api));
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: ns,
        name: 'crashed',
        body: {
          metadata: {
            finalizers: ['apigw.dev/finalizer'],
            annotations: { 'apigw.dev/create-pending': `us-east-1/${api}` },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const lost = await handMade(api, `[apigw.dev/owner=${created.metadata.uid}]`);
    operator = await startOperator({ watchNamespaces: [ns] });
    const o = await waitReady(ns, 'crashed');
    expect(o.status?.integrationId).toBe(lost);
    expect((await integrationsOf(api)).map((i) => i.IntegrationId)).toEqual([lost]);
    expect(o.metadata.annotations?.['apigw.dev/create-pending']).toBeUndefined();
  });
});

describe('WebSocket APIs', () => {
  it('reconciles a MOCK integration with request templates', async () => {
    await createObject(ns, 'ws-mock', {
      apiId: wsApi,
      integrationType: 'MOCK',
      requestTemplates: { $default: '{"statusCode": 200}' },
      templateSelectionExpression: '\\$default',
    });
    const o = await waitReady(ns, 'ws-mock');
    expect(o.status?.observed).toMatchObject({ protocolType: 'WEBSOCKET', integrationType: 'MOCK' });
  });
});

describe('reconcile on request', () => {
  it('repairs an out-of-band change at once when apigw.dev/reconcile-requested-at changes, long before the drift check', async () => {
    const quiet = await newNamespace('requested');
    const slow = await startOperator({ watchNamespaces: [quiet], driftIntervalMs: 30 * 60_000 });
    try {
      const api = await createApi('HTTP');
      await createObject(quiet, 'asked', lambda(api, { timeoutInMillis: 5000 }));
      const id = (await waitReady(quiet, 'asked')).status!.integrationId!;
      await aws.send(new UpdateIntegrationCommand({ ApiId: api, IntegrationId: id, TimeoutInMillis: 29000 }));
      const at = new Date().toISOString();
      await custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: quiet,
          name: 'asked',
          body: { metadata: { annotations: { 'apigw.dev/reconcile-requested-at': at } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually(
        'drift repaired on request',
        async () =>
          (await aws.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: id }))).TimeoutInMillis === 5000,
        15_000,
      );
      await eventually(
        'request acknowledged in status',
        async () => (await getObject(quiet, 'asked')).status?.lastHandledReconcileAt === at,
        15_000,
      );
    } finally {
      await slow.stop();
    }
  });
});
