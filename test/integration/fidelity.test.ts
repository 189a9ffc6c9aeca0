// The test bed's AWS side answers like real API Gateway v2 where moto does not: the fidelity proxy
// (test/faultproxy/fidelity.ts) in front of moto. One test per rule, with the raw SDK against
// tb.awsEndpoint, asserting the AWS-shaped answer (error class, status, message) and what is stored
// afterwards. Rules that need their own settings (the quota, late creates) use an in-process proxy
// on moto directly. A last block pins down what moto alone does, i.e. why each rule exists.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type ContentHandlingStrategy,
  CreateApiCommand,
  CreateIntegrationCommand,
  type CreateIntegrationCommandInput,
  CreateRouteCommand,
  DeleteApiCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  GetApiCommand,
  GetIntegrationCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import { FaultProxy, type FaultProxyOptions } from '../faultproxy/proxy.ts';
import { everyPage } from '../faultproxy/inventory.ts';
import { testbedEnv } from '../testbed/env.ts';
import { destroyTestClients, testClient } from '../support/sdk-client.ts';

const tb = testbedEnv();
const proxies: FaultProxy[] = [];

async function proxy(opts: Omit<FaultProxyOptions, 'upstream'>): Promise<FaultProxy> {
  const p = await FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, ...opts });
  proxies.push(p);
  return p;
}

afterAll(async () => {
  destroyTestClients();
  await Promise.all(proxies.map((p) => p.close()));
});

const aws = testClient(tb.awsEndpoint);
const moto = testClient(tb.motoEndpoint);
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:fidelity';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newApi(protocol: 'HTTP' | 'WEBSOCKET', c = aws): Promise<string> {
  const ws = protocol === 'WEBSOCKET' ? { RouteSelectionExpression: '$request.body.action' } : {};
  return (
    await c.send(
      new CreateApiCommand({ Name: `fidelity-${protocol.toLowerCase()}-${Date.now()}`, ProtocolType: protocol, ...ws }),
    )
  ).ApiId!;
}

async function newIntegration(input: CreateIntegrationCommandInput, c = aws): Promise<string> {
  return (await c.send(new CreateIntegrationCommand(input))).IntegrationId!;
}

const lambdaOn = (apiId: string, over: Partial<CreateIntegrationCommandInput> = {}): CreateIntegrationCommandInput => ({
  ApiId: apiId,
  IntegrationType: 'AWS_PROXY',
  IntegrationUri: LAMBDA,
  PayloadFormatVersion: '2.0',
  ...over,
});

const get = (apiId: string, id: string) => aws.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: id }));

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

let httpApi = '';
let wsApi = '';

beforeAll(async () => {
  httpApi = await newApi('HTTP');
  wsApi = await newApi('WEBSOCKET');
});

describe('the test bed', () => {
  it('puts the fidelity proxy in front of moto and offers moto directly too', async () => {
    expect(tb.awsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(tb.motoEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(tb.awsEndpoint).not.toBe(tb.motoEndpoint);
    // One emulator behind both: what one sees, the other sees.
    const id = await newIntegration(lambdaOn(httpApi));
    expect((await moto.send(new GetIntegrationCommand({ ApiId: httpApi, IntegrationId: id }))).IntegrationId).toBe(id);
  });
});

describe('rule 1: an integration a route targets cannot be deleted', () => {
  it('answers 409 ConflictException naming the routes, until no route targets it', async () => {
    const api = await newApi('HTTP');
    const id = await newIntegration(lambdaOn(api));
    const other = await newIntegration(lambdaOn(api));
    const r1 = (
      await aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /a', Target: `integrations/${id}` }))
    ).RouteId!;
    const r2 = (
      await aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /b', Target: `integrations/${id}` }))
    ).RouteId!;
    await aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /c', Target: `integrations/${other}` }));

    expect(await failure(aws.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: id })))).toEqual({
      name: 'ConflictException',
      status: 409,
      message: `Cannot delete Integration because it is referenced by the following Routes with Ids: [${r1}, ${r2}]`,
    });
    expect((await get(api, id)).IntegrationId).toBe(id);

    await aws.send(new DeleteRouteCommand({ ApiId: api, RouteId: r1 }));
    expect((await failure(aws.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: id })))).message).toBe(
      `Cannot delete Integration because it is referenced by the following Routes with Ids: [${r2}]`,
    );
    await aws.send(new DeleteRouteCommand({ ApiId: api, RouteId: r2 }));
    await aws.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: id }));
    expect((await failure(get(api, id))).name).toBe('NotFoundException');
    expect((await get(api, other)).IntegrationId).toBe(other);
  });
});

describe('rule 2: integrations per API', () => {
  it('refuses the create beyond the quota with 429 ConflictException, and takes one again after a delete', async () => {
    const p = await proxy({ fidelity: { integrationsPerApi: 3 } });
    const c = testClient(p.url);
    const api = await newApi('HTTP', c);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await newIntegration(lambdaOn(api), c));
    expect(await failure(c.send(new CreateIntegrationCommand(lambdaOn(api))))).toEqual({
      name: 'ConflictException',
      status: 429,
      message:
        'Maximum number of Integrations for this API has been reached.  Please contact AWS if you need additional Integrations.',
    });
    expect((await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items).toHaveLength(3);
    expect(p.count({ operation: 'CreateIntegration', outcome: 'fidelity_quota' })).toBe(1);

    await c.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: ids[0] }));
    await newIntegration(lambdaOn(api), c);
    expect((await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items).toHaveLength(3);
  });

  it('allows 300 on the test bed by default', async () => {
    const api = await newApi('HTTP');
    for (let i = 0; i < 10; i++) await newIntegration(lambdaOn(api));
    const all = await everyPage((NextToken) => aws.send(new GetIntegrationsCommand({ ApiId: api, NextToken })));
    expect(all).toHaveLength(10);
  });
});

describe('rule 3: UpdateIntegration merges', () => {
  it('merges request parameters and removes keys sent as ""', async () => {
    const id = await newIntegration({
      ApiId: httpApi,
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'GET',
      IntegrationUri: 'https://example.com',
      PayloadFormatVersion: '1.0',
      RequestParameters: { 'append:header.a': 'a', 'append:header.b': 'b', 'append:header.c': 'c' },
    });
    await aws.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        RequestParameters: { 'append:header.a': '', 'append:header.d': 'd' },
      }),
    );
    expect((await get(httpApi, id)).RequestParameters).toEqual({
      'append:header.b': 'b',
      'append:header.c': 'c',
      'append:header.d': 'd',
    });
    // Fields left out are left alone.
    await aws.send(new UpdateIntegrationCommand({ ApiId: httpApi, IntegrationId: id, Description: 'only this' }));
    const got = await get(httpApi, id);
    expect(got.RequestParameters).toEqual({ 'append:header.b': 'b', 'append:header.c': 'c', 'append:header.d': 'd' });
    expect(got.IntegrationUri).toBe('https://example.com');
  });

  it('removes response status codes sent as {} and merges the inner maps of the others', async () => {
    const id = await newIntegration({
      ApiId: httpApi,
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'GET',
      IntegrationUri: 'https://example.com',
      PayloadFormatVersion: '1.0',
      ResponseParameters: {
        '200': { 'append:header.x': 'x', 'append:header.y': 'y' },
        '404': { 'overwrite:statuscode': '410' },
        '500': { 'overwrite:statuscode': '503' },
      },
    });
    await aws.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        ResponseParameters: { '200': { 'append:header.x': 'x2' }, '404': {} },
      }),
    );
    expect((await get(httpApi, id)).ResponseParameters).toEqual({
      '200': { 'append:header.x': 'x2', 'append:header.y': 'y' },
      '500': { 'overwrite:statuscode': '503' },
    });
  });

  it('stores a request template sent as "" as an empty template and keeps the others', async () => {
    const id = await newIntegration({
      ApiId: wsApi,
      IntegrationType: 'HTTP',
      IntegrationMethod: 'POST',
      IntegrationUri: 'https://example.com',
      RequestTemplates: { 'application/json': '{"a":1}', 'text/plain': 'plain' },
      TemplateSelectionExpression: '\\$default',
    });
    await aws.send(
      new UpdateIntegrationCommand({ ApiId: wsApi, IntegrationId: id, RequestTemplates: { 'text/plain': '' } }),
    );
    expect((await get(wsApi, id)).RequestTemplates).toEqual({ 'application/json': '{"a":1}', 'text/plain': '' });
    await aws.send(
      new UpdateIntegrationCommand({
        ApiId: wsApi,
        IntegrationId: id,
        RequestTemplates: { 'application/xml': '<a/>' },
      }),
    );
    expect((await get(wsApi, id)).RequestTemplates).toEqual({
      'application/json': '{"a":1}',
      'text/plain': '',
      'application/xml': '<a/>',
    });
  });

  it('clears scalars sent as "" and tlsConfig sent as {}', async () => {
    const id = await newIntegration({
      ApiId: httpApi,
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'ANY',
      PayloadFormatVersion: '1.0',
      IntegrationUri: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/abc/def',
      ConnectionType: 'VPC_LINK',
      ConnectionId: 'vpclink1',
      TlsConfig: { ServerNameToVerify: 'example.com' },
      Description: 'described',
      CredentialsArn: 'arn:aws:iam::123456789012:role/r',
    });
    await aws.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        ConnectionType: 'INTERNET',
        IntegrationUri: 'https://example.com',
        ConnectionId: '',
        TlsConfig: {},
        // The enum type has no "", but the wire takes it: that is how Terraform clears the field.
        Description: '',
        CredentialsArn: '',
        TemplateSelectionExpression: '',
      }),
    );
    const got = await get(httpApi, id);
    for (const field of ['ConnectionId', 'Description', 'CredentialsArn', 'TemplateSelectionExpression'] as const) {
      expect([undefined, '']).toContain(got[field]);
    }
    expect(got.TlsConfig?.ServerNameToVerify).toBeUndefined();
    expect(got.ConnectionType).toBe('INTERNET');
  });

  it('changes integrationType and integrationSubtype in place', async () => {
    const id = await newIntegration({
      ApiId: httpApi,
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'GET',
      IntegrationUri: 'https://example.com',
      PayloadFormatVersion: '1.0',
    });
    await aws.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: LAMBDA,
        PayloadFormatVersion: '2.0',
      }),
    );
    expect(await get(httpApi, id)).toMatchObject({
      IntegrationId: id,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: LAMBDA,
    });
    await aws.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        IntegrationType: 'AWS_PROXY',
        IntegrationSubtype: 'EventBridge-PutEvents',
        PayloadFormatVersion: '1.0',
        CredentialsArn: 'arn:aws:iam::123456789012:role/r',
        RequestParameters: { Detail: '$request.body', DetailType: 'd', Source: 's' },
      }),
    );
    expect(await get(httpApi, id)).toMatchObject({ IntegrationId: id, IntegrationSubtype: 'EventBridge-PutEvents' });
  });

  it('refuses "" for integrationUri, integrationMethod and contentHandlingStrategy, applying nothing', async () => {
    const id = await newIntegration({
      ApiId: wsApi,
      IntegrationType: 'HTTP',
      IntegrationMethod: 'POST',
      IntegrationUri: 'https://example.com',
      ContentHandlingStrategy: 'CONVERT_TO_TEXT',
    });
    // The enum type has no "", but the wire takes it.
    for (const reset of [
      { IntegrationUri: '' },
      { IntegrationMethod: '' },
      { ContentHandlingStrategy: '' as ContentHandlingStrategy },
    ]) {
      const refused = await failure(
        aws.send(new UpdateIntegrationCommand({ ApiId: wsApi, IntegrationId: id, Description: 'x', ...reset })),
      );
      expect(refused).toMatchObject({ name: 'BadRequestException', status: 400 });
      expect(refused.message).toMatch(
        /^1 validation error detected: Value '' at '(integrationUri|integrationMethod|contentHandlingStrategy)'/,
      );
    }
    expect(await get(wsApi, id)).toMatchObject({
      IntegrationUri: 'https://example.com',
      IntegrationMethod: 'POST',
      ContentHandlingStrategy: 'CONVERT_TO_TEXT',
    });
    expect((await get(wsApi, id)).Description).toBeUndefined();
  });

  it('refuses a "" tombstone on a subtype integration and keeps parameters left out', async () => {
    const params = {
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      MessageBody: '$request.body',
      DelaySeconds: '0',
    };
    const id = await newIntegration({
      ApiId: httpApi,
      IntegrationType: 'AWS_PROXY',
      IntegrationSubtype: 'SQS-SendMessage',
      PayloadFormatVersion: '1.0',
      CredentialsArn: 'arn:aws:iam::123456789012:role/r',
      RequestParameters: params,
    });
    expect(
      await failure(
        aws.send(
          new UpdateIntegrationCommand({
            ApiId: httpApi,
            IntegrationId: id,
            IntegrationType: 'AWS_PROXY',
            IntegrationSubtype: 'SQS-SendMessage',
            RequestParameters: { ...params, DelaySeconds: '' },
          }),
        ),
      ),
    ).toEqual({
      name: 'BadRequestException',
      status: 400,
      message:
        'Invalid selection expression specified: Validation Result: warnings : [], errors : [Mapping expression missing source or destination]',
    });
    expect((await get(httpApi, id)).RequestParameters).toEqual(params);
    await aws.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        RequestParameters: { MessageBody: '$request.body.m' },
      }),
    );
    expect((await get(httpApi, id)).RequestParameters).toEqual({ ...params, MessageBody: '$request.body.m' });
  });
});

describe('rule 4: missing ids answer 404 NotFoundException', () => {
  it('for an unknown integration id on Update and Delete', async () => {
    const notFound = {
      name: 'NotFoundException',
      status: 404,
      message: 'Invalid Integration identifier specified nosuchid',
    };
    expect(
      await failure(
        aws.send(new UpdateIntegrationCommand({ ApiId: httpApi, IntegrationId: 'nosuchid', Description: 'x' })),
      ),
    ).toEqual(notFound);
    expect(
      await failure(aws.send(new DeleteIntegrationCommand({ ApiId: httpApi, IntegrationId: 'nosuchid' }))),
    ).toEqual(notFound);
  });

  it('for every call on a deleted API', async () => {
    const api = await newApi('HTTP');
    const id = await newIntegration(lambdaOn(api));
    await aws.send(new DeleteApiCommand({ ApiId: api }));
    const notFound = { name: 'NotFoundException', status: 404, message: `Invalid API identifier specified ${api}` };
    // One at a time: writes sent at once on one API would meet the concurrent-modification 409 first.
    const calls: [string, () => Promise<unknown>][] = [
      ['GetApi', () => aws.send(new GetApiCommand({ ApiId: api }))],
      ['DeleteApi', () => aws.send(new DeleteApiCommand({ ApiId: api }))],
      ['GetIntegrations', () => aws.send(new GetIntegrationsCommand({ ApiId: api }))],
      ['CreateIntegration', () => aws.send(new CreateIntegrationCommand(lambdaOn(api)))],
      ['GetIntegration', () => get(api, id)],
      [
        'UpdateIntegration',
        () => aws.send(new UpdateIntegrationCommand({ ApiId: api, IntegrationId: id, Description: 'x' })),
      ],
      ['DeleteIntegration', () => aws.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: id }))],
      ['GetRoutes', () => aws.send(new GetRoutesCommand({ ApiId: api }))],
      [
        'CreateRoute',
        () => aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /x', Target: `integrations/${id}` })),
      ],
    ];
    for (const [name, call] of calls) expect([name, await failure(call())]).toEqual([name, notFound]);
  });
});

describe('rule 5: create defaults as AWS reports them', () => {
  it.each([
    ['HTTP', 'AWS_PROXY', 30000],
    ['WEBSOCKET', 'AWS_PROXY', 29000],
    ['WEBSOCKET', 'HTTP_PROXY', 29000],
    ['WEBSOCKET', 'MOCK', 29000],
  ] as const)('%s API, %s: timeoutInMillis %d and connectionType INTERNET', async (protocol, type, timeout) => {
    const api = protocol === 'HTTP' ? httpApi : wsApi;
    const input: CreateIntegrationCommandInput =
      type === 'MOCK'
        ? { ApiId: api, IntegrationType: 'MOCK' }
        : type === 'HTTP_PROXY'
          ? {
              ApiId: api,
              IntegrationType: 'HTTP_PROXY',
              IntegrationMethod: 'GET',
              IntegrationUri: 'https://example.com',
            }
          : {
              ApiId: api,
              IntegrationType: 'AWS_PROXY',
              IntegrationUri: LAMBDA,
              ...(protocol === 'HTTP' ? { PayloadFormatVersion: '2.0' } : {}),
            };
    const id = await newIntegration(input);
    expect(await get(api, id)).toMatchObject({ TimeoutInMillis: timeout, ConnectionType: 'INTERNET' });
  });

  it('keeps values the request gives', async () => {
    const id = await newIntegration(lambdaOn(httpApi, { TimeoutInMillis: 5000 }));
    expect(await get(httpApi, id)).toMatchObject({ TimeoutInMillis: 5000, ConnectionType: 'INTERNET' });
  });
});

describe('rule 6: a create that completes after the client gave up', () => {
  it('is applied only after the next listing has been answered, and its answer is lost', async () => {
    const marker = `late-${Date.now()}`;
    const p = await proxy({ fidelity: true, lateCreate: (_r, body) => body.description === marker });
    // Only the create is sent by a client that gives up, and not soon: the proxy holds it whatever
    // the timeout, while the other calls round-trip to moto, which a loaded machine slows.
    const c = testClient(p.url);
    const impatient = testClient(p.url, 2000);
    const api = await newApi('HTTP', c);
    const create = new CreateIntegrationCommand(lambdaOn(api, { Description: marker }));
    const timedOut = await failure(impatient.send(create));
    expect(timedOut).toMatchObject({ name: 'TimeoutError', status: undefined });
    const listing = (await c.send(new GetIntegrationsCommand({ ApiId: api }))).Items ?? [];
    expect(listing.filter((i) => i.Description === marker)).toEqual([]);
    const landed = async () =>
      ((await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items ?? []).filter(
        (i) => i.Description === marker,
      );
    for (let i = 0; i < 50 && (await landed()).length === 0; i++) await sleep(100);
    expect(await landed()).toHaveLength(1);
    expect((await landed())[0]).toMatchObject({ TimeoutInMillis: 30000, ConnectionType: 'INTERNET' });
    expect(p.count({ operation: 'CreateIntegration', outcome: 'late_create' })).toBe(1);
    expect(
      p
        .appliedWrites()
        .filter((w) => w.operation === 'CreateIntegration')
        .map((w) => w.outcome),
    ).toEqual(['late_create']);
  });

  it('is applied after the longest hold when no listing comes', async () => {
    // The client gives up well before the longest hold ends, and the API is made by a patient
    // client: a loaded machine stretches moto's round trips, not the proxy's hold.
    const holdMs = 4000;
    const p = await proxy({ fidelity: true, lateCreate: () => true, lateCreateMaxDelayMs: holdMs });
    const impatient = testClient(p.url, 1000);
    const api = await newApi('HTTP', testClient(p.url));
    const t0 = Date.now();
    expect(await failure(impatient.send(new CreateIntegrationCommand(lambdaOn(api))))).toMatchObject({
      name: 'TimeoutError',
      status: undefined,
    });
    expect((await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items ?? []).toHaveLength(0);
    let items: unknown[] = [];
    while (items.length === 0 && Date.now() - t0 < holdMs + 15_000) {
      await sleep(100);
      items = (await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items ?? [];
    }
    expect(items).toHaveLength(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(holdMs - 100);
  });
});

describe('rule 7: concurrent writes on one API are refused, route writes included', () => {
  it('gets the concurrent-modification 409 while an integration write on the same API is in flight', async () => {
    // No conflictOnConcurrentWrites: with fidelity on, refusing is the default. The create's answer
    // waits in the forwarded hook until the route create has been answered, so the create is in
    // flight throughout, however slowly the machine runs.
    let createInFlight = () => {};
    const inFlight = new Promise<void>((r) => (createInFlight = r));
    let answerCreate = () => {};
    const answerGate = new Promise<void>((r) => (answerCreate = r));
    const p = await proxy({
      fidelity: true,
      onForwarded: async ({ record }) => {
        if (record.operation !== 'CreateIntegration') return;
        createInFlight();
        await answerGate;
      },
    });
    const c = testClient(p.url);
    const api = await newApi('HTTP', c);
    const creating = newIntegration(lambdaOn(api), c);
    await inFlight;
    const refused = await failure(c.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /x' })));
    answerCreate();
    expect(refused).toEqual({
      name: 'ConflictException',
      status: 409,
      message: 'Unable to complete operation due to concurrent modification. Please try again later.',
    });
    await creating;
    expect(p.count({ operation: 'CreateRoute', outcome: 'concurrent_conflict' })).toBe(1);
  });
});

describe('rule 8: listings come in pages', () => {
  it('pages GetIntegrations on the test bed by default, with an opaque token', async () => {
    const api = await newApi('HTTP');
    for (let i = 0; i < 4; i++) await newIntegration(lambdaOn(api));
    const first = await aws.send(new GetIntegrationsCommand({ ApiId: api }));
    expect(first.Items).toHaveLength(3);
    expect(first.NextToken).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(first.NextToken).not.toMatch(/^\d+$/);
    const second = await aws.send(new GetIntegrationsCommand({ ApiId: api, NextToken: first.NextToken }));
    expect([second.Items?.length, second.NextToken]).toEqual([1, undefined]);
  });
});

describe('rule 9: quick create', () => {
  it('makes a managed integration and $default route that can be updated but not deleted or re-keyed', async () => {
    const api = (
      await aws.send(new CreateApiCommand({ Name: `quick-${Date.now()}`, ProtocolType: 'HTTP', Target: LAMBDA }))
    ).ApiId!;
    const [integration] = (await aws.send(new GetIntegrationsCommand({ ApiId: api }))).Items ?? [];
    const [route] = (await aws.send(new GetRoutesCommand({ ApiId: api }))).Items ?? [];
    expect(integration).toMatchObject({
      ApiGatewayManaged: true,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: LAMBDA,
      PayloadFormatVersion: '2.0',
    });
    expect(route).toMatchObject({
      ApiGatewayManaged: true,
      RouteKey: '$default',
      Target: `integrations/${integration!.IntegrationId}`,
    });
    const id = integration!.IntegrationId!;
    expect(await failure(aws.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: id })))).toMatchObject({
      name: 'BadRequestException',
      status: 400,
    });
    expect(
      await failure(aws.send(new UpdateRouteCommand({ ApiId: api, RouteId: route!.RouteId!, RouteKey: 'GET /x' }))),
    ).toMatchObject({ name: 'BadRequestException', status: 400 });
    await aws.send(new UpdateIntegrationCommand({ ApiId: api, IntegrationId: id, TimeoutInMillis: 5000 }));
    expect(await get(api, id)).toMatchObject({ TimeoutInMillis: 5000, ApiGatewayManaged: true });
  });
});

describe('faults for fixes to prove (off by default)', () => {
  it('notVisibleForMs: a new integration reads as absent for a while, while the API holds it', async () => {
    // The window runs on a clock the test moves, so slow round trips to moto cannot close it early.
    let clock = Date.now();
    const p = await proxy({ fidelity: true, notVisibleForMs: 1500, now: () => clock });
    const c = testClient(p.url);
    const api = await newApi('HTTP', c);
    const id = await newIntegration(lambdaOn(api), c);
    expect(await failure(c.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: id })))).toEqual({
      name: 'NotFoundException',
      status: 404,
      message: `Invalid Integration identifier specified ${id}`,
    });
    expect((await c.send(new GetIntegrationsCommand({ ApiId: api }))).Items).toEqual([]);
    // Other calls meet it: a route may target it.
    await c.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /seen', Target: `integrations/${id}` }));
    clock += 1500;
    expect((await c.send(new GetIntegrationCommand({ ApiId: api, IntegrationId: id }))).IntegrationId).toBe(id);
  });

  it('transientElbFailures: the first private-integration create is refused with the ELB-listener 400', async () => {
    const p = await proxy({ fidelity: true, transientElbFailures: 1 });
    const c = testClient(p.url);
    const api = await newApi('HTTP', c);
    const input: CreateIntegrationCommandInput = {
      ApiId: api,
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'ANY',
      PayloadFormatVersion: '1.0',
      IntegrationUri: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/abc/def',
      ConnectionType: 'VPC_LINK',
      ConnectionId: 'vpclink1',
    };
    expect(await failure(c.send(new CreateIntegrationCommand(input)))).toEqual({
      name: 'BadRequestException',
      status: 400,
      message: 'Unable to retrieve listener port and load balancer DNS name from ELB listener',
    });
    expect((await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items ?? []).toEqual([]);
    await newIntegration(input, c);
    expect((await moto.send(new GetIntegrationsCommand({ ApiId: api }))).Items).toHaveLength(1);
  });
});

describe('moto alone (why the rules exist)', () => {
  it('deletes a routed integration, an unknown integration and an unknown API with 200, and fails an update of an unknown id with 500', async () => {
    const api = await newApi('HTTP', moto);
    const id = await newIntegration(lambdaOn(api), moto);
    await moto.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /a', Target: `integrations/${id}` }));
    await expect(moto.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: id }))).resolves.toBeDefined();
    await expect(
      moto.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: 'nosuchid' })),
    ).resolves.toBeDefined();
    expect(
      (
        await failure(
          moto.send(new UpdateIntegrationCommand({ ApiId: api, IntegrationId: 'nosuchid', Description: 'x' })),
        )
      ).status,
    ).toBe(500);
    await moto.send(new DeleteApiCommand({ ApiId: api }));
    await expect(moto.send(new DeleteApiCommand({ ApiId: api }))).resolves.toBeDefined();
  });

  it('replaces parameter maps on update, keeps "" templates and {} status codes, and defaults by type', async () => {
    const ws = await newApi('WEBSOCKET', moto);
    const id = await newIntegration(
      {
        ApiId: httpApi,
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'GET',
        IntegrationUri: 'https://example.com',
        PayloadFormatVersion: '1.0',
        RequestParameters: { 'append:header.a': 'a', 'append:header.b': 'b' },
        ResponseParameters: { '200': { 'append:header.x': 'x' }, '500': { 'overwrite:statuscode': '503' } },
      },
      moto,
    );
    await moto.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        RequestParameters: { 'append:header.a': '' },
        ResponseParameters: { '200': {} },
      }),
    );
    const got = await moto.send(new GetIntegrationCommand({ ApiId: httpApi, IntegrationId: id }));
    expect(got.RequestParameters).toEqual({});
    expect(got.ResponseParameters).toEqual({ '200': {} });
    expect(got.ConnectionType).toBeUndefined();
    const wsId = await newIntegration(
      {
        ApiId: ws,
        IntegrationType: 'HTTP',
        IntegrationMethod: 'POST',
        IntegrationUri: 'https://example.com',
        RequestTemplates: { a: 'A', b: 'B' },
      },
      moto,
    );
    await moto.send(new UpdateIntegrationCommand({ ApiId: ws, IntegrationId: wsId, RequestTemplates: { b: '' } }));
    const wsGot = await moto.send(new GetIntegrationCommand({ ApiId: ws, IntegrationId: wsId }));
    expect(wsGot.RequestTemplates).toEqual({ b: '' });
    expect(wsGot.TimeoutInMillis).toBe(30000);
  });
});
