// Adoption is safe by default, on the test bed: an ApiIntegration or ApiRoute that adopts an
// existing resource and names no deletionPolicy leaves it in AWS when deleted (an integration
// without the operator's ownership marker), and its status says Retain; an explicit Delete still
// deletes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateIntegrationCommand,
  CreateRouteCommand,
  GetIntegrationCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import type { ApiRoute } from '../../src/api/v1alpha1/route-types.ts';
import type { Operator } from '../../src/operator.ts';
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
  newNamespace,
  waitReady,
  createRouteObject,
  getRouteObject,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:adopted';

let ns = '';
let operator: Operator;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('adoption');
  operator = await startOperator({ watchNamespaces: [ns] });
});

afterAll(async () => {
  await operator?.stop();
});

async function handMadeIntegration(apiId: string): Promise<string> {
  const out = await aws.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: LAMBDA,
      PayloadFormatVersion: '2.0',
      Description: 'production',
    }),
  );
  return out.IntegrationId!;
}

const routeRef = { group: GROUP, version: VERSION, plural: ROUTE_PLURAL };
const getRoute = (name: string) => getRouteObject(ns, name);

async function routeGone(name: string): Promise<boolean> {
  try {
    await getRoute(name);
    return false;
  } catch (e) {
    if (codeOf(e) === 404) return true;
    throw e;
  }
}

async function adoptRoute(name: string, spec: Record<string, unknown>): Promise<ApiRoute> {
  await createRouteObject(ns, name, spec);
  return eventually(`${ns}/${name} Ready`, async () => {
    const o = await getRoute(name);
    const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'True' && ready.observedGeneration === o.metadata.generation ? o : undefined;
  });
}

const routeKeysOf = async (apiId: string) =>
  ((await aws.send(new GetRoutesCommand({ ApiId: apiId }))).Items ?? []).map((r) => r.RouteKey);

describe('adopting without a deletionPolicy', () => {
  it('an ApiIntegration keeps the integration in AWS when deleted, without the ownership marker', async () => {
    const api = await createApi('HTTP');
    const id = await handMadeIntegration(api);
    await createObject(ns, 'adopter', {
      apiId: api,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
      integrationId: id,
      description: 'production',
    });
    const o = await waitReady(ns, 'adopter');
    expect(o.status?.deletionPolicy).toBe('Retain');
    const marked = await aws.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: id }));
    expect(marked.Description).toBe(`production [apigw.dev/owner=${o.metadata.uid}]`);

    await deleteObject(ns, 'adopter');
    await eventually('object gone', () => gone(ns, 'adopter'));
    const kept = await aws.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: id }));
    expect(kept).toMatchObject({ IntegrationId: id, Description: 'production' });
  });

  it('an ApiRoute keeps the route in AWS when deleted; with deletionPolicy: Delete it goes', async () => {
    const api = await createApi('HTTP');
    const target = `integrations/${await handMadeIntegration(api)}`;
    const kept = await aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /kept', Target: target }));
    const dropped = await aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /dropped', Target: target }));

    const adopter = await adoptRoute('kept', { apiId: api, routeKey: 'GET /kept', target, routeId: kept.RouteId });
    expect(adopter.status?.deletionPolicy).toBe('Retain');
    const explicit = await adoptRoute('dropped', {
      apiId: api,
      routeKey: 'GET /dropped',
      target,
      routeId: dropped.RouteId,
      deletionPolicy: 'Delete',
    });
    expect(explicit.status?.deletionPolicy).toBe('Delete');

    await custom.deleteNamespacedCustomObject({ ...routeRef, namespace: ns, name: 'kept' });
    await custom.deleteNamespacedCustomObject({ ...routeRef, namespace: ns, name: 'dropped' });
    await eventually('routes gone', async () => (await routeGone('kept')) && (await routeGone('dropped')));
    expect(await routeKeysOf(api)).toEqual(['GET /kept']);
  });

  it('an ApiIntegration the operator created still reports, and follows, Delete', async () => {
    const api = await createApi('HTTP');
    await createObject(ns, 'made', {
      apiId: api,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
    });
    const o = await waitReady(ns, 'made');
    expect(o.status?.deletionPolicy).toBe('Delete');
    await deleteObject(ns, 'made');
    await eventually('object gone', () => gone(ns, 'made'));
    await expect(
      aws.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: o.status!.integrationId! })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});
