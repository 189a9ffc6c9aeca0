// The fidelity proxy's defaults are as harsh as API Gateway: concurrent writes on one API refused
// with 409, both listings paged with opaque tokens, the per-API quotas in AWS's words and status,
// UpdateIntegration's "" on fields AWS will not clear refused, and quick create's managed
// integration and route protected. Against an in-memory stand-in for moto.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiGatewayV2Client, CreateRouteCommand, GetIntegrationsCommand } from '@aws-sdk/client-apigatewayv2';
import { FaultProxy, type FaultProxyOptions } from '../../faultproxy/proxy.ts';
import { emptyResetMessage, QUOTA_MESSAGE } from '../../faultproxy/fidelity.ts';
import { ROUTES_QUOTA_MESSAGE } from '../../faultproxy/fidelity-routes.ts';
import { offsetOf, pageToken } from '../../faultproxy/listings.ts';
import { FakeEmulator } from './fake-emulator.ts';
import { call, json, outcome } from './client.ts';
import { until, writeGate } from './waiting.ts';

const emulator = new FakeEmulator();
const proxies: FaultProxy[] = [];
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f';
const CONFLICT = 'Unable to complete operation due to concurrent modification. Please try again later.';

beforeAll(() => emulator.start());
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  emulator.reset();
});

async function proxy(opts: Omit<FaultProxyOptions, 'upstream'> = { fidelity: true }): Promise<string> {
  const p = await FaultProxy.start({ upstream: emulator.url, ...opts });
  proxies.push(p);
  return p.url;
}

async function newApi(url: string, body: Record<string, unknown> = {}): Promise<string> {
  return String(json(await call(url, 'POST', '/v2/apis', { name: 'a', protocolType: 'HTTP', ...body })).apiId);
}

const lambda = { integrationType: 'AWS_PROXY', integrationUri: LAMBDA, payloadFormatVersion: '2.0' };
const sdk = (endpoint: string) =>
  new ApiGatewayV2Client({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });

describe('concurrent writes on one API', () => {
  /**
   * A create, held at the emulator until a second create on the same API has been answered or has
   * reached the emulator too, so the two overlap however slowly the machine runs. A proxy that
   * queues the second behind the first (`queued`) shows neither, so the first is let go after a while.
   */
  const twoCreates = async (url: string, api: string, queued = false) => {
    const gate = writeGate();
    emulator.writesHeld = gate.opened;
    const first = call(url, 'POST', `/v2/apis/${api}/integrations`, lambda);
    await until('the first create at the emulator', () =>
      emulator.requests.includes(`POST /v2/apis/${api}/integrations`),
    );
    let answered = false;
    const second = call(url, 'POST', `/v2/apis/${api}/routes`, { routeKey: 'GET /x' }).finally(() => (answered = true));
    const overlapped = until(
      'the second create answered or at the emulator',
      () => answered || emulator.requests.includes(`POST /v2/apis/${api}/routes`),
    );
    await (queued ? Promise.race([overlapped, new Promise((r) => setTimeout(r, 200))]) : overlapped);
    gate.open();
    return [outcome(await first), outcome(await second)];
  };

  it('are refused with 409 ConflictException by default whenever fidelity is on', async () => {
    const url = await proxy();
    const api = await newApi(url);
    expect(await twoCreates(url, api)).toEqual([
      { status: 201 },
      { status: 409, type: 'ConflictException', message: CONFLICT },
    ]);
    expect(emulator.items(api, 'routes')).toEqual([]);
  });

  it('are queued when a test opts out, and without fidelity', async () => {
    for (const opts of [{ fidelity: true, conflictOnConcurrentWrites: false }, {}]) {
      const url = await proxy(opts);
      const api = await newApi(url);
      expect(await twoCreates(url, api, true)).toEqual([{ status: 201 }, { status: 201 }]);
    }
  });
});

describe('paged listings', () => {
  const fill = async (url: string, api: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const id = json(await call(url, 'POST', `/v2/apis/${api}/integrations`, lambda)).integrationId;
      await call(url, 'POST', `/v2/apis/${api}/routes`, { routeKey: `GET /${i}`, target: `integrations/${id}` });
    }
  };
  const pages = async (url: string, path: string) => {
    const sizes: number[] = [];
    const ids: unknown[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    do {
      const page = json(await call(url, 'GET', token ? `${path}?nextToken=${encodeURIComponent(token)}` : path));
      const items = page.items as Record<string, unknown>[];
      sizes.push(items.length);
      ids.push(...items.map((i) => i.integrationId ?? i.routeId));
      token = page.nextToken as string | undefined;
      if (token) tokens.push(token);
    } while (token);
    return { sizes, ids, tokens };
  };

  it('answers GetIntegrations and GetRoutes in pages of 3 by default, with tokens that are not plain offsets', async () => {
    const url = await proxy();
    const api = await newApi(url);
    await fill(url, api, 7);
    for (const what of ['integrations', 'routes'] as const) {
      const { sizes, ids, tokens } = await pages(url, `/v2/apis/${api}/${what}`);
      expect([what, sizes]).toEqual([what, [3, 3, 1]]);
      expect(ids).toEqual(emulator.items(api, what).map((i) => i.integrationId ?? i.routeId));
      for (const t of tokens) expect(t).not.toMatch(/^\d+$/);
    }
  });

  it('honours a smaller maxResults, refuses a token it did not issue, and pages the SDK loop', async () => {
    const url = await proxy({ fidelity: { pageSize: 2 } });
    const api = await newApi(url);
    await fill(url, api, 3);
    expect((json(await call(url, 'GET', `/v2/apis/${api}/routes?maxResults=1`)).items as unknown[]).length).toBe(1);
    expect(outcome(await call(url, 'GET', `/v2/apis/${api}/integrations?nextToken=2`))).toEqual({
      status: 400,
      type: 'BadRequestException',
      message: 'Invalid pagination token specified',
    });
    const client = sdk(url);
    const first = await client.send(new GetIntegrationsCommand({ ApiId: api }));
    const second = await client.send(new GetIntegrationsCommand({ ApiId: api, NextToken: first.NextToken }));
    client.destroy();
    expect([first.Items?.length, second.Items?.length, second.NextToken]).toEqual([2, 1, undefined]);
  });

  it('is not a snapshot: an item created between two pages shows up once, on a later page', async () => {
    const url = await proxy();
    const api = await newApi(url);
    await fill(url, api, 4);
    const page1 = json(await call(url, 'GET', `/v2/apis/${api}/integrations`));
    const late = json(await call(url, 'POST', `/v2/apis/${api}/integrations`, lambda)).integrationId;
    const page2 = json(await call(url, 'GET', `/v2/apis/${api}/integrations?nextToken=${String(page1.nextToken)}`));
    const ids = [...(page1.items as { integrationId: string }[]), ...(page2.items as { integrationId: string }[])].map(
      (i) => i.integrationId,
    );
    expect(ids.filter((i) => i === late)).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers in one page with pageSize 0, as moto', async () => {
    const url = await proxy({ fidelity: { pageSize: 0 } });
    const api = await newApi(url);
    await fill(url, api, 5);
    expect(await pages(url, `/v2/apis/${api}/routes`)).toMatchObject({ sizes: [5], tokens: [] });
  });

  it('encodes offsets so they read back, and rejects what it did not encode', () => {
    expect(offsetOf(pageToken(42))).toBe(42);
    expect(offsetOf(null)).toBe(0);
    expect([offsetOf('3'), offsetOf('not a token'), offsetOf(pageToken(-1))]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('per-API quotas', () => {
  it('refuses the route beyond the quota with 429 ConflictException in AWS words, and stores nothing', async () => {
    const url = await proxy({ fidelity: { routesPerApi: 2 } });
    const api = await newApi(url);
    for (const k of ['GET /a', 'GET /b'])
      expect(outcome(await call(url, 'POST', `/v2/apis/${api}/routes`, { routeKey: k })).status).toBe(201);
    const client = sdk(url);
    const err = await client.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /c' })).catch((e: unknown) => e);
    client.destroy();
    expect(err).toMatchObject({
      name: 'ConflictException',
      message: ROUTES_QUOTA_MESSAGE,
      $metadata: { httpStatusCode: 429 },
    });
    expect(ROUTES_QUOTA_MESSAGE).toBe(
      'Maximum number of Routes for this API has been reached.  Please contact AWS if you need additional Routes.',
    );
    expect(emulator.items(api, 'routes')).toHaveLength(2);
  });

  it('words the integration quota as AWS does', async () => {
    const url = await proxy({ fidelity: { integrationsPerApi: 1 } });
    const api = await newApi(url);
    await call(url, 'POST', `/v2/apis/${api}/integrations`, lambda);
    expect(outcome(await call(url, 'POST', `/v2/apis/${api}/integrations`, lambda))).toEqual({
      status: 429,
      type: 'ConflictException',
      message:
        'Maximum number of Integrations for this API has been reached.  Please contact AWS if you need additional Integrations.',
    });
    expect(QUOTA_MESSAGE).toMatch(/has been reached\. {2}Please contact AWS/);
  });
});

describe('UpdateIntegration with "" on a field AWS does not clear', () => {
  it.each(['integrationUri', 'integrationMethod', 'contentHandlingStrategy'])(
    'refuses %s: "" with 400 BadRequestException and applies nothing',
    async (field) => {
      const url = await proxy();
      const api = await newApi(url);
      const id = json(await call(url, 'POST', `/v2/apis/${api}/integrations`, lambda)).integrationId;
      const r = outcome(
        await call(url, 'PATCH', `/v2/apis/${api}/integrations/${id}`, { [field]: '', description: 'd' }),
      );
      expect(r).toEqual({ status: 400, type: 'BadRequestException', message: emptyResetMessage({ [field]: '' }) });
      expect(r.message).toContain(`'${field}'`);
      expect(emulator.items(api, 'integrations')[0]).not.toHaveProperty('description');
    },
  );

  it('lets other fields be cleared with "", and lets a test accept the resets', async () => {
    const url = await proxy();
    const api = await newApi(url);
    const id = json(await call(url, 'POST', `/v2/apis/${api}/integrations`, lambda)).integrationId;
    expect(
      outcome(await call(url, 'PATCH', `/v2/apis/${api}/integrations/${id}`, { description: '', credentialsArn: '' }))
        .status,
    ).toBe(200);
    const lenient = await proxy({ fidelity: { refuseEmptyResets: false } });
    expect(
      outcome(await call(lenient, 'PATCH', `/v2/apis/${api}/integrations/${id}`, { integrationMethod: '' })).status,
    ).toBe(200);
  });

  it('names every refused field', () => {
    expect(emptyResetMessage({ integrationUri: '', integrationMethod: '', description: '' })).toMatch(
      /^2 validation errors detected: Value '' at 'integrationUri' .*; Value '' at 'integrationMethod'/,
    );
    expect(emptyResetMessage({ integrationUri: 'x', description: '' })).toBeUndefined();
  });
});

describe('quick create', () => {
  it('makes a managed Lambda integration, a managed $default route and an auto-deploying stage', async () => {
    const url = await proxy();
    const api = await newApi(url, { target: LAMBDA });
    const [integration] = emulator.items(api, 'integrations');
    const [route] = emulator.items(api, 'routes');
    expect(integration).toMatchObject({
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
    });
    expect(route).toMatchObject({ routeKey: '$default', target: `integrations/${String(integration!.integrationId)}` });
    expect(json(await call(url, 'GET', `/v2/apis/${api}/stages`)).items).toEqual([
      expect.objectContaining({ stageName: '$default', autoDeploy: true, apiGatewayManaged: true }),
    ]);
    const iid = String(integration!.integrationId);
    const rid = String(route!.routeId);
    for (const path of [`integrations/${iid}`, `routes/${rid}`])
      expect(json(await call(url, 'GET', `/v2/apis/${api}/${path}`))).toMatchObject({ apiGatewayManaged: true });
    for (const what of ['integrations', 'routes'])
      expect(json(await call(url, 'GET', `/v2/apis/${api}/${what}`)).items).toEqual([
        expect.objectContaining({ apiGatewayManaged: true }),
      ]);
  });

  it('refuses deleting the managed integration and changing the managed route key, and allows the rest', async () => {
    const url = await proxy();
    const api = await newApi(url, { target: 'https://example.com', routeKey: 'ANY /x' });
    const iid = String(emulator.items(api, 'integrations')[0]!.integrationId);
    const rid = String(emulator.items(api, 'routes')[0]!.routeId);
    expect(emulator.items(api, 'integrations')[0]).toMatchObject({
      integrationType: 'HTTP_PROXY',
      integrationMethod: 'ANY',
    });
    expect(outcome(await call(url, 'DELETE', `/v2/apis/${api}/integrations/${iid}`))).toMatchObject({
      status: 400,
      type: 'BadRequestException',
    });
    expect(outcome(await call(url, 'PATCH', `/v2/apis/${api}/routes/${rid}`, { routeKey: 'ANY /y' }))).toMatchObject({
      status: 400,
      type: 'BadRequestException',
    });
    expect(emulator.items(api, 'routes')[0]!.routeKey).toBe('ANY /x');
    const updated = json(await call(url, 'PATCH', `/v2/apis/${api}/integrations/${iid}`, { timeoutInMillis: 5000 }));
    expect(updated).toMatchObject({ timeoutInMillis: 5000, apiGatewayManaged: true });
    expect(
      outcome(await call(url, 'PATCH', `/v2/apis/${api}/routes/${rid}`, { routeKey: 'ANY /x', operationName: 'o' }))
        .status,
    ).toBe(200);
  });

  it('is HTTP only, and a CreateApi without a target makes nothing else', async () => {
    const url = await proxy();
    const refused = await call(url, 'POST', '/v2/apis', { name: 'w', protocolType: 'WEBSOCKET', target: LAMBDA });
    expect(outcome(refused)).toMatchObject({ status: 400, type: 'BadRequestException' });
    expect(emulator.apis.size).toBe(0);
    const api = await newApi(url);
    expect([emulator.items(api, 'integrations'), emulator.items(api, 'routes')]).toEqual([[], []]);
  });
});
