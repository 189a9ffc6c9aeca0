// The fidelity proxy's route rules (test/faultproxy/fidelity.ts): where moto takes a route write
// that real API Gateway refuses, or replaces where AWS merges, the test bed answers as AWS does. One
// test per rule with the raw SDK against tb.awsEndpoint, asserting the AWS-shaped answer and what is
// stored afterwards; a last block pins down what moto alone does, i.e. why each rule exists.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  type CreateRouteCommandInput,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  DeleteRouteRequestParameterCommand,
  GetRouteCommand,
  GetRoutesCommand,
  UpdateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import { FaultProxy } from '../faultproxy/proxy.ts';
import { everyPage } from '../faultproxy/inventory.ts';
import { testbedEnv } from '../testbed/env.ts';
import { destroyTestClients, testClient } from '../support/sdk-client.ts';

const tb = testbedEnv();
const proxies: FaultProxy[] = [];

afterAll(async () => {
  destroyTestClients();
  await Promise.all(proxies.map((p) => p.close()));
});

const aws = testClient(tb.awsEndpoint);
const moto = testClient(tb.motoEndpoint);
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:fidelity-routes';

async function newApi(protocol: 'HTTP' | 'WEBSOCKET', c = aws): Promise<string> {
  const ws = protocol === 'WEBSOCKET' ? { RouteSelectionExpression: '$request.body.action' } : {};
  const name = `fidelity-routes-${protocol.toLowerCase()}-${Date.now()}`;
  return (await c.send(new CreateApiCommand({ Name: name, ProtocolType: protocol, ...ws }))).ApiId!;
}

async function newIntegration(apiId: string, c = aws): Promise<string> {
  const input = { ApiId: apiId, IntegrationType: 'AWS_PROXY' as const, IntegrationUri: LAMBDA };
  return (await c.send(new CreateIntegrationCommand({ ...input, PayloadFormatVersion: '2.0' }))).IntegrationId!;
}

async function newRoute(input: CreateRouteCommandInput, c = aws): Promise<string> {
  return (await c.send(new CreateRouteCommand(input))).RouteId!;
}

const keysOn = async (apiId: string, c = aws) =>
  (await everyPage((NextToken) => c.send(new GetRoutesCommand({ ApiId: apiId, NextToken }))))
    .map((r) => r.RouteKey)
    .sort();

/** The rejection of a call, for matching on name, status and message. */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error('the call succeeded, but an error was expected');
  return {
    name: e.name,
    message: e.message,
    status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
  };
}

let api = '';
let integration = '';

beforeAll(async () => {
  api = await newApi('HTTP');
  integration = await newIntegration(api);
});

describe('route rule 1: a route key is unique per API', () => {
  it('refuses a CreateRoute whose key the API has with 409 ConflictException, and stores nothing', async () => {
    await newRoute({ ApiId: api, RouteKey: 'GET /dup', Target: `integrations/${integration}` });
    expect(await failure(aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /dup' })))).toEqual({
      name: 'ConflictException',
      status: 409,
      message: 'Route with key GET /dup already exists for this API',
    });
    expect((await keysOn(api)).filter((k) => k === 'GET /dup')).toHaveLength(1);
  });

  it('refuses an UpdateRoute to a key another route has, and lets a route keep its own', async () => {
    await newRoute({ ApiId: api, RouteKey: 'GET /held' });
    const mine = await newRoute({ ApiId: api, RouteKey: 'GET /mine' });
    expect(
      await failure(aws.send(new UpdateRouteCommand({ ApiId: api, RouteId: mine, RouteKey: 'GET /held' }))),
    ).toEqual({
      name: 'ConflictException',
      status: 409,
      message: 'Route with key GET /held already exists for this API',
    });
    expect((await aws.send(new GetRouteCommand({ ApiId: api, RouteId: mine }))).RouteKey).toBe('GET /mine');
    await aws.send(new UpdateRouteCommand({ ApiId: api, RouteId: mine, RouteKey: 'GET /mine', OperationName: 'op' }));
    await aws.send(new UpdateRouteCommand({ ApiId: api, RouteId: mine, RouteKey: 'GET /mine2' }));
    expect((await aws.send(new GetRouteCommand({ ApiId: api, RouteId: mine }))).RouteKey).toBe('GET /mine2');
  });
});

describe('route rule 2: a target names an integration of the API', () => {
  it('answers CreateRoute and UpdateRoute naming a missing integration with 404, and stores nothing', async () => {
    const notFound = {
      name: 'NotFoundException',
      status: 404,
      message: 'Invalid Integration identifier specified nosuchid',
    };
    const create = aws.send(
      new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /t', Target: 'integrations/nosuchid' }),
    );
    expect(await failure(create)).toEqual(notFound);
    expect(await keysOn(api)).not.toContain('GET /t');
    const id = await newRoute({ ApiId: api, RouteKey: 'GET /t', Target: `integrations/${integration}` });
    const update = aws.send(new UpdateRouteCommand({ ApiId: api, RouteId: id, Target: 'integrations/nosuchid' }));
    expect(await failure(update)).toEqual(notFound);
    expect((await aws.send(new GetRouteCommand({ ApiId: api, RouteId: id }))).Target).toBe(
      `integrations/${integration}`,
    );
  });
});

describe('route rule 3: UpdateRoute merges maps', () => {
  it('keeps request models and parameters not sent, and removes a model sent as ""', async () => {
    const ws = await newApi('WEBSOCKET');
    const id = await newRoute({
      ApiId: ws,
      RouteKey: '$connect',
      RequestModels: { a: 'ModelA', b: 'ModelB' },
      RequestParameters: { 'route.request.querystring.x': { Required: true } },
    });
    await aws.send(
      new UpdateRouteCommand({
        ApiId: ws,
        RouteId: id,
        RequestModels: { a: '', c: 'ModelC' },
        RequestParameters: { 'route.request.header.y': { Required: false } },
      }),
    );
    const got = await aws.send(new GetRouteCommand({ ApiId: ws, RouteId: id }));
    expect(got.RequestModels).toEqual({ b: 'ModelB', c: 'ModelC' });
    expect(got.RequestParameters).toEqual({
      'route.request.querystring.x': { Required: true },
      'route.request.header.y': { Required: false },
    });
  });
});

describe('route rule 3b: UpdateRoute clears with "" and []', () => {
  it('clears target, scopes and the model selection expression, and lets the untargeted integration go', async () => {
    const ws = await newApi('WEBSOCKET');
    const target = await newIntegration(ws);
    const id = await newRoute({
      ApiId: ws,
      RouteKey: 'send',
      Target: `integrations/${target}`,
      AuthorizationScopes: ['read'],
      ModelSelectionExpression: '$request.body.type',
      RequestModels: { a: 'ModelA' },
    });
    const cleared = await aws.send(
      new UpdateRouteCommand({
        ApiId: ws,
        RouteId: id,
        Target: '',
        AuthorizationScopes: [],
        ModelSelectionExpression: '',
        RequestModels: { a: '' },
      }),
    );
    const got = await aws.send(new GetRouteCommand({ ApiId: ws, RouteId: id }));
    for (const r of [cleared, got, (await aws.send(new GetRoutesCommand({ ApiId: ws }))).Items![0]!])
      expect([r.Target, r.AuthorizationScopes, r.ModelSelectionExpression, r.RequestModels]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    // Nothing targets the integration any more, so AWS lets it be deleted.
    await aws.send(new DeleteIntegrationCommand({ ApiId: ws, IntegrationId: target }));
    // Set again, the fields come back.
    await aws.send(new UpdateRouteCommand({ ApiId: ws, RouteId: id, AuthorizationScopes: ['write'] }));
    expect((await aws.send(new GetRouteCommand({ ApiId: ws, RouteId: id }))).AuthorizationScopes).toEqual(['write']);
  });
});

describe('route rule 4: deletes of what is not there are 404', () => {
  it('answers DeleteRoute of an unknown route id with NotFoundException', async () => {
    expect(await failure(aws.send(new DeleteRouteCommand({ ApiId: api, RouteId: 'nosuchid' })))).toEqual({
      name: 'NotFoundException',
      status: 404,
      message: 'Invalid Route identifier specified nosuchid',
    });
  });

  it('deletes a request parameter, then answers a second delete of it with NotFoundException', async () => {
    const ws = await newApi('WEBSOCKET');
    const id = await newRoute({
      ApiId: ws,
      RouteKey: '$connect',
      RequestParameters: {
        'route.request.header.a': { Required: true },
        'route.request.header.b': { Required: false },
      },
    });
    const del = () =>
      aws.send(
        new DeleteRouteRequestParameterCommand({
          ApiId: ws,
          RouteId: id,
          RequestParameterKey: 'route.request.header.a',
        }),
      );
    await del();
    expect((await aws.send(new GetRouteCommand({ ApiId: ws, RouteId: id }))).RequestParameters).toEqual({
      'route.request.header.b': { Required: false },
    });
    expect(await failure(del())).toEqual({
      name: 'NotFoundException',
      status: 404,
      message: 'Invalid RequestParameter identifier specified route.request.header.a',
    });
  });
});

describe('route rule 5: GetRoutes in pages (opt-in)', () => {
  it('pages the listing with nextToken, honouring a smaller maxResults', async () => {
    const p = await FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, fidelity: { pageSize: 2 } });
    proxies.push(p);
    const c = testClient(p.url);
    const paged = await newApi('HTTP', c);
    for (const k of ['GET /1', 'GET /2', 'GET /3', 'GET /4', 'GET /5'])
      await newRoute({ ApiId: paged, RouteKey: k }, c);
    const sizes: number[] = [];
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await c.send(new GetRoutesCommand({ ApiId: paged, NextToken: token }));
      sizes.push(out.Items?.length ?? 0);
      keys.push(...(out.Items ?? []).map((r) => r.RouteKey!));
      token = out.NextToken;
    } while (token);
    expect(sizes).toEqual([2, 2, 1]);
    expect(keys.sort()).toEqual(['GET /1', 'GET /2', 'GET /3', 'GET /4', 'GET /5']);
    expect((await c.send(new GetRoutesCommand({ ApiId: paged, MaxResults: '1' }))).Items).toHaveLength(1);
  });
});

describe('moto alone (why the route rules exist)', () => {
  it('creates a second route with a taken key, updates into a taken key, takes a dangling target, never pages', async () => {
    const m = await newApi('HTTP', moto);
    await newRoute({ ApiId: m, RouteKey: 'GET /a' }, moto);
    await newRoute({ ApiId: m, RouteKey: 'GET /a' }, moto);
    const b = await newRoute({ ApiId: m, RouteKey: 'GET /b', Target: 'integrations/nosuchid' }, moto);
    await moto.send(new UpdateRouteCommand({ ApiId: m, RouteId: b, RouteKey: 'GET /a' }));
    expect(await keysOn(m, moto)).toEqual(['GET /a', 'GET /a', 'GET /a']);
    // And answers every listing in one page, whatever maxResults says.
    const one = await moto.send(new GetRoutesCommand({ ApiId: m, MaxResults: '1' }));
    expect([one.Items?.length, one.NextToken]).toEqual([3, undefined]);
  });

  it('replaces request maps on update, cannot clear with "" or [], deletes unknown routes with 200, fails an unknown parameter with 500', async () => {
    const ws = await newApi('WEBSOCKET', moto);
    const id = await newRoute(
      {
        ApiId: ws,
        RouteKey: '$connect',
        RequestModels: { a: 'ModelA', b: 'ModelB' },
        RequestParameters: { 'route.request.querystring.x': { Required: true } },
      },
      moto,
    );
    await moto.send(
      new UpdateRouteCommand({
        ApiId: ws,
        RouteId: id,
        RequestModels: { a: '' },
        RequestParameters: { 'route.request.header.y': { Required: false } },
      }),
    );
    const got = await moto.send(new GetRouteCommand({ ApiId: ws, RouteId: id }));
    expect(got.RequestModels).toEqual({ a: '' });
    expect(got.RequestParameters).toEqual({ 'route.request.header.y': { Required: false } });
    await expect(moto.send(new DeleteRouteCommand({ ApiId: ws, RouteId: 'nosuchid' }))).resolves.toBeDefined();
    const other = await newRoute(
      {
        ApiId: ws,
        RouteKey: 'send',
        Target: 'integrations/x',
        AuthorizationScopes: ['read'],
        ModelSelectionExpression: 'm',
      },
      moto,
    );
    await moto.send(
      new UpdateRouteCommand({
        ApiId: ws,
        RouteId: other,
        Target: '',
        AuthorizationScopes: [],
        ModelSelectionExpression: '',
      }),
    );
    const kept = await moto.send(new GetRouteCommand({ ApiId: ws, RouteId: other }));
    expect([kept.Target, kept.AuthorizationScopes, kept.ModelSelectionExpression]).toEqual([
      'integrations/x',
      ['read'],
      'm',
    ]);
    const unknown = moto.send(
      new DeleteRouteRequestParameterCommand({ ApiId: ws, RouteId: id, RequestParameterKey: 'route.request.header.z' }),
    );
    expect((await failure(unknown)).status).toBe(500);
  });
});
