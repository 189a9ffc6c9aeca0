// Typos fail instead of waiting, on the test bed: an ApiIntegration on an API that does not exist,
// an ApiRoute whose integrationRef is misspelt, and (the operator runs as one shard, with
// --label-selector) an ApiRoute whose ApiIntegration lacks the shard label are Reconciling for the
// grace period (5 s here), then Stalled with a Warning event, and become Ready on their own once
// what they wait for appears.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeleteApiCommand } from '@aws-sdk/client-apigatewayv2';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP, VERSION, type ConditionT } from '../../src/api/v1alpha1/group.ts';
import type { Operator } from '../../src/operator.ts';
import {
  aws,
  createApi,
  createObject,
  custom,
  eventsFor,
  eventually,
  installCrd,
  newNamespace,
  tb,
  waitCondition,
  waitReady,
  createRouteObject,
  getRouteObject,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';

const SHARD = { shard: 'a' };
const lambda = (apiId: string) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:typos',
  payloadFormatVersion: '2.0',
});

let ns = '';
let operator: Operator;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('not-found');
  operator = await startOperator({ watchNamespaces: [ns], labelSelector: 'shard=a', notFoundGraceMs: 5000 });
});

afterAll(async () => {
  await operator?.stop();
});

type Conditioned = { metadata: { generation: number }; status?: { conditions?: ConditionT[] } };

const createRoute = (name: string, spec: Record<string, unknown>) =>
  createRouteObject(ns, name, spec, { labels: SHARD });
const getRoute = async (name: string): Promise<Conditioned> => getRouteObject(ns, name);

const conditionOf = (o: Conditioned, type: string) => o.status?.conditions?.find((c) => c.type === type);

function waitRoute(name: string, type: string, reason: string, timeoutMs = 30_000): Promise<Conditioned> {
  return eventually(
    `${ns}/${name} ${type} reason ${reason}`,
    async () => {
      const o = await getRoute(name);
      const c = conditionOf(o, type);
      return c?.status === 'True' && c.reason === reason && c.observedGeneration === o.metadata.generation
        ? o
        : undefined;
    },
    timeoutMs,
  );
}

const warnings = async (name: string) =>
  (await eventsFor(ns, name)).filter((e) => e.type === 'Warning').map((e) => [e.reason, e.message]);

/**
 * An API id that does not exist yet but can be created later: moto draws ids from a generator that
 * can be seeded, so an API made right after a given seed gets the same id each time. Other test
 * files may draw from it in between, so the later create tries until it lands on the id.
 */
const SEED = Date.now() % 1_000_000_000;
const seedMoto = async () => {
  const res = await fetch(`${tb.motoEndpoint}/moto-api/seed?a=${SEED}`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto refused a seed: ${res.status}`);
};

async function futureApiId(): Promise<string> {
  await seedMoto();
  const id = await createApi('HTTP');
  await aws.send(new DeleteApiCommand({ ApiId: id }));
  return id;
}

async function createApiWithId(id: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await seedMoto();
    const made = await createApi('HTTP');
    if (made === id) return;
    await aws.send(new DeleteApiCommand({ ApiId: made }));
  }
  throw new Error(`could not make moto create API ${id} again`);
}

describe('an ApiIntegration on an API that does not exist', () => {
  it('is Reconciling, then Stalled with a Warning after the grace period, and Ready once the API is created', async () => {
    const apiId = await futureApiId();
    const t0 = Date.now();
    await createObject(ns, 'typo', lambda(apiId), { labels: SHARD });
    const waiting = await waitCondition(ns, 'typo', 'Reconciling', 'ApiNotFound');
    expect(conditionOf(waiting, 'Reconciling')?.message).toContain('(Stalled after 5s)');

    const stalled = await waitCondition(ns, 'typo', 'Stalled', 'ApiNotFound');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4000);
    expect(conditionOf(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'ApiNotFound' });
    expect(conditionOf(stalled, 'Stalled')?.message).toContain(`API ${apiId} does not exist in ${tb.region}`);
    expect(await warnings('typo')).toEqual([['ApiNotFound', conditionOf(stalled, 'Stalled')?.message]]);

    // Still looked for (on a backoff starting at the 30 s wait interval): no need to touch the object.
    await createApiWithId(apiId);
    const ready = await waitReady(ns, 'typo', 60_000);
    expect(ready.status?.integrationId).toBeTruthy();
    expect(conditionOf(ready, 'Stalled')?.status).toBe('False');
  });
});

describe('an ApiRoute whose integrationRef names no ApiIntegration', () => {
  it('is Stalled with a Warning after the grace period, and Ready once that ApiIntegration is created', async () => {
    const api = await createApi('HTTP');
    await createRoute('misspelt', { apiId: api, routeKey: 'GET /orders', integrationRef: { name: 'ordres' } });
    const waiting = await waitRoute('misspelt', 'Reconciling', 'IntegrationNotFound');
    expect(conditionOf(waiting, 'Reconciling')?.message).toContain('ApiIntegration ordres does not exist');

    const stalled = await waitRoute('misspelt', 'Stalled', 'IntegrationNotFound');
    const message = conditionOf(stalled, 'Stalled')?.message;
    expect(message).toContain('fix integrationRef.name, or create the ApiIntegration');
    expect(await warnings('misspelt')).toEqual([['IntegrationNotFound', message]]);

    await createObject(ns, 'ordres', lambda(api), { labels: SHARD });
    await waitReady(ns, 'ordres');
    const ready = await waitRoute('misspelt', 'Ready', 'Synced');
    expect(conditionOf(ready, 'Stalled')?.status).toBe('False');
  });
});

describe('sharding by label selector', () => {
  it('a route whose ApiIntegration lacks the shard label says so, is Stalled, and is Ready once it has the label', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'unlabelled', lambda(api));
    await createRoute('stranded', { apiId: api, routeKey: 'GET /items', integrationRef: { name: 'unlabelled' } });

    const stalled = await waitRoute('stranded', 'Stalled', 'IntegrationNotSelected');
    const message = conditionOf(stalled, 'Stalled')?.message;
    expect(message).toContain(
      "ApiIntegration unlabelled exists but does not match this operator's --label-selector 'shard=a'",
    );
    expect(message).toContain('give it the same label as this route');
    expect(await warnings('stranded')).toEqual([['IntegrationNotSelected', message]]);

    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: ns,
        name: 'unlabelled',
        body: { metadata: { labels: SHARD } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitReady(ns, 'unlabelled');
    await waitRoute('stranded', 'Ready', 'Synced');
  });
});
