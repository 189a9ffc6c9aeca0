// The route gateway against the test bed's AWS side (moto behind the fidelity proxy, so routes meet
// AWS's key uniqueness, merge-on-update and 404s): what the reconciler relies on, call by call.
// Updates go through diffRoute, as the reconciler sends them, and are checked by diffing again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  DeleteApiCommand,
} from '@aws-sdk/client-apigatewayv2';
import { SdkClientFactory } from '../../src/adapters/aws/clients.ts';
import { ApiGatewayV2RouteGateway } from '../../src/adapters/aws/route-gateway.ts';
import { RouteKeyExistsError } from '../../src/apiroute/errors.ts';
import { diffRoute } from '../../src/apiroute/diff.ts';
import type { RouteFields } from '../../src/apiroute/ports.ts';
import { FaultProxy } from '../faultproxy/proxy.ts';
import { testbedEnv } from '../testbed/env.ts';

const tb = testbedEnv();
// The factory takes the default credential chain, as the operator does; moto accepts any keys.
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

const factories: SdkClientFactory[] = [];
const proxies: FaultProxy[] = [];
function gatewayAt(endpoint: string): ApiGatewayV2RouteGateway {
  const clients = new SdkClientFactory({ endpoint });
  factories.push(clients);
  return new ApiGatewayV2RouteGateway({ clients, attempts: 2 });
}

const raw = new ApiGatewayV2Client({
  region: tb.region,
  endpoint: tb.awsEndpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});
const gw = gatewayAt(tb.awsEndpoint);

afterAll(async () => {
  raw.destroy();
  for (const f of factories) f.destroy();
  await Promise.all(proxies.map((p) => p.close()));
});

async function newApi(protocol: 'HTTP' | 'WEBSOCKET'): Promise<string> {
  const ws = protocol === 'WEBSOCKET' ? { RouteSelectionExpression: '$request.body.action' } : {};
  const name = `route-gateway-${protocol.toLowerCase()}-${Date.now()}`;
  return (await raw.send(new CreateApiCommand({ Name: name, ProtocolType: protocol, ...ws }))).ApiId!;
}

async function newIntegration(apiId: string): Promise<string> {
  const out = await raw.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:route-gateway',
      PayloadFormatVersion: '2.0',
    }),
  );
  return out.IntegrationId!;
}

const at = (apiId: string) => ({ region: tb.region, apiId });
let http = '';
let target = '';

beforeAll(async () => {
  http = await newApi('HTTP');
  target = `integrations/${await newIntegration(http)}`;
});

describe('reads', () => {
  it("tells the API's protocol, and reports a missing API as absent everywhere", async () => {
    const ws = await newApi('WEBSOCKET');
    expect(await gw.getApiProtocol(at(ws))).toBe('WEBSOCKET');
    expect(await gw.getApiProtocol(at(http))).toBe('HTTP');
    expect(await gw.getApiProtocol(at('nosuchapi'))).toBeUndefined();
    expect(await gw.listRoutes(at('nosuchapi'))).toBeUndefined();
    expect(await gw.getRoute(at('nosuchapi'), 'r1')).toBeUndefined();
    expect(await gw.getRoute(at(http), 'nosuchroute')).toBeUndefined();
  });

  it('lists every page of a paged GetRoutes', async () => {
    const p = await FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, fidelity: { pageSize: 2 } });
    proxies.push(p);
    const paged = gatewayAt(p.url);
    const apiId = await newApi('HTTP');
    const keys = ['GET /1', 'GET /2', 'GET /3', 'GET /4', 'GET /5'];
    for (const routeKey of keys) await paged.createRoute(at(apiId), { routeKey });
    const listed = await paged.listRoutes(at(apiId));
    expect(listed?.map((r) => r.routeKey).sort()).toEqual(keys);
    expect(p.count({ operation: 'GetRoutes' })).toBe(3);
  });
});

describe('create', () => {
  it('creates a route with its fields and reads the same back, alone and in the listing', async () => {
    const fields = {
      routeKey: 'POST /orders',
      target,
      authorizationType: 'AWS_IAM',
      operationName: 'createOrder',
      apiKeyRequired: false,
    };
    const made = await gw.createRoute(at(http), fields);
    expect(made).toMatchObject(fields);
    expect(await gw.getRoute(at(http), made.routeId)).toMatchObject({ routeId: made.routeId, ...fields });
    expect((await gw.listRoutes(at(http)))?.find((r) => r.routeId === made.routeId)).toMatchObject(fields);
    expect(diffRoute(fields, (await gw.getRoute(at(http), made.routeId))!).changed).toEqual([]);
  });

  it('refuses a taken key with RouteKeyExistsError, on create and on update, and keeps one route', async () => {
    const first = await gw.createRoute(at(http), { routeKey: 'GET /taken', target });
    const again = await gw.createRoute(at(http), { routeKey: 'GET /taken' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RouteKeyExistsError);
    expect(again).toMatchObject({ routeKey: 'GET /taken', kind: 'Rejected', httpStatus: 409 });
    const other = await gw.createRoute(at(http), { routeKey: 'GET /other' });
    const moved = await gw.updateRoute(at(http), other.routeId, { routeKey: 'GET /taken' }).catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(RouteKeyExistsError);
    const holders = (await gw.listRoutes(at(http)))?.filter((r) => r.routeKey === 'GET /taken');
    expect(holders?.map((r) => r.routeId)).toEqual([first.routeId]);
  });

  it('rejects a target naming an integration the API does not have, rather than reporting it as not found', async () => {
    await expect(
      gw.createRoute(at(http), { routeKey: 'GET /dangling', target: 'integrations/nosuchid' }),
    ).rejects.toMatchObject({ kind: 'Rejected', operation: 'CreateRoute', httpStatus: 404 });
    await expect(gw.createRoute(at('nosuchapi'), { routeKey: 'GET /x' })).rejects.toMatchObject({
      kind: 'Transient',
      message: `CreateRoute: API nosuchapi in ${tb.region} does not exist`,
    });
  });
});

describe('update', () => {
  it('removes what the spec no longer has, as diffRoute sends it, until nothing differs', async () => {
    const ws = await newApi('WEBSOCKET');
    const wsTarget = `integrations/${await newIntegration(ws)}`;
    const before: RouteFields & { routeKey: string } = {
      routeKey: '$connect',
      target: wsTarget,
      operationName: 'connect',
      apiKeyRequired: true,
      requestModels: { a: 'ModelA', b: 'ModelB' },
      requestParameters: { 'route.request.header.x': { required: true }, 'route.request.querystring.y': {} },
    };
    const made = await gw.createRoute(at(ws), before);
    const after: RouteFields = {
      routeKey: '$connect',
      target: wsTarget,
      requestModels: { b: 'ModelB' },
      requestParameters: { 'route.request.querystring.y': { required: true } },
    };
    const diff = diffRoute(after, (await gw.getRoute(at(ws), made.routeId))!);
    expect(diff.removeRequestParameters).toEqual(['route.request.header.x']);
    await gw.updateRoute(at(ws), made.routeId, diff.update!);
    for (const key of diff.removeRequestParameters) await gw.deleteRouteRequestParameter(at(ws), made.routeId, key);
    const now = (await gw.getRoute(at(ws), made.routeId))!;
    expect(now.requestModels).toEqual({ b: 'ModelB' });
    expect(now.requestParameters).toEqual({ 'route.request.querystring.y': { required: true } });
    expect(diffRoute(after, now).changed).toEqual([]);
  });

  it('clears scopes and the authorizer as diffRoute sends it', async () => {
    const before = {
      routeKey: 'GET /secured',
      target,
      authorizationType: 'JWT',
      authorizerId: 'au1',
      authorizationScopes: ['read'],
    };
    const made = await gw.createRoute(at(http), before);
    const after = { routeKey: 'GET /secured', target };
    const diff = diffRoute(after, made);
    expect(diff.update).toEqual({ authorizationType: 'NONE', authorizerId: '', authorizationScopes: [] });
    await gw.updateRoute(at(http), made.routeId, diff.update!);
    expect(diffRoute(after, (await gw.getRoute(at(http), made.routeId))!).changed).toEqual([]);
  });

  it('changes the route key in place, keeping the route id', async () => {
    const made = await gw.createRoute(at(http), { routeKey: 'GET /old', target });
    const updated = await gw.updateRoute(at(http), made.routeId, { routeKey: 'GET /new' });
    expect(updated).toMatchObject({ routeId: made.routeId, routeKey: 'GET /new', target });
  });
});

describe('delete', () => {
  it('deletes a request parameter, and succeeds when it is already gone', async () => {
    const ws = await newApi('WEBSOCKET');
    const made = await gw.createRoute(at(ws), {
      routeKey: '$connect',
      requestParameters: { 'route.request.header.a': { required: true } },
    });
    await gw.deleteRouteRequestParameter(at(ws), made.routeId, 'route.request.header.a');
    await expect(
      gw.deleteRouteRequestParameter(at(ws), made.routeId, 'route.request.header.a'),
    ).resolves.toBeUndefined();
    expect((await gw.getRoute(at(ws), made.routeId))?.requestParameters ?? {}).toEqual({});
  });

  it('deletes a route, and succeeds when the route or its API is already gone', async () => {
    const apiId = await newApi('HTTP');
    const made = await gw.createRoute(at(apiId), { routeKey: 'DELETE /me' });
    await gw.deleteRoute(at(apiId), made.routeId);
    expect(await gw.getRoute(at(apiId), made.routeId)).toBeUndefined();
    await expect(gw.deleteRoute(at(apiId), made.routeId)).resolves.toBeUndefined();
    await raw.send(new DeleteApiCommand({ ApiId: apiId }));
    await expect(gw.deleteRoute(at(apiId), made.routeId)).resolves.toBeUndefined();
    await expect(gw.deleteRouteRequestParameter(at(apiId), made.routeId, 'k')).resolves.toBeUndefined();
  });
});
