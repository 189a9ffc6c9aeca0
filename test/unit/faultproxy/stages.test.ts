// The fidelity proxy's stages and deployments (test/faultproxy/stages.ts) against an in-memory
// stand-in for moto: deployments snapshot routes and integrations, stages serve their deployment
// until the next one, auto-deploying stages deploy by themselves, and API Gateway's refusals.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FaultProxy, type FidelityOptions } from '../../faultproxy/proxy.ts';
import {
  AUTO_DEPLOY_DESCRIPTION,
  DEPLOYMENT_IN_USE_MESSAGE,
  EXECUTION_LOGS_MESSAGE,
  STAGE_EXISTS_MESSAGE,
  STAGES_QUOTA_MESSAGE,
} from '../../faultproxy/stage-rules.ts';
import { servedRoute, servedStage } from '../../support/served.ts';
import { FakeEmulator } from './fake-emulator.ts';
import { call, json, outcome } from './client.ts';

const emulator = new FakeEmulator();
const proxies: FaultProxy[] = [];
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f';
const lambda = { integrationType: 'AWS_PROXY', integrationUri: LAMBDA, payloadFormatVersion: '2.0' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => emulator.start());
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  emulator.reset();
});

async function proxy(fidelity: FidelityOptions = {}): Promise<FaultProxy> {
  const p = await FaultProxy.start({ upstream: emulator.url, fidelity: { autoDeployDelayMs: 20, ...fidelity } });
  proxies.push(p);
  return p;
}

const post = async (url: string, path: string, body: unknown) => json(await call(url, 'POST', path, body));

/** An API with one route targeting one integration. */
async function routedApi(url: string, protocol = 'HTTP'): Promise<{ api: string; route: string; integration: string }> {
  const api = String((await post(url, '/v2/apis', { name: 'a', protocolType: protocol })).apiId);
  const integration = String((await post(url, `/v2/apis/${api}/integrations`, lambda)).integrationId);
  const routeKey = protocol === 'HTTP' ? 'GET /a' : '$connect';
  const route = String(
    (await post(url, `/v2/apis/${api}/routes`, { routeKey, target: `integrations/${integration}` })).routeId,
  );
  return { api, route, integration };
}

/**
 * Polls until `check` holds or ten seconds have passed (a deployment takes a few round trips after
 * its timer, which a loaded machine can stretch well past a second).
 */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const until = Date.now() + 10_000;
  let v = await read();
  while (!check(v) && Date.now() < until) {
    await sleep(10);
    v = await read();
  }
  return v;
}

describe('deployments snapshot the API', () => {
  it('a stage serves what was deployed to it, not later edits, until the next deployment', async () => {
    const p = await proxy();
    const { api, route } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'prod' });
    expect(await servedStage(p.url, api, 'prod')).toBeUndefined();
    const first = await call(p.url, 'POST', `/v2/apis/${api}/deployments`, { stageName: 'prod', description: 'one' });
    expect(outcome(first)).toEqual({ status: 201 });
    expect(json(first)).toMatchObject({ deploymentStatus: 'DEPLOYED', autoDeployed: false, description: 'one' });
    const firstId = json(first).deploymentId;
    expect(json(await call(p.url, 'GET', `/v2/apis/${api}/stages/prod`)).deploymentId).toBe(firstId);

    const other = String((await post(p.url, `/v2/apis/${api}/integrations`, lambda)).integrationId);
    await call(p.url, 'PATCH', `/v2/apis/${api}/routes/${route}`, { target: `integrations/${other}` });
    await sleep(60);
    const served = await servedRoute(p.url, api, 'prod', 'GET /a');
    expect(served?.deploymentId).toBe(firstId);
    expect(served?.integration?.integrationId).not.toBe(other);

    const second = json(await call(p.url, 'POST', `/v2/apis/${api}/deployments`, { stageName: 'prod' }));
    expect((await servedRoute(p.url, api, 'prod', 'GET /a'))?.integration?.integrationId).toBe(other);
    expect(second.deploymentId).not.toBe(firstId);
  });

  it('a deployment without stageName changes what no stage serves', async () => {
    const p = await proxy();
    const { api, route } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'prod' });
    const first = (await post(p.url, `/v2/apis/${api}/deployments`, { stageName: 'prod' })).deploymentId;
    await call(p.url, 'PATCH', `/v2/apis/${api}/routes/${route}`, { routeKey: 'GET /b' });
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/deployments`, {}))).toEqual({ status: 201 });
    expect(json(await call(p.url, 'GET', `/v2/apis/${api}/stages/prod`)).deploymentId).toBe(first);
    expect(await servedRoute(p.url, api, 'prod', 'GET /a')).toMatchObject({ deploymentId: first });
    expect(await servedRoute(p.url, api, 'prod', 'GET /b')).toBeUndefined();
  });

  it.each([
    ['HTTP', 'Unable to deploy API because no routes exist in this API'],
    ['WEBSOCKET', 'At least one route is required before deploying the Api'],
  ])('%s: an API without routes cannot be deployed', async (protocol, message) => {
    const p = await proxy();
    const body = { name: 'a', protocolType: protocol, routeSelectionExpression: '$request.body.action' };
    const api = String((await post(p.url, '/v2/apis', body)).apiId);
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/deployments`, {}))).toEqual({
      status: 400,
      type: 'BadRequestException',
      message,
    });
  });

  it('answers unknown APIs, stages and deployments with 404 NotFoundException', async () => {
    const p = await proxy();
    const { api } = await routedApi(p.url);
    for (const [method, path, message] of [
      ['GET', '/v2/apis/nope/stages', 'Invalid API identifier specified nope'],
      ['POST', '/v2/apis/nope/deployments', 'Invalid API identifier specified nope'],
      ['GET', `/v2/apis/${api}/stages/nope`, 'Invalid Stage identifier specified nope'],
      ['DELETE', `/v2/apis/${api}/stages/nope`, 'Invalid Stage identifier specified nope'],
      ['GET', `/v2/apis/${api}/deployments/nope`, 'Invalid Deployment identifier specified nope'],
      ['DELETE', `/v2/apis/${api}/deployments/nope`, 'Invalid Deployment identifier specified nope'],
    ] as const)
      expect(outcome(await call(p.url, method, path, method === 'POST' ? {} : undefined))).toEqual({
        status: 404,
        type: 'NotFoundException',
        message,
      });
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/deployments`, { stageName: 'nope' })).status).toBe(404);
    const bad = await call(p.url, 'POST', `/v2/apis/${api}/stages`, { stageName: 'x', deploymentId: 'nope' });
    expect(outcome(bad)).toMatchObject({ status: 404, message: 'Invalid Deployment identifier specified nope' });
  });
});

describe('deleting a deployment', () => {
  it('is refused while a stage serves it, and allowed once the stage moved on', async () => {
    const p = await proxy();
    const { api } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'prod' });
    const first = String((await post(p.url, `/v2/apis/${api}/deployments`, { stageName: 'prod' })).deploymentId);
    expect(outcome(await call(p.url, 'DELETE', `/v2/apis/${api}/deployments/${first}`))).toEqual({
      status: 400,
      type: 'BadRequestException',
      message: DEPLOYMENT_IN_USE_MESSAGE,
    });
    await post(p.url, `/v2/apis/${api}/deployments`, { stageName: 'prod' });
    expect(outcome(await call(p.url, 'DELETE', `/v2/apis/${api}/deployments/${first}`))).toEqual({ status: 204 });
    expect(outcome(await call(p.url, 'GET', `/v2/apis/${api}/deployments/${first}`)).status).toBe(404);
  });
});

describe('auto-deploying stages', () => {
  it('deploy shortly after being created and after each routing change, and refuse a manual deployment', async () => {
    const p = await proxy();
    const { api, route } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'live', autoDeploy: true });
    const stage = () => call(p.url, 'GET', `/v2/apis/${api}/stages/live`).then(json);
    const first = await eventually(stage, (s) => typeof s.deploymentId === 'string');
    expect(first.lastDeploymentStatusMessage).toBe(
      `Successfully deployed stage with deployment ID '${String(first.deploymentId)}'`,
    );
    const auto = json(await call(p.url, 'GET', `/v2/apis/${api}/deployments/${String(first.deploymentId)}`));
    expect(auto).toMatchObject({ autoDeployed: true, description: AUTO_DEPLOY_DESCRIPTION });

    await call(p.url, 'PATCH', `/v2/apis/${api}/routes/${route}`, { routeKey: 'GET /b' });
    const second = await eventually(stage, (s) => s.deploymentId !== first.deploymentId);
    expect(second.deploymentId).not.toBe(first.deploymentId);
    expect(await servedRoute(p.url, api, 'live', 'GET /b')).toMatchObject({ deploymentId: second.deploymentId });

    const manual = await call(p.url, 'PATCH', `/v2/apis/${api}/stages/live`, { deploymentId: first.deploymentId });
    expect(outcome(manual)).toMatchObject({ status: 400, type: 'BadRequestException' });
    const deploy = await call(p.url, 'POST', `/v2/apis/${api}/deployments`, { stageName: 'live' });
    expect(outcome(deploy)).toMatchObject({ status: 400, type: 'BadRequestException' });
  });

  it('deploy when switched on, and say why when the API has no routes', async () => {
    const p = await proxy();
    const { api, route } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'later' });
    await call(p.url, 'PATCH', `/v2/apis/${api}/stages/later`, { autoDeploy: true });
    const stage = () => call(p.url, 'GET', `/v2/apis/${api}/stages/later`).then(json);
    const deployed = await eventually(stage, (s) => typeof s.deploymentId === 'string');
    await call(p.url, 'DELETE', `/v2/apis/${api}/routes/${route}`);
    const failed = await eventually(stage, (s) =>
      String(s.lastDeploymentStatusMessage).startsWith('Deployment attempt'),
    );
    expect(failed.lastDeploymentStatusMessage).toBe(
      'Deployment attempt failed: Unable to deploy API because no routes exist in this API',
    );
    expect(failed.deploymentId).toBe(deployed.deploymentId);
  });

  it('coalesce a burst of changes into one deployment', async () => {
    // The delay only has to outlast four local round trips, with room for a loaded machine; the
    // deployment is then waited for rather than slept for.
    const delayMs = 1000;
    const p = await proxy({ autoDeployDelayMs: delayMs });
    const { api } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'live', autoDeploy: true });
    for (const k of ['GET /1', 'GET /2', 'GET /3']) await post(p.url, `/v2/apis/${api}/routes`, { routeKey: k });
    const burstEnd = Date.now();
    const deployments = () => call(p.url, 'GET', `/v2/apis/${api}/deployments`).then((r) => json(r).items as unknown[]);
    await eventually(deployments, (items) => items.length > 0);
    // A deployment per change would have had its timer fire by now, so only one means coalesced.
    await sleep(Math.max(0, burstEnd + delayMs + 300 - Date.now()));
    expect(await deployments()).toHaveLength(1);
    expect((await servedStage(p.url, api, 'live'))?.routes).toHaveLength(4);
  });
});

describe('stages', () => {
  it('are unique by name, at most stagesPerApi, and only HTTP APIs have $default', async () => {
    const p = await proxy({ stagesPerApi: 2 });
    const { api } = await routedApi(p.url);
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/stages`, { stageName: '$default' }))).toEqual({
      status: 201,
    });
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/stages`, { stageName: '$default' }))).toEqual({
      status: 409,
      type: 'ConflictException',
      message: STAGE_EXISTS_MESSAGE,
    });
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'b' });
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/stages`, { stageName: 'c' }))).toEqual({
      status: 429,
      type: 'ConflictException',
      message: STAGES_QUOTA_MESSAGE,
    });
    const ws = await routedApi(p.url, 'WEBSOCKET');
    const refused = await call(p.url, 'POST', `/v2/apis/${ws.api}/stages`, { stageName: '$default' });
    expect(outcome(refused)).toMatchObject({ status: 400, type: 'BadRequestException' });
  });

  it('refuse execution-log settings on HTTP APIs and route settings for unknown routes', async () => {
    const p = await proxy();
    const { api } = await routedApi(p.url);
    const logs = await call(p.url, 'POST', `/v2/apis/${api}/stages`, {
      stageName: 's',
      defaultRouteSettings: { loggingLevel: 'INFO' },
    });
    expect(outcome(logs)).toEqual({ status: 400, type: 'BadRequestException', message: EXECUTION_LOGS_MESSAGE });
    await post(p.url, `/v2/apis/${api}/stages`, {
      stageName: 's',
      routeSettings: { 'GET /a': { throttlingBurstLimit: 1 } },
    });
    const unknown = await call(p.url, 'PATCH', `/v2/apis/${api}/stages/s`, { routeSettings: { 'GET /zz': {} } });
    expect(outcome(unknown)).toEqual({
      status: 404,
      type: 'NotFoundException',
      message: 'Unable to find Route by key GET /zz within the provided RouteSettings',
    });
  });

  it('are updated by merging, and route settings are removed with DeleteRouteSettings', async () => {
    const p = await proxy();
    const { api } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, {
      stageName: 's',
      stageVariables: { a: '1', b: '2' },
      routeSettings: { 'GET /a': { throttlingBurstLimit: 1 } },
    });
    const updated = json(await call(p.url, 'PATCH', `/v2/apis/${api}/stages/s`, { stageVariables: { a: '', c: '3' } }));
    expect(updated).toMatchObject({
      stageVariables: { b: '2', c: '3' },
      routeSettings: { 'GET /a': { throttlingBurstLimit: 1 } },
    });
    const key = encodeURIComponent('GET /a');
    expect(outcome(await call(p.url, 'DELETE', `/v2/apis/${api}/stages/s/routesettings/${key}`))).toEqual({
      status: 204,
    });
    expect(json(await call(p.url, 'GET', `/v2/apis/${api}/stages/s`)).routeSettings).toEqual({});
    expect(outcome(await call(p.url, 'DELETE', `/v2/apis/${api}/stages/s/routesettings/${key}`)).status).toBe(404);
  });

  it('and deployments are listed in pages', async () => {
    const p = await proxy({ pageSize: 2 });
    const { api } = await routedApi(p.url);
    for (const s of ['s1', 's2', 's3']) await post(p.url, `/v2/apis/${api}/stages`, { stageName: s });
    for (let i = 0; i < 3; i++) await post(p.url, `/v2/apis/${api}/deployments`, {});
    for (const what of ['stages', 'deployments']) {
      const first = json(await call(p.url, 'GET', `/v2/apis/${api}/${what}`));
      expect(first.items).toHaveLength(2);
      const rest = json(await call(p.url, 'GET', `/v2/apis/${api}/${what}?nextToken=${String(first.nextToken)}`));
      expect([(rest.items as unknown[]).length, rest.nextToken]).toEqual([1, undefined]);
    }
  });
});

describe('quick create', () => {
  it('makes a managed $default stage that deploys itself and cannot be changed', async () => {
    const p = await proxy();
    const api = String((await post(p.url, '/v2/apis', { name: 'q', protocolType: 'HTTP', target: LAMBDA })).apiId);
    const stage = () => call(p.url, 'GET', `/v2/apis/${api}/stages/$default`).then(json);
    const deployed = await eventually(stage, (s) => typeof s.deploymentId === 'string');
    expect(deployed).toMatchObject({ autoDeploy: true, apiGatewayManaged: true });
    expect((await servedRoute(p.url, api, '$default', '$default'))?.integration).toMatchObject({
      integrationUri: LAMBDA,
    });
    for (const [method, body] of [
      ['PATCH', { description: 'x' }],
      ['DELETE', undefined],
    ] as const)
      expect(outcome(await call(p.url, method, `/v2/apis/${api}/stages/$default`, body)).status).toBe(400);
  });
});

describe('the proxy', () => {
  it('counts stage and deployment operations but not its own /__emulator reads', async () => {
    const p = await proxy();
    const { api } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'prod' });
    await post(p.url, `/v2/apis/${api}/deployments`, { stageName: 'prod' });
    await servedStage(p.url, api, 'prod');
    expect((await fetch(`${p.url}/__emulator/nothing-here`)).status).toBe(404);
    expect((await fetch(`${p.url}/__emulator/served/%E0%A4%A/prod`)).status).toBe(404);
    expect(p.count({ operation: 'CreateDeployment' })).toBe(1);
    expect(p.count({ operation: 'CreateStage', write: true })).toBe(1);
    expect(p.records().filter((r) => r.path.startsWith('/__emulator'))).toEqual([]);
  });

  it("forgets an API's stages and deployments when the API is deleted", async () => {
    const p = await proxy();
    const { api } = await routedApi(p.url);
    await post(p.url, `/v2/apis/${api}/stages`, { stageName: 'prod' });
    await post(p.url, `/v2/apis/${api}/deployments`, { stageName: 'prod' });
    await call(p.url, 'DELETE', `/v2/apis/${api}`);
    expect(await servedStage(p.url, api, 'prod')).toBeUndefined();
  });

  it('throttles CreateDeployment when asked to, as the account quota may', async () => {
    const p = await proxy({ createDeploymentIntervalMs: 10_000 });
    const { api } = await routedApi(p.url);
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/deployments`, {})).status).toBe(201);
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/deployments`, {}))).toEqual({
      status: 429,
      type: 'TooManyRequestsException',
      message: 'Too Many Requests',
    });
  });
});
