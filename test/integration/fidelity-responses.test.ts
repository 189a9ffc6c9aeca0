// The fidelity proxy's integration and route responses (test/faultproxy/responses.ts): moto's are
// too far from API Gateway's to patch, so the test bed keeps them and answers as AWS does. One test
// per rule with the raw SDK against tb.awsEndpoint, asserting the AWS-shaped answer and what is
// stored afterwards; a last block pins down what moto alone does, i.e. why the rules exist.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateIntegrationResponseCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  CreateStageCommand,
  DeleteIntegrationCommand,
  DeleteIntegrationResponseCommand,
  DeleteRouteResponseCommand,
  GetIntegrationResponsesCommand,
  GetRouteResponsesCommand,
  UpdateIntegrationResponseCommand,
  UpdateRouteResponseCommand,
} from '@aws-sdk/client-apigatewayv2';
import { servedRoute } from '../support/served.ts';
import { testbedEnv } from '../testbed/env.ts';
import { destroyTestClients, testClient } from '../support/sdk-client.ts';

const tb = testbedEnv();

afterAll(() => {
  destroyTestClients();
});

const aws = testClient(tb.awsEndpoint);
const moto = testClient(tb.motoEndpoint);

async function newApi(protocol: 'HTTP' | 'WEBSOCKET', c = aws): Promise<string> {
  const ws = protocol === 'WEBSOCKET' ? { RouteSelectionExpression: '$request.body.action' } : {};
  const name = `fidelity-responses-${protocol.toLowerCase()}-${Date.now()}`;
  return (await c.send(new CreateApiCommand({ Name: name, ProtocolType: protocol, ...ws }))).ApiId!;
}

async function newMock(apiId: string, c = aws): Promise<string> {
  return (await c.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'MOCK' }))).IntegrationId!;
}

async function newRoute(apiId: string, integrationId: string, c = aws): Promise<string> {
  const input = { ApiId: apiId, RouteKey: 'echo', Target: `integrations/${integrationId}` };
  return (await c.send(new CreateRouteCommand({ ...input, RouteResponseSelectionExpression: '$default' }))).RouteId!;
}

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

const integrationKeys = async (apiId: string, integrationId: string) =>
  ((await aws.send(new GetIntegrationResponsesCommand({ ApiId: apiId, IntegrationId: integrationId }))).Items ?? [])
    .map((r) => r.IntegrationResponseKey)
    .sort();

let ws = '';
let mock = '';
let route = '';

beforeAll(async () => {
  ws = await newApi('WEBSOCKET');
  mock = await newMock(ws);
  route = await newRoute(ws, mock);
});

describe('response rule 1: keys as API Gateway takes them', () => {
  it('refuses an integration response key that is neither $default nor /regex/ with 400, and stores nothing', async () => {
    const sent = aws.send(
      new CreateIntegrationResponseCommand({ ApiId: ws, IntegrationId: mock, IntegrationResponseKey: '200' }),
    );
    expect(await failure(sent)).toMatchObject({ name: 'BadRequestException', status: 400 });
    expect(await integrationKeys(ws, mock)).toEqual([]);
    for (const key of ['$default', '/2\\d\\d/'])
      await aws.send(
        new CreateIntegrationResponseCommand({ ApiId: ws, IntegrationId: mock, IntegrationResponseKey: key }),
      );
    expect(await integrationKeys(ws, mock)).toEqual(['$default', '/2\\d\\d/']);
  });

  it('takes only $default as a route response key (400 otherwise), and a second one for a key is 409', async () => {
    const other = aws.send(
      new CreateRouteResponseCommand({ ApiId: ws, RouteId: route, RouteResponseKey: '/2\\d\\d/' }),
    );
    expect(await failure(other)).toEqual({
      name: 'BadRequestException',
      status: 400,
      message: 'Only the $default route response key is supported for WebSocket APIs',
    });
    await aws.send(new CreateRouteResponseCommand({ ApiId: ws, RouteId: route, RouteResponseKey: '$default' }));
    const again = aws.send(new CreateRouteResponseCommand({ ApiId: ws, RouteId: route, RouteResponseKey: '$default' }));
    expect(await failure(again)).toMatchObject({ name: 'ConflictException', status: 409 });
    const items = (await aws.send(new GetRouteResponsesCommand({ ApiId: ws, RouteId: route }))).Items ?? [];
    expect(items.map((r) => r.RouteResponseKey)).toEqual(['$default']);
  });

  it('refuses responses on an HTTP API with 400', async () => {
    const http = await newApi('HTTP');
    const input = { ApiId: http, IntegrationType: 'HTTP_PROXY' as const, IntegrationMethod: 'GET' };
    const proxy = (
      await aws.send(
        new CreateIntegrationCommand({ ...input, IntegrationUri: 'https://example.com', PayloadFormatVersion: '1.0' }),
      )
    ).IntegrationId!;
    const sent = aws.send(
      new CreateIntegrationResponseCommand({ ApiId: http, IntegrationId: proxy, IntegrationResponseKey: '$default' }),
    );
    expect(await failure(sent)).toEqual({
      name: 'BadRequestException',
      status: 400,
      message: 'Integration responses are supported only for WebSocket APIs',
    });
  });
});

describe('response rule 2: unknown ids are 404', () => {
  it('answers an unknown integration, route or response id with NotFoundException', async () => {
    expect(await failure(aws.send(new GetIntegrationResponsesCommand({ ApiId: ws, IntegrationId: 'nosuch' })))).toEqual(
      {
        name: 'NotFoundException',
        status: 404,
        message: 'Invalid Integration identifier specified nosuch',
      },
    );
    expect(await failure(aws.send(new GetRouteResponsesCommand({ ApiId: ws, RouteId: 'nosuch' })))).toEqual({
      name: 'NotFoundException',
      status: 404,
      message: 'Invalid Route identifier specified nosuch',
    });
    const ids = { ApiId: ws, IntegrationId: mock, IntegrationResponseId: 'nosuch' };
    expect(await failure(aws.send(new DeleteIntegrationResponseCommand(ids)))).toEqual({
      name: 'NotFoundException',
      status: 404,
      message: 'Invalid IntegrationResponse identifier specified nosuch',
    });
    const update = aws.send(new UpdateRouteResponseCommand({ ApiId: ws, RouteId: route, RouteResponseId: 'nosuch' }));
    expect(await failure(update)).toMatchObject({ name: 'NotFoundException', status: 404 });
  });
});

describe('response rule 3: what is stored', () => {
  it('keeps route response parameters, updates in place, and merges maps', async () => {
    const api = await newApi('WEBSOCKET');
    const r = await newRoute(api, await newMock(api));
    const made = await aws.send(
      new CreateRouteResponseCommand({
        ApiId: api,
        RouteId: r,
        RouteResponseKey: '$default',
        ResponseParameters: { 'route.response.header.x': { Required: true } },
      }),
    );
    await aws.send(
      new UpdateRouteResponseCommand({
        ApiId: api,
        RouteId: r,
        RouteResponseId: made.RouteResponseId,
        ModelSelectionExpression: '$default',
      }),
    );
    const [stored] = (await aws.send(new GetRouteResponsesCommand({ ApiId: api, RouteId: r }))).Items ?? [];
    expect(stored).toMatchObject({
      RouteResponseId: made.RouteResponseId,
      ModelSelectionExpression: '$default',
      ResponseParameters: { 'route.response.header.x': { Required: true } },
    });
  });

  it('goes with its integration when the integration is deleted', async () => {
    const api = await newApi('WEBSOCKET');
    const i = await newMock(api);
    await aws.send(
      new CreateIntegrationResponseCommand({ ApiId: api, IntegrationId: i, IntegrationResponseKey: '$default' }),
    );
    await aws.send(new DeleteIntegrationCommand({ ApiId: api, IntegrationId: i }));
    const again = await newMock(api);
    expect(await integrationKeys(api, again)).toEqual([]);
  });

  it('UpdateIntegrationResponse merges templates, keeping keys not sent', async () => {
    const api = await newApi('WEBSOCKET');
    const i = await newMock(api);
    const made = await aws.send(
      new CreateIntegrationResponseCommand({
        ApiId: api,
        IntegrationId: i,
        IntegrationResponseKey: '$default',
        ResponseTemplates: { a: 'A' },
      }),
    );
    const id = { ApiId: api, IntegrationId: i, IntegrationResponseId: made.IntegrationResponseId };
    await aws.send(new UpdateIntegrationResponseCommand({ ...id, ResponseTemplates: { b: 'B' } }));
    const [stored] = (await aws.send(new GetIntegrationResponsesCommand({ ApiId: api, IntegrationId: i }))).Items ?? [];
    expect(stored?.ResponseTemplates).toEqual({ a: 'A', b: 'B' });
  });
});

describe('response rule 4: a deployment keeps the responses', () => {
  it('serves the integration and route responses as they were when deployed', async () => {
    const api = await newApi('WEBSOCKET');
    const i = await newMock(api);
    const r = await newRoute(api, i);
    await aws.send(
      new CreateIntegrationResponseCommand({ ApiId: api, IntegrationId: i, IntegrationResponseKey: '$default' }),
    );
    await aws.send(new CreateRouteResponseCommand({ ApiId: api, RouteId: r, RouteResponseKey: '$default' }));
    await aws.send(new CreateStageCommand({ ApiId: api, StageName: 'prod' }));
    await aws.send(new CreateDeploymentCommand({ ApiId: api, StageName: 'prod' }));
    const served = await servedRoute(tb.awsEndpoint, api, 'prod', 'echo');
    expect(served?.route.routeResponses).toEqual([expect.objectContaining({ routeResponseKey: '$default' })]);
    expect(served?.integration?.integrationResponses).toEqual([
      expect.objectContaining({ integrationResponseKey: '$default' }),
    ]);
  });
});

describe('moto alone (why the response rules exist)', () => {
  it('has no GetRouteResponses, takes any key, and drops route response parameters', async () => {
    const api = await newApi('WEBSOCKET', moto);
    const i = await newMock(api, moto);
    const r = await newRoute(api, i, moto);
    const list = await failure(moto.send(new GetRouteResponsesCommand({ ApiId: api, RouteId: r })));
    expect(list.status).toBe(500);
    const made = await moto.send(
      new CreateRouteResponseCommand({
        ApiId: api,
        RouteId: r,
        RouteResponseKey: '/not-default/',
        ResponseParameters: { 'route.response.header.x': { Required: true } },
      }),
    );
    expect(made.RouteResponseKey).toBe('/not-default/');
    expect(made.ResponseParameters).toBeUndefined();
    await moto.send(
      new CreateIntegrationResponseCommand({ ApiId: api, IntegrationId: i, IntegrationResponseKey: '200' }),
    );
    await moto.send(new DeleteRouteResponseCommand({ ApiId: api, RouteId: r, RouteResponseId: 'nosuch' }));
  });
});
