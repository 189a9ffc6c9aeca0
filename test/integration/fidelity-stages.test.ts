// The fidelity proxy's stages and deployments (test/faultproxy/stages.ts, deployments.ts), with the
// raw SDK against the test bed's API Gateway (moto behind the proxy): a deployment is a snapshot, a
// stage serves its deployment until the next one, auto-deploying stages deploy by themselves and
// refuse manual deployments, a served deployment cannot be deleted, listings come in pages, and the
// stages quota holds. What a stage serves is read with test/support/served.ts. A last block pins
// down what moto alone does, i.e. why these rules exist.
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentsCommand,
  GetRouteCommand,
  GetStageCommand,
  GetStagesCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { FaultProxy } from '../faultproxy/proxy.ts';
import { everyPage } from '../faultproxy/inventory.ts';
import { servedRoute, servedStage } from '../support/served.ts';
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
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:fidelity-stages';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newApi(protocol: 'HTTP' | 'WEBSOCKET', c = aws): Promise<string> {
  const ws = protocol === 'WEBSOCKET' ? { RouteSelectionExpression: '$request.body.action' } : {};
  const name = `fidelity-stages-${protocol.toLowerCase()}-${Date.now()}`;
  return (await c.send(new CreateApiCommand({ Name: name, ProtocolType: protocol, ...ws }))).ApiId!;
}

async function newIntegration(apiId: string, c = aws): Promise<string> {
  const input = { ApiId: apiId, IntegrationType: 'AWS_PROXY' as const, IntegrationUri: LAMBDA };
  return (await c.send(new CreateIntegrationCommand({ ...input, PayloadFormatVersion: '2.0' }))).IntegrationId!;
}

/** An HTTP API with route `GET /a` targeting one integration. */
async function routedApi(c = aws): Promise<{ api: string; route: string; integration: string }> {
  const api = await newApi('HTTP', c);
  const integration = await newIntegration(api, c);
  const target = `integrations/${integration}`;
  const route = (await c.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /a', Target: target }))).RouteId!;
  return { api, route, integration };
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

/** Reads until `check` holds or 10 s have passed (the test bed auto-deploys 1 s after a change). */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const until = Date.now() + 10_000;
  let v = await read();
  while (!check(v) && Date.now() < until) {
    await sleep(200);
    v = await read();
  }
  return v;
}

describe('a deployment is a snapshot', () => {
  it('a stage serves what was deployed to it; later edits wait for the next deployment', async () => {
    const { api, route, integration } = await routedApi();
    await aws.send(new CreateStageCommand({ ApiId: api, StageName: 'prod' }));
    expect(await servedStage(tb.awsEndpoint, api, 'prod')).toBeUndefined();

    const first = await aws.send(new CreateDeploymentCommand({ ApiId: api, StageName: 'prod', Description: 'one' }));
    expect(first).toMatchObject({ DeploymentStatus: 'DEPLOYED', AutoDeployed: false, Description: 'one' });
    expect(first.$metadata.httpStatusCode).toBe(201);
    expect((await aws.send(new GetStageCommand({ ApiId: api, StageName: 'prod' }))).DeploymentId).toBe(
      first.DeploymentId,
    );
    expect(await servedRoute(tb.awsEndpoint, api, 'prod', 'GET /a')).toMatchObject({
      deploymentId: first.DeploymentId,
      route: { routeId: route, target: `integrations/${integration}` },
      integration: { integrationId: integration, integrationUri: LAMBDA },
    });

    const other = await newIntegration(api);
    await aws.send(new UpdateRouteCommand({ ApiId: api, RouteId: route, Target: `integrations/${other}` }));
    await aws.send(new CreateRouteCommand({ ApiId: api, RouteKey: 'GET /new', Target: `integrations/${other}` }));
    await sleep(1500); // longer than the test bed's auto-deploy delay: this stage must not deploy by itself
    expect((await aws.send(new GetRouteCommand({ ApiId: api, RouteId: route }))).Target).toBe(`integrations/${other}`);
    expect((await servedRoute(tb.awsEndpoint, api, 'prod', 'GET /a'))?.integration?.integrationId).toBe(integration);
    expect(await servedRoute(tb.awsEndpoint, api, 'prod', 'GET /new')).toBeUndefined();

    const second = await aws.send(new CreateDeploymentCommand({ ApiId: api, StageName: 'prod' }));
    expect(await servedRoute(tb.awsEndpoint, api, 'prod', 'GET /a')).toMatchObject({
      deploymentId: second.DeploymentId,
      integration: { integrationId: other },
    });
    expect(await servedRoute(tb.awsEndpoint, api, 'prod', 'GET /new')).toBeDefined();
  });

  it('is refused for an API without routes, in the words of its protocol', async () => {
    const http = await newApi('HTTP');
    expect(await failure(aws.send(new CreateDeploymentCommand({ ApiId: http })))).toEqual({
      name: 'BadRequestException',
      status: 400,
      message: 'Unable to deploy API because no routes exist in this API',
    });
    const ws = await newApi('WEBSOCKET');
    expect(await failure(aws.send(new CreateDeploymentCommand({ ApiId: ws })))).toEqual({
      name: 'BadRequestException',
      status: 400,
      message: 'At least one route is required before deploying the Api',
    });
  });

  it('counts as exactly one CreateDeployment, and the served endpoint as no AWS call', async () => {
    const p = await FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, fidelity: true });
    proxies.push(p);
    const c = testClient(p.url);
    const { api } = await routedApi(c);
    await c.send(new CreateStageCommand({ ApiId: api, StageName: 'prod' }));
    p.resetStats();
    await c.send(new CreateDeploymentCommand({ ApiId: api, StageName: 'prod' }));
    expect(await servedStage(p.url, api, 'prod')).toBeDefined();
    expect(p.counts()).toEqual({ CreateDeployment: { ok: 1 } });
  });
});

describe('a deployment a stage serves', () => {
  it('cannot be deleted until the stage serves another', async () => {
    const { api } = await routedApi();
    await aws.send(new CreateStageCommand({ ApiId: api, StageName: 'prod' }));
    const first = (await aws.send(new CreateDeploymentCommand({ ApiId: api, StageName: 'prod' }))).DeploymentId!;
    expect(await failure(aws.send(new DeleteDeploymentCommand({ ApiId: api, DeploymentId: first })))).toEqual({
      name: 'BadRequestException',
      status: 400,
      message: 'Active stages pointing to this deployment must be moved or deleted',
    });
    const second = (await aws.send(new CreateDeploymentCommand({ ApiId: api }))).DeploymentId!;
    await aws.send(new UpdateStageCommand({ ApiId: api, StageName: 'prod', DeploymentId: second }));
    await aws.send(new DeleteDeploymentCommand({ ApiId: api, DeploymentId: first }));
    expect(await failure(aws.send(new GetDeploymentCommand({ ApiId: api, DeploymentId: first })))).toEqual({
      name: 'NotFoundException',
      status: 404,
      message: `Invalid Deployment identifier specified ${first}`,
    });
  });

  it('must exist for a stage to point at it', async () => {
    const { api } = await routedApi();
    const create = aws.send(new CreateStageCommand({ ApiId: api, StageName: 'x', DeploymentId: 'nosuch' }));
    expect(await failure(create)).toMatchObject({ name: 'NotFoundException', status: 404 });
    await aws.send(new CreateStageCommand({ ApiId: api, StageName: 'x' }));
    const update = aws.send(new UpdateStageCommand({ ApiId: api, StageName: 'x', DeploymentId: 'nosuch' }));
    expect(await failure(update)).toMatchObject({ name: 'NotFoundException', status: 404 });
  });
});

describe('an auto-deploying stage', () => {
  it('deploys by itself after each change, and refuses a deployment made to it', async () => {
    const { api, route } = await routedApi();
    await aws.send(new CreateStageCommand({ ApiId: api, StageName: 'live', AutoDeploy: true }));
    const stage = () => aws.send(new GetStageCommand({ ApiId: api, StageName: 'live' }));
    const first = await eventually(stage, (s) => s.DeploymentId !== undefined);
    expect(first.LastDeploymentStatusMessage).toBe(
      `Successfully deployed stage with deployment ID '${first.DeploymentId}'`,
    );
    const made = await aws.send(new GetDeploymentCommand({ ApiId: api, DeploymentId: first.DeploymentId! }));
    expect(made).toMatchObject({
      AutoDeployed: true,
      Description: 'Automatic deployment triggered by changes to the Api configuration',
    });

    await aws.send(new UpdateRouteCommand({ ApiId: api, RouteId: route, RouteKey: 'GET /moved' }));
    const second = await eventually(stage, (s) => s.DeploymentId !== first.DeploymentId);
    expect(second.DeploymentId).not.toBe(first.DeploymentId);
    expect(await servedRoute(tb.awsEndpoint, api, 'live', 'GET /moved')).toMatchObject({
      deploymentId: second.DeploymentId,
    });
    expect(await servedRoute(tb.awsEndpoint, api, 'live', 'GET /a')).toBeUndefined();

    const manual = aws.send(
      new UpdateStageCommand({ ApiId: api, StageName: 'live', DeploymentId: first.DeploymentId }),
    );
    expect(await failure(manual)).toMatchObject({ name: 'BadRequestException', status: 400 });
    const deploy = aws.send(new CreateDeploymentCommand({ ApiId: api, StageName: 'live' }));
    expect(await failure(deploy)).toMatchObject({ name: 'BadRequestException', status: 400 });
    expect((await stage()).DeploymentId).toBe(second.DeploymentId);
  });
});

describe('listings and quotas', () => {
  it('lists stages and deployments in pages', async () => {
    const { api } = await routedApi();
    for (const s of ['s1', 's2', 's3', 's4']) await aws.send(new CreateStageCommand({ ApiId: api, StageName: s }));
    for (let i = 0; i < 4; i++) await aws.send(new CreateDeploymentCommand({ ApiId: api }));
    const firstStages = await aws.send(new GetStagesCommand({ ApiId: api }));
    const firstDeployments = await aws.send(new GetDeploymentsCommand({ ApiId: api }));
    for (const page of [firstStages, firstDeployments]) {
      expect(page.Items!.length).toBeLessThan(4);
      expect(page.NextToken).toBeDefined();
    }
    const stages = await everyPage((NextToken) => aws.send(new GetStagesCommand({ ApiId: api, NextToken })));
    expect(stages.map((s) => s.StageName)).toEqual(['s1', 's2', 's3', 's4']);
    const deployments = await everyPage((NextToken) => aws.send(new GetDeploymentsCommand({ ApiId: api, NextToken })));
    expect(new Set(deployments.map((d) => d.DeploymentId)).size).toBe(4);
  });

  it('holds at most 10 stages per API, and a stage name once', async () => {
    const { api } = await routedApi();
    for (let i = 0; i < 10; i++) await aws.send(new CreateStageCommand({ ApiId: api, StageName: `s${i}` }));
    expect(await failure(aws.send(new CreateStageCommand({ ApiId: api, StageName: 's10' })))).toEqual({
      name: 'ConflictException',
      status: 429,
      message:
        'Maximum number of Stages for this API has been reached.  Please contact AWS if you need additional Stages.',
    });
    expect(await failure(aws.send(new CreateStageCommand({ ApiId: api, StageName: 's0' })))).toEqual({
      name: 'ConflictException',
      status: 409,
      message: 'Stage already exists',
    });
  });
});

describe('moto alone (why the stage rules exist)', () => {
  it('has no deployments or UpdateStage, drops deploymentId, and a second CreateStage replaces the first', async () => {
    const { api } = await routedApi(moto);
    expect((await failure(moto.send(new CreateDeploymentCommand({ ApiId: api })))).status).toBe(404);
    await moto.send(new CreateStageCommand({ ApiId: api, StageName: 'prod', DeploymentId: 'nosuch' }));
    expect((await moto.send(new GetStageCommand({ ApiId: api, StageName: 'prod' }))).DeploymentId).toBeUndefined();
    await moto.send(new CreateStageCommand({ ApiId: api, StageName: 'prod', Description: 'second' }));
    expect((await moto.send(new GetStagesCommand({ ApiId: api }))).Items).toHaveLength(1);
    const update = moto.send(new UpdateStageCommand({ ApiId: api, StageName: 'prod', Description: 'x' }));
    expect((await failure(update)).status).toBe(500);
  });
});
